/**
 * Tracing for library code, on `@opentelemetry/api` only. Until the CLI starts the SDK (see sdk.ts)
 * every call here is the API's no-op: no span is recorded, no context is stored, nothing is exported.
 *
 *     await withSpan(SPAN.batchWrite, { [ATTR.sinkType]: 'sqlite' }, async (span) => {
 *       const result = await writeRows(batch);
 *       span.setAttributes(rowsAttributes(result.rowsByTable));
 *     });
 *
 * A span that ends in an exception gets `recordException`, status ERROR and `error.type` from a
 * bounded set (the EtlError code, else `aborted` or `internal`), and the failure is counted once, in
 * the innermost span it passed through (metric `etl.failures`).
 */
import { SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { EtlError, type EtlErrorCode } from '../errors.ts';
import { ATTR, EVENT, INSTRUMENTATION_SCOPE, SEMCONV } from './attributes.ts';
import { countFailure } from './metrics.ts';
import packageJson from '../../package.json' with { type: 'json' };

export type { Attributes, Span } from '@opentelemetry/api';
export { SpanKind } from '@opentelemetry/api';

// The API's ProxyTracer forwards to whatever provider is registered when a span starts, so one
// tracer obtained at import time keeps working after the SDK starts later.
const tracer: Tracer = trace.getTracer(INSTRUMENTATION_SCOPE, packageJson.version);

/** The tracer every sra-etl span comes from (scope `sra-etl`). */
export function etlTracer(): Tracer {
  return tracer;
}

/**
 * The bounded `error.type` of anything thrown: the EtlError code (src/errors.ts), `aborted` for an
 * AbortError (a cancelled run), else `internal`. Never a message: those are unbounded.
 */
export function errorTypeOf(error: unknown): EtlErrorCode {
  if (error instanceof EtlError) return error.code;
  if (error instanceof Error && (error.name === 'AbortError' || (error as { code?: unknown }).code === 'ABORT_ERR')) return 'aborted';
  return 'internal';
}

// Errors already counted by an inner span: the same failure bubbling up through the run, transfer
// and window spans is recorded on each of them but counted once.
const counted = new WeakSet<object>();

/**
 * Marks a span failed: the exception as an event, status ERROR with the message, `error.type`.
 * Counts the failure (metric `etl.failures`, by type and operation) unless an inner span did.
 * `operation` defaults to nothing: give the span's name.
 */
export function recordFailure(span: Span, error: unknown, operation?: string): EtlErrorCode {
  const type = errorTypeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (span.isRecording()) {
    span.recordException(error instanceof Error ? error : message);
    span.setStatus({ code: SpanStatusCode.ERROR, message });
    span.setAttribute(SEMCONV.errorType, type);
  }
  if (typeof error !== 'object' || error === null || !counted.has(error)) {
    if (typeof error === 'object' && error !== null) counted.add(error);
    countFailure(type, operation ?? 'unknown');
  }
  return type;
}

export interface WithSpanOptions {
  /** Default INTERNAL; HTTP calls are CLIENT. */
  readonly kind?: SpanKind;
}

/**
 * Runs `fn` inside a new active span (a child of the active one) and ends it when `fn` settles.
 * A rejection is recorded (see recordFailure) and rethrown unchanged.
 */
export async function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T> | T, options: WithSpanOptions = {}): Promise<T> {
  return tracer.startActiveSpan(name, { attributes, kind: options.kind ?? SpanKind.INTERNAL }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      recordFailure(span, error, name);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The active span, or undefined outside any span or with tracing off. */
export function activeSpan(): Span | undefined {
  const span = trace.getActiveSpan();
  return span?.isRecording() === true ? span : undefined;
}

export interface RetryEvent {
  /** 1 for the first retry. */
  readonly attempt: number;
  /** The wait before the retry, ms. */
  readonly delayMs: number;
  /** Short reason: `HTTP 503`, `ECONNRESET`, `body cut short`. No secrets, bounded length. */
  readonly reason: string;
  /** The error being retried, for its bounded type. */
  readonly error?: unknown;
  /** Or the bounded type itself, when the caller has classified the error already. */
  readonly errorType?: string;
  /** HTTP status that caused the retry. */
  readonly status?: number;
}

/** Adds an `etl.retry` event to the span (default: the active one). */
export function addRetryEvent(event: RetryEvent, span: Span | undefined = activeSpan()): void {
  if (span === undefined || !span.isRecording()) return;
  const attributes: Attributes = {
    [ATTR.retryAttempt]: event.attempt,
    [ATTR.retryDelayMs]: Math.round(event.delayMs),
    [ATTR.retryReason]: event.reason.slice(0, 200),
  };
  if (event.errorType !== undefined) attributes[SEMCONV.errorType] = event.errorType;
  else if (event.error !== undefined) attributes[SEMCONV.errorType] = errorTypeOf(event.error);
  if (event.status !== undefined) attributes[SEMCONV.httpResponseStatusCode] = event.status;
  span.addEvent(EVENT.retry, attributes);
}

/** Adds an `etl.rate_limit.wait` event: `client` pacing held a call back, or the `server` asked to wait (429). */
export function addRateLimitWaitEvent(source: 'client' | 'server', waitMs: number, span: Span | undefined = activeSpan()): void {
  if (span === undefined || !span.isRecording()) return;
  span.addEvent(EVENT.rateLimitWait, { [ATTR.rateLimitSource]: source, [ATTR.waitMs]: Math.round(waitMs) });
}

/** Rows written per table as span attributes: `etl.rows.total` and `etl.rows.table.<name>`. */
export function rowsAttributes(rowsByTable: Readonly<Record<string, number>> | ReadonlyMap<string, number>): Attributes {
  const entries = rowsByTable instanceof Map ? [...rowsByTable.entries()] : Object.entries(rowsByTable);
  const attributes: Attributes = {};
  let total = 0;
  for (const [table, rows] of entries) {
    attributes[`${ATTR.rowsTablePrefix}${table}`] = rows;
    total += rows;
  }
  attributes[ATTR.rowsTotal] = total;
  return attributes;
}

const rowsBySpan = new WeakMap<Span, Map<string, number>>();

/**
 * Adds rows written per table to a span's `etl.rows.*` attributes (default: the active span, i.e.
 * the batch being written). Sums over calls, so a batch written in parts (bisected around a bad
 * session) reports all its rows.
 */
export function noteRowsWritten(rowsByTable: Readonly<Record<string, number>>, span: Span | undefined = activeSpan()): void {
  if (span === undefined || !span.isRecording()) return;
  let totals = rowsBySpan.get(span);
  if (totals === undefined) {
    totals = new Map();
    rowsBySpan.set(span, totals);
  }
  for (const [table, rows] of Object.entries(rowsByTable)) totals.set(table, (totals.get(table) ?? 0) + rows);
  span.setAttributes(rowsAttributes(totals));
}
