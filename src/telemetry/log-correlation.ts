/**
 * Log lines that carry the trace: a pino `mixin` adding the active span's ids, so a log line found in
 * a file leads to its trace in Jaeger or Tempo and back. Field names follow the OpenTelemetry log data
 * model as pino instrumentations write them (`trace_id`, `span_id`, `trace_flags`).
 *
 *     pino({ mixin: traceLogMixin }, destination)
 *
 * With tracing off there is no active span and the mixin adds nothing.
 */
import { isSpanContextValid, trace } from '@opentelemetry/api';

export interface TraceLogFields {
  readonly trace_id?: string;
  readonly span_id?: string;
  /** `01` when the trace is sampled. */
  readonly trace_flags?: string;
}

/**
 * The active span's ids as log fields, or an empty object outside a recorded span. Always a new
 * object: pino's default merge strategy assigns the line's fields into it.
 */
export function traceLogMixin(): TraceLogFields {
  const span = trace.getActiveSpan();
  if (span === undefined) return {};
  const context = span.spanContext();
  if (!isSpanContextValid(context)) return {};
  return { trace_id: context.traceId, span_id: context.spanId, trace_flags: context.traceFlags.toString(16).padStart(2, '0') };
}
