/**
 * Helpers for parser tests: feed bytes in chosen chunk sizes, collect every item and the error that
 * ended the document, and count records per kind the way `replay --to jsonl:` would print them.
 */
import { flattenBundle, type RecordKind, type ReportItem, type SessionBundle } from '../../src/records.ts';
import { parseReport, type ParseReportOptions } from '../../stages/parsers/session-report-parser.ts';
import { Prng } from '../../fixtures/generator/prng.ts';

export interface Collected {
  readonly items: ReportItem[];
  readonly error: unknown;
}

/** Splits `bytes` into chunks: a fixed size, or random sizes in [1, max] from a seed. */
export function* chunked(bytes: Uint8Array, size: number | { readonly seed: number; readonly max: number }): Generator<Uint8Array> {
  const prng = typeof size === 'number' ? undefined : new Prng(size.seed, 'chunks');
  for (let at = 0; at < bytes.length;) {
    const length = prng ? prng.int(1, (size as { max: number }).max) : (size as number);
    yield bytes.subarray(at, at + length);
    at += length;
  }
}

export async function* asAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}

export async function collect(source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, options: ParseReportOptions): Promise<Collected> {
  const items: ReportItem[] = [];
  const input = Symbol.asyncIterator in source ? source : asAsync(source);
  try {
    for await (const item of parseReport(input, options)) items.push(item);
  } catch (error) {
    return { items, error };
  }
  return { items, error: undefined };
}

export type KindCounts = Partial<Record<RecordKind | 'rejected', number>>;

/** Records per kind, as JSON Lines would hold them, plus rejected sessions. */
export function countKinds(items: readonly ReportItem[]): KindCounts {
  const counts: KindCounts = {};
  const add = (kind: RecordKind | 'rejected') => {
    counts[kind] = (counts[kind] ?? 0) + 1;
  };
  for (const item of items) {
    if (item.type === 'session') for (const record of flattenBundle(item.bundle)) add(record.kind);
    else if (item.type === 'summary') add('session_summary');
    else if (item.type === 'error') add('report_error');
    else add('rejected');
  }
  return counts;
}

export function bundles(items: readonly ReportItem[]): SessionBundle[] {
  return items.flatMap((item) => (item.type === 'session' ? [item.bundle] : []));
}

/** A bundle without the fields that depend on where it was read from. */
export function comparable(bundle: SessionBundle): Omit<SessionBundle, 'origin' | 'xmlBytes' | 'rawXml'> {
  const { origin: _origin, xmlBytes: _xmlBytes, rawXml: _rawXml, ...rest } = bundle;
  return rest;
}
