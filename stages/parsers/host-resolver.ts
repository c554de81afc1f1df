/**
 * Decides the site host of each session key (the guide's `host_name`), which the report itself
 * does not carry. The rule:
 *
 * 1. `host` given (`--host`, or the appliance a pull talks to): every item gets it.
 * 2. Otherwise a session takes the host of its own download URLs (chat, recording, command shell,
 *    Show My Screen): they point at the site it ran on.
 * 3. A session without URLs (in progress, or no chat) takes the host of the nearest session before
 *    it in the same document that had one (or, given `precedingHost`, before the document: replay
 *    passes the previous file's); failing that, of the next one that has one. Items wait
 *    for that (in document order) at most {@link HostLimits}; listing rows never carry URLs, so a
 *    listing needs rule 1.
 * 4. When no host can be found (the document ends, or the wait limit is reached) parsing stops with
 *    a `host_unknown` ParseError at the first waiting item, telling the user to pass `--host`.
 *
 * Hosts are compared and stored in lower case (DNS names are case-insensitive), so the same site
 * always gives the same key.
 */
import { ParseError } from '../../src/errors.ts';
import type { ReportItem } from '../../src/records.ts';
import type { ItemSink } from './report-builder.ts';
import type { MutableKey } from './record-drafts.ts';

export interface HostLimits {
  /** Items that may wait for a host. Default 10,000. */
  readonly maxItems: number;
  /** Session XML bytes that may wait for a host. Default 16 MB. */
  readonly maxBytes: number;
}

export const DEFAULT_HOST_LIMITS: HostLimits = { maxItems: 10_000, maxBytes: 16_000_000 };

interface Waiting {
  readonly item: ReportItem;
  readonly column: number;
}

/** `Support.Example.com` and `https://support.example.com/` -> `support.example.com`. */
export function normaliseHost(host: string): string {
  const text = host.trim();
  if (text.includes('://')) {
    try {
      return new URL(text).hostname.toLowerCase();
    } catch {
      // not a URL after all: keep the text
    }
  }
  return text.replace(/\/+$/, '').toLowerCase();
}

export class HostResolver implements ItemSink {
  /** Items whose host is settled, in document order; the parser drains it after every chunk. */
  ready: ReportItem[] = [];
  readonly #fixed: string | null;
  readonly #source: string;
  readonly #limits: HostLimits;
  #known: string | null = null;
  #waiting: Waiting[] = [];
  #waitingBytes = 0;

  /** `precedingHost`: the host of the session before this document, if the caller knows one. */
  constructor(source: string, host: string | undefined, limits: HostLimits = DEFAULT_HOST_LIMITS, precedingHost?: string) {
    this.#source = source;
    this.#fixed = host === undefined || host.trim() === '' ? null : normaliseHost(host);
    this.#limits = limits;
    if (precedingHost !== undefined && precedingHost.trim() !== '') this.#known = normaliseHost(precedingHost);
  }

  accept(item: ReportItem, urlHost: string | null, column = 0): void {
    if (this.#fixed !== null) {
      setHost(item, this.#fixed);
      this.ready.push(item);
      return;
    }
    if (urlHost !== null) {
      this.#known = urlHost.toLowerCase();
      if (this.#waiting.length > 0) this.#release(this.#known);
    }
    const needsHost = item.type === 'session' || item.type === 'summary';
    if (needsHost && this.#known !== null) setHost(item, this.#known);
    if (this.#waiting.length === 0 && (!needsHost || this.#known !== null)) {
      this.ready.push(item);
      return;
    }
    this.#waiting.push({ item, column });
    if (item.type === 'session') this.#waitingBytes += item.bundle.xmlBytes;
    if (this.#waiting.length > this.#limits.maxItems || this.#waitingBytes > this.#limits.maxBytes) {
      throw this.#unknownHost(`nor does any of the ${this.#waiting.length - 1} items after it`);
    }
  }

  /** Takes back the last session handed in (it turned out to be closed by a wrong end tag). */
  dropLastSession(): void {
    const queue = this.#waiting.length > 0 ? this.#waiting.map((waiting) => waiting.item) : this.ready;
    if (queue.at(-1)?.type !== 'session') return;
    if (this.#waiting.length > 0) this.#waiting.pop();
    else this.ready.pop();
  }

  /** End of document: anything still waiting for a host is an error. */
  finish(): void {
    if (this.#waiting.length > 0) throw this.#unknownHost('nor does anything after it in this file');
  }

  #release(host: string): void {
    for (const { item } of this.#waiting) {
      setHost(item, host);
      this.ready.push(item);
    }
    this.#waiting = [];
    this.#waitingBytes = 0;
  }

  #unknownHost(rest: string): ParseError {
    const first = this.#waiting.find((waiting) => waiting.item.type === 'session' || waiting.item.type === 'summary') as Waiting;
    const item = first.item;
    const what = item.type === 'summary'
      ? `listing row ${item.summary.key.lsid}: a listing names no site host`
      : item.type === 'session' ? `session ${item.bundle.session.key.lsid} has no download URL to read the site host from, ${rest}` : 'item';
    const line = item.type === 'summary' ? item.origin.line : item.type === 'session' ? item.bundle.origin.line : undefined;
    return new ParseError(
      `${what}; pass --host <site hostname> (the appliance's address, e.g. --host support.example.com)`,
      { source: this.#source, ...(line === undefined ? {} : { line }), ...(first.column > 0 ? { column: first.column } : {}) },
      'host_unknown',
    );
  }
}

/** Every record of a bundle shares one key object, so one assignment sets the host for all. */
function setHost(item: ReportItem, host: string): void {
  if (item.type === 'session') (item.bundle.session.key as MutableKey).host = host;
  else if (item.type === 'summary') (item.summary.key as MutableKey).host = host;
}
