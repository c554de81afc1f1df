/**
 * The push side of the parser: feed it chunks, take the finished items. It owns the saxes parser,
 * strict UTF-8 decoding, the document checks (not XML, DOCTYPE entities, declared encoding) and
 * the site-host rule. `parseReport` (in-thread) and the worker variant both drive this class, which
 * is why their output is identical.
 *
 * Contract: after every `write` or `end`, call `take()` — also when they threw. A thrown ParseError
 * means the document is damaged at that point; `take()` then still returns every complete item
 * before the damage, and nothing after it.
 */
import { SaxesParser } from 'saxes';
import { ParseError, type InputLocation } from '../../src/errors.ts';
import type { Product, ReportItem } from '../../src/records.ts';
import { HostResolver, type HostLimits } from './host-resolver.ts';
import { RawCapture } from './raw-capture.ts';
import { speedUpTagScan } from './saxes-tag-scan.ts';
import { speedUpTextScan } from './saxes-text-scan.ts';
import { ReportBuilder } from './report-builder.ts';
import { oneByteCuts } from './one-byte-runs.ts';
import { InvalidUtf8Error, Utf8Decoder } from './utf8-decoder.ts';
import { doctypeFailure, notXmlFailure, xmlFailure } from './xml-failures.ts';

export interface ParseReportOptions {
  /** File path or URL, used in error messages and record origins. */
  readonly source: string;
  /**
   * The site hostname for every session key (the guide's `host_name`). Without it the host is read
   * from each session's download URLs; see host-resolver.ts for the exact rule.
   */
  readonly host?: string;
  /**
   * The host of the last session before this document (replay passes the previous file's): a
   * session without download URLs takes it as it would a preceding session's in the same file.
   */
  readonly precedingHost?: string;
  /** The product, when the caller knows it. Otherwise `pra` is inferred from the `sra` namespace, else `null`. */
  readonly product?: Product;
  /**
   * Keep each session's XML as sent (declaration, list root with namespaces, session element) in
   * `bundle.rawXml`, for the file sink. Default `false`; costs nothing when off.
   */
  readonly captureRawXml?: boolean;
  /** How long sessions may wait for a host (rule 3 of host-resolver.ts). */
  readonly hostLimits?: HostLimits;
}

const UTF8_NAMES = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii']);

export class ReportStreamParser {
  readonly #source: string;
  readonly #parser: SaxesParser<{ xmlns: false }>;
  readonly #builder: ReportBuilder;
  readonly #resolver: HostResolver;
  readonly #capture: RawCapture | undefined;
  readonly #decoder = new Utf8Decoder();
  #started = false;
  #sawRoot = false;
  #bytesInput = false;
  #ending = false;
  #failure: ParseError | undefined;

  constructor(options: ParseReportOptions) {
    this.#source = options.source;
    // Namespaces are matched by local name (prefixes stripped by the builder): saxes' own namespace
    // processing costs about 15% and buys nothing here.
    const parser = new SaxesParser({ xmlns: false, position: true });
    speedUpTextScan(parser);
    speedUpTagScan(parser);
    this.#parser = parser;
    this.#resolver = new HostResolver(options.source, options.host, options.hostLimits, options.precedingHost);
    this.#capture = options.captureRawXml === true ? new RawCapture() : undefined;
    const builder = new ReportBuilder(parser, options.source, options.product ?? null, this.#resolver, this.#capture);
    this.#builder = builder;
    parser.on('opentag', (tag) => {
      this.#sawRoot = true;
      builder.onOpen(tag);
    });
    parser.on('closetag', (tag) => builder.onClose(tag));

    parser.on('text', (text) => builder.onText(text));
    parser.on('cdata', (text) => builder.onText(text));
    parser.on('doctype', (doctype) => {
      const failure = doctypeFailure(doctype, this.#location());
      if (failure) throw failure;
    });
    parser.on('xmldecl', (decl) => {
      const encoding = decl.encoding?.toLowerCase();
      if (this.#bytesInput && encoding !== undefined && !UTF8_NAMES.has(encoding)) {
        throw new ParseError(`the document declares encoding="${decl.encoding}"; sra-etl reads UTF-8 reports (as appliances send them): convert the file to UTF-8`, this.#location(), 'xml_malformed');
      }
    });
    // saxes would carry on after an error; the first one ends the document.
    parser.on('error', (error) => {
      throw this.#xmlFailure(error.message);
    });
  }

  /** Feeds one chunk. Throws a ParseError when the document is damaged here; call `take()` either way. */
  write(chunk: Uint8Array | string): void {
    if (this.#failure) throw this.#failure;
    if (typeof chunk === 'string') {
      this.#feed(chunk);
      return;
    }
    if (!this.#started) this.#checkByteOrderMark(chunk);
    this.#bytesInput = true;
    // Pieces decoded apart keep ASCII and Latin-1 text one byte per character (one-byte-runs.ts).
    let from = 0;
    for (const cut of oneByteCuts(chunk)) {
      this.#decodeAndFeed(chunk.subarray(from, cut));
      from = cut;
    }
    this.#decodeAndFeed(from === 0 ? chunk : chunk.subarray(from));
  }

  #decodeAndFeed(bytes: Uint8Array): void {
    let text: string;
    try {
      text = this.#decoder.decode(bytes);
    } catch (error) {
      if (!(error instanceof InvalidUtf8Error)) throw error;
      this.#feed(error.validText);
      throw this.#fail(new ParseError(
        `${error.message}: the file is not UTF-8 text${this.#sawRoot ? '' : ' (is it binary, or in another encoding?)'}`,
        this.#location(),
        this.#sawRoot ? 'xml_malformed' : 'not_xml',
      ));
    }
    this.#feed(text);
  }

  /** End of input: runs the end-of-document checks (truncation, hosts still unknown). */
  end(): void {
    if (this.#failure) throw this.#failure;
    let rest: string;
    try {
      rest = this.#decoder.end();
    } catch {
      throw this.#fail(new ParseError('the file ends inside a multi-byte UTF-8 character: it is truncated', this.#location(), 'xml_truncated'));
    }
    this.#feed(rest);
    this.#ending = true;
    try {
      this.#parser.close();
    } catch (error) {
      throw this.#fail(error instanceof ParseError ? error : this.#xmlFailure(String(error)));
    }
    try {
      this.#resolver.finish();
    } catch (error) {
      throw this.#fail(error as ParseError);
    }
  }

  /** Items completed so far, in document order (each returned once). */
  take(): ReportItem[] {
    const ready = this.#resolver.ready;
    if (ready.length === 0) return ready;
    this.#resolver.ready = [];
    return ready;
  }

  #feed(text: string): void {
    if (text.length === 0) return;
    if (!this.#started) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // UTF-8 byte order mark
      const first = text.search(/\S/);
      if (first === -1) {
        this.#write(text);
        return;
      }
      this.#started = true;
      if (text[first] !== '<') {
        this.#write(text.slice(0, first));
        throw this.#fail(notXmlFailure(text.slice(first), this.#location(1)));
      }
    }
    this.#write(text);
  }

  #write(text: string): void {
    this.#capture?.append(text);
    try {
      this.#parser.write(text);
    } catch (error) {
      if (error instanceof ParseError) throw this.#fail(error);
      throw error;
    }
  }

  #checkByteOrderMark(chunk: Uint8Array): void {
    const [a, b] = chunk;
    if ((a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff)) {
      throw this.#fail(new ParseError('the file is UTF-16 text; sra-etl reads UTF-8 reports (as appliances send them): convert it, e.g. iconv -f UTF-16 -t UTF-8', { source: this.#source, line: 1, column: 1 }, 'not_xml'));
    }
  }

  #xmlFailure(message: string): ParseError {
    const failure = xmlFailure(message, {
      location: this.#location(),
      atEnd: this.#ending,
      sawRoot: this.#sawRoot,
      open: this.#builder.openElements(),
      lastClosed: this.#builder.lastClosedName,
    });
    // A session closed by a wrong end tag (`<session>…</other>`) was handed out a moment ago: it is damaged.
    if (!this.#ending && this.#builder.lastSessionEnd === this.#parser.position && failure.reason.startsWith('mismatched end tag')) {
      this.#resolver.dropLastSession();
    }
    return this.#fail(failure);
  }

  #fail(error: ParseError): ParseError {
    this.#failure ??= error;
    return this.#failure;
  }

  /** saxes' `column` is 0-based for the next character, i.e. 1-based for the one just read. */
  #location(extraColumns = 0): InputLocation {
    return { source: this.#source, line: this.#parser.line, column: Math.max(1, this.#parser.column + extraColumns) };
  }
}
