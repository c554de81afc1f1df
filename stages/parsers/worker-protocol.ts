/**
 * Messages between parse-in-worker.ts (the caller's thread) and parser-worker.ts (the parser's).
 * ReportItems cross the thread boundary by structured clone, which keeps plain data (and the key
 * object a bundle's records share) but not classes: ParseErrors travel as their parts and are
 * rebuilt on arrival, so callers see exactly what the in-thread parser gives.
 */
import { ParseError, type InputLocation } from '../../src/errors.ts';
import type { Origin, ReportItem } from '../../src/records.ts';
import type { ParseReportOptions } from './report-stream-parser.ts';

type ParseErrorCode = NonNullable<ConstructorParameters<typeof ParseError>[2]>;

/** A ParseError as data. */
export interface WireError {
  readonly reason: string;
  readonly location: InputLocation;
  readonly code: ParseErrorCode;
}

export type WireItem = Exclude<ReportItem, { type: 'rejected' }> | { readonly type: 'rejected'; readonly error: WireError; readonly origin: Origin };

/** Caller -> worker. */
export type ToWorker =
  | { readonly type: 'chunk'; readonly chunk: Uint8Array | string }
  /** End of input: run the end-of-document checks. */
  | { readonly type: 'end' }
  /** The input failed: report what was parsed so far, skip the end-of-document checks. */
  | { readonly type: 'stop' }
  /** The caller consumed one `items` message. */
  | { readonly type: 'ack' };

/** Worker -> caller. */
export type FromWorker =
  | { readonly type: 'items'; readonly items: readonly WireItem[] }
  /** Ready for another chunk. */
  | { readonly type: 'pull' }
  | { readonly type: 'done' }
  /** The document is damaged (after the items before the damage) or the parser crashed. */
  | { readonly type: 'failed'; readonly error: WireError | { readonly message: string; readonly stack?: string } };

/** What the worker is started with: the parser options, minus nothing (all are plain data). */
export interface WorkerStart {
  readonly options: ParseReportOptions;
  /** `items` messages the caller may hold unconsumed before the worker stops reading. */
  readonly maxBatchesAhead: number;
  /** Chunks the caller may send ahead of the parser. */
  readonly maxChunksAhead: number;
}

export function toWireError(error: ParseError): WireError {
  return { reason: error.reason, location: error.location, code: error.code as ParseErrorCode };
}

export function fromWireError(error: WireError): ParseError {
  return new ParseError(error.reason, error.location, error.code);
}

export function toWire(item: ReportItem): WireItem {
  return item.type === 'rejected' ? { type: 'rejected', error: toWireError(item.error), origin: item.origin } : item;
}

export function fromWire(item: WireItem): ReportItem {
  return item.type === 'rejected' ? { type: 'rejected', error: fromWireError(item.error), origin: item.origin } : item;
}
