/**
 * Turns element text and attribute values into typed record fields. Nothing is ever dropped: a value
 * the typed field cannot hold (an integer that is not one, a time that does not parse, base64 that
 * is not) leaves the field `null` and is kept verbatim in the record's `extra`, under its path.
 */
import type { ExtraValue } from '../../src/records.ts';
import { readReportTime } from '../../src/time.ts';

const INTEGER = /^\s*-?\d+\s*$/;
const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

/**
 * A copy of `text` that does not share memory with the input chunk it was cut from. saxes hands
 * out slices of the decoded chunk; a record keeping one would keep the whole chunk (up to 512 KB)
 * alive for as long as the record lives. Strings under 13 characters are always copies in V8.
 */
export function detach(text: string): string {
  return text.length < 13 ? text : (' ' + text).slice(1);
}

/** Counts what was kept in `extra`, so the bundle can report `unknownElements`. */
export interface ExtraCounter {
  unknown: number;
}

export function keepExtra(extra: ExtraValue[], counter: ExtraCounter, path: string, value: string): void {
  extra.push({ path, value });
  counter.unknown++;
}

/** Integer text -> number; empty -> `null`; anything else -> `null` and kept in `extra`. */
export function readInteger(text: string | undefined, extra: ExtraValue[], counter: ExtraCounter, path: string): number | null {
  if (text === undefined) return null;
  if (INTEGER.test(text)) {
    const value = Number(text);
    if (Number.isSafeInteger(value)) return value;
  }
  if (text.trim() !== '') keepExtra(extra, counter, path, text);
  return null;
}

/** `1`/`true` -> true, `0`/`false` -> false, empty -> `null`; anything else -> `null` and kept in `extra`. */
export function readFlag(text: string | undefined, extra: ExtraValue[], counter: ExtraCounter, path: string): boolean | null {
  if (text === undefined) return null;
  switch (text.trim().toLowerCase()) {
    case '1':
    case 'true':
      return true;
    case '0':
    case 'false':
      return false;
    case '':
      return null;
    default:
      keepExtra(extra, counter, path, text);
      return null;
  }
}

/**
 * `@timestamp` (UNIX seconds or ISO) or ISO element text -> ISO UTC; empty -> `null` (in progress).
 * An unreadable `@timestamp` is kept in `extra` and the element text is tried instead.
 */
export function readTime(timestamp: string | undefined, text: string | null, extra: ExtraValue[], counter: ExtraCounter, path: string): string | null {
  const iso = readReportTime(timestamp, text);
  if (iso !== undefined) return iso;
  if (timestamp !== undefined && timestamp.trim() !== '') {
    keepExtra(extra, counter, `${path}@timestamp`, timestamp);
    const fromText = readReportTime(undefined, text);
    if (fromText !== undefined) return fromText;
    if (text === null || text.trim() === '') return null;
  }
  keepExtra(extra, counter, path, text ?? '');
  return null;
}

/** `encoded_body`: base64 of UTF-8 text. Text that is not base64 is kept in `extra` instead. */
export function readBase64(text: string, extra: ExtraValue[], counter: ExtraCounter, path: string): string | null {
  if (BASE64.test(text)) return Buffer.from(text, 'base64').toString('utf8');
  keepExtra(extra, counter, path, text);
  return null;
}
