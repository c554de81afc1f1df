/**
 * Cuts a session report's bytes into its `<session>` elements without parsing the XML, so that
 * several parsers can each take a share of one report (partitioned-load.ts). It only finds element
 * boundaries: the document prolog up to and including the `<session_list …>` start tag, then each
 * top-level `<session …>…</session>` with its `lsid` attribute (the key sessions are routed by),
 * then the closing root tag.
 *
 * Anything it does not expect (another root, a DOCTYPE, a listing row or appliance error, text or
 * comments between sessions, a session without lsid, a report that ends early) throws
 * {@link NotSplittableError}; the caller then loads the report with one parser, which gives those
 * cases their exact messages. A `</session>` inside a CDATA section or a comment is skipped; the
 * only tags that can end a session early are in processing instructions, and then the parsers that
 * receive the pieces see broken XML and fail, which again falls back to one parser.
 */

export class NotSplittableError extends Error {
  override readonly name = 'NotSplittableError';
}

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const isSpace = (byte: number | undefined): boolean => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

const bytesOf = (text: string): Buffer => Buffer.from(text, 'latin1');
const BANG = bytesOf('<!');
const CDATA_OPEN = bytesOf('<![CDATA[');
const CDATA_CLOSE = bytesOf(']]>');
const COMMENT_OPEN = bytesOf('<!--');
const COMMENT_CLOSE = bytesOf('-->');
const PI_CLOSE = bytesOf('?>');
const BOM = bytesOf('\xef\xbb\xbf');
const ROOT_LOCAL_NAME = 'session_list';
/** The root start tag must appear within this many bytes; a report whose prolog is longer is not split. */
const MAX_PROLOG_BYTES = 1 << 20;
const LSID = /\slsid\s*=\s*(?:"([^"]*)"|'([^']*)')/;

/** Receives each session's bytes: a view into the splitter's buffer, valid only during the call. */
export type SessionHandler = (lsid: string, bytes: Buffer) => void;

export class SessionSplitter {
  readonly #onSession: SessionHandler;
  /** Holds the unfinished rest of the input; reused (grown when a session is bigger), so reading makes no garbage. */
  #storage: Buffer = Buffer.allocUnsafeSlow(1 << 20);
  /** The unfinished rest: a view of #storage. */
  #buffer: Buffer = this.#storage.subarray(0, 0);
  /** Bytes of the input before #buffer[0], for messages. */
  #consumed = 0;
  #phase: 'prolog' | 'sessions' | 'after' = 'prolog';
  #prolog: Buffer | undefined;
  #sessionOpen = bytesOf('<session');
  #sessionClose = bytesOf('</session>');
  #rootClose = bytesOf(`</${ROOT_LOCAL_NAME}`);
  #rootName = ROOT_LOCAL_NAME;
  /**
   * Where the search for the end of the unfinished session at the start of #buffer goes on, as an
   * offset from that session's start: a big session arriving in many chunks is scanned once, not
   * once per chunk.
   */
  #resumeFrom = 0;
  /** Set by #findSessionEnd when it runs out of bytes: the offset to go on from. */
  #stoppedAt = 0;

  constructor(onSession: SessionHandler) {
    this.#onSession = onSession;
  }

  /** The XML declaration and root start tag, once seen: every piece of the report is parsed after it. */
  get prolog(): Buffer | undefined {
    return this.#prolog;
  }

  /** The closing root tag that ends a document made of the prolog and some of the sessions. */
  get epilogue(): Buffer {
    return bytesOf(`</${this.#rootName}>`);
  }

  /** Feeds the next bytes of the report (copied: the caller may reuse `chunk`); calls the handler for every session they complete. */
  push(chunk: Uint8Array): void {
    const rest = this.#buffer.length;
    if (rest + chunk.byteLength > this.#storage.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(2 * this.#storage.length, rest + chunk.byteLength));
      this.#buffer.copy(grown);
      this.#storage = grown;
    } else if (this.#buffer.byteOffset !== this.#storage.byteOffset) {
      this.#buffer.copy(this.#storage);
    }
    this.#storage.set(chunk, rest);
    this.#buffer = this.#storage.subarray(0, rest + chunk.byteLength);
    let at = 0;
    if (this.#phase === 'prolog') {
      at = this.#readProlog();
      if (at < 0) {
        if (this.#buffer.length > MAX_PROLOG_BYTES) throw new NotSplittableError(`no <${ROOT_LOCAL_NAME}> root element in the first ${MAX_PROLOG_BYTES} bytes`);
        return;
      }
    }
    if (this.#phase === 'sessions') at = this.#readSessions(at);
    if (this.#phase === 'after') at = this.#readTrailer(at);
    this.#consumed += at;
    this.#buffer = this.#buffer.subarray(at);
  }

  /** The report ended: throws unless its root element was closed. */
  end(): void {
    if (this.#phase === 'after' && this.#buffer.every(isSpace)) return;
    if (this.#phase === 'after') throw this.#unexpected(0, `content after </${this.#rootName}>`);
    throw new NotSplittableError(`the report ends at byte ${this.#consumed + this.#buffer.length} before </${this.#rootName}>`);
  }

  /** Returns where the sessions start, or -1 when more bytes are needed. */
  #readProlog(): number {
    const buffer = this.#buffer;
    let at = buffer.subarray(0, 3).equals(BOM) ? 3 : 0;
    for (;;) {
      while (isSpace(buffer[at])) at++;
      if (at + 4 > buffer.length) return -1;
      if (buffer[at] !== LT) throw this.#unexpected(at, 'text before the root element');
      if (buffer[at + 1] === 0x3f) { // <?xml …?> or another processing instruction
        const close = buffer.indexOf(PI_CLOSE, at + 2);
        if (close < 0) return -1;
        at = close + PI_CLOSE.length;
        continue;
      }
      if (startsWith(buffer, COMMENT_OPEN, at)) {
        const close = buffer.indexOf(COMMENT_CLOSE, at + COMMENT_OPEN.length);
        if (close < 0) return -1;
        at = close + COMMENT_CLOSE.length;
        continue;
      }
      if (buffer[at + 1] === 0x21) throw this.#unexpected(at, 'a DOCTYPE');
      const tagEnd = findTagEnd(buffer, at + 1);
      if (tagEnd < 0) return -1;
      const name = /^<([^\s/>]+)/.exec(buffer.toString('latin1', at, Math.min(tagEnd + 1, at + 200)))?.[1] ?? '';
      const prefix = name.endsWith(`:${ROOT_LOCAL_NAME}`) ? name.slice(0, -ROOT_LOCAL_NAME.length) : name === ROOT_LOCAL_NAME ? '' : undefined;
      if (prefix === undefined) throw this.#unexpected(at, `the root element is <${name}>, not <${ROOT_LOCAL_NAME}>`);
      if (buffer[tagEnd - 1] === SLASH) throw this.#unexpected(at, 'the report holds no sessions');
      this.#rootName = name;
      this.#sessionOpen = bytesOf(`<${prefix}session`);
      this.#sessionClose = bytesOf(`</${prefix}session>`);
      this.#rootClose = bytesOf(`</${name}`);
      this.#prolog = Buffer.from(buffer.subarray(0, tagEnd + 1));
      this.#phase = 'sessions';
      return tagEnd + 1;
    }
  }

  /** Hands over every complete session from `at`; returns where the incomplete rest starts. */
  #readSessions(from: number): number {
    const buffer = this.#buffer;
    const open = this.#sessionOpen;
    let at = from;
    for (;;) {
      while (isSpace(buffer[at])) at++;
      // Enough bytes to tell a session from the root's end or anything else.
      if (at + Math.max(open.length, this.#rootClose.length) + 1 > buffer.length) return at;
      if (buffer[at] !== LT) throw this.#unexpected(at, 'text between sessions');
      if (startsWith(buffer, open, at) && (isSpace(buffer[at + open.length]) || buffer[at + open.length] === GT || buffer[at + open.length] === SLASH)) {
        const tagEnd = findTagEnd(buffer, at + open.length);
        if (tagEnd < 0) return at;
        const end = buffer[tagEnd - 1] === SLASH ? tagEnd + 1 : this.#findSessionEnd(Math.max(tagEnd + 1, at + this.#resumeFrom));
        if (end < 0) {
          this.#resumeFrom = this.#stoppedAt - at;
          return at;
        }
        this.#resumeFrom = 0;
        const match = LSID.exec(buffer.toString('utf8', at, tagEnd + 1));
        const lsid = match?.[1] ?? match?.[2];
        if (lsid === undefined || lsid.trim() === '') throw this.#unexpected(at, 'a session without an lsid attribute');
        this.#onSession(lsid, buffer.subarray(at, end));
        at = end;
        continue;
      }
      if (startsWith(buffer, this.#rootClose, at)) {
        const tagEnd = buffer.indexOf(GT, at);
        if (tagEnd < 0) return at;
        this.#phase = 'after';
        return tagEnd + 1;
      }
      throw this.#unexpected(at, `<${/^<([^\s/>]*)/.exec(buffer.toString('latin1', at, at + 100))?.[1] ?? ''}> among the sessions`);
    }
  }

  /** After the root: only white space, comments and processing instructions may follow (one parser reports anything else exactly). */
  #readTrailer(from: number): number {
    const buffer = this.#buffer;
    let at = from;
    for (;;) {
      while (isSpace(buffer[at])) at++;
      if (at + COMMENT_OPEN.length > buffer.length) return at;
      const closer = startsWith(buffer, COMMENT_OPEN, at) ? COMMENT_CLOSE : buffer[at] === LT && buffer[at + 1] === 0x3f ? PI_CLOSE : undefined;
      if (closer === undefined) throw this.#unexpected(at, `content after </${this.#rootName}>`);
      const close = buffer.indexOf(closer, at + 2);
      if (close < 0) return at;
      at = close + closer.length;
    }
  }

  /** The offset just past this session's closing tag, skipping CDATA sections and comments; -1 when not in the buffer yet. */
  #findSessionEnd(from: number): number {
    const buffer = this.#buffer;
    const close = this.#sessionClose;
    let at = from;
    for (;;) {
      const candidate = buffer.indexOf(close, at);
      if (candidate < 0) {
        // Next time, go on from the last place a closing tag or markup could start.
        const bang = buffer.indexOf(BANG, at);
        this.#stoppedAt = bang >= 0 ? bang : Math.max(at, buffer.length - close.length);
        return -1;
      }
      const bang = buffer.subarray(at, candidate).indexOf(BANG);
      if (bang < 0) return candidate + close.length;
      const markup = at + bang;
      const [opener, closer] = startsWith(buffer, CDATA_OPEN, markup) ? [CDATA_OPEN, CDATA_CLOSE] : startsWith(buffer, COMMENT_OPEN, markup) ? [COMMENT_OPEN, COMMENT_CLOSE] : [BANG, undefined];
      if (closer === undefined) {
        at = markup + opener.length;
        continue;
      }
      const closed = buffer.indexOf(closer, markup + opener.length);
      if (closed < 0) {
        this.#stoppedAt = markup;
        return -1;
      }
      at = closed + closer.length;
    }
  }

  #unexpected(at: number, what: string): NotSplittableError {
    return new NotSplittableError(`${what} at byte ${this.#consumed + at}`);
  }
}

function startsWith(buffer: Buffer, prefix: Buffer, at: number): boolean {
  if (at + prefix.length > buffer.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buffer[at + i] !== prefix[i]) return false;
  return true;
}

/** The offset of the `>` that ends the tag whose name starts before `from` (quoted attribute values may hold `>`); -1 when not in the buffer yet. */
function findTagEnd(buffer: Buffer, from: number): number {
  let quote = 0;
  for (let at = from; at < buffer.length; at++) {
    const byte = buffer[at];
    if (quote !== 0) {
      if (byte === quote) quote = 0;
    } else if (byte === QUOTE || byte === APOSTROPHE) {
      quote = byte;
    } else if (byte === GT) {
      return at;
    }
  }
  return -1;
}
