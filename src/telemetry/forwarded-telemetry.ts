/**
 * Telemetry from worker threads, main-thread side. A worker's isolate has its own (no-op)
 * OpenTelemetry globals, so spans and metrics recorded there would be lost: a partitioned load
 * (src/pipeline/partitioned-load.ts) writes every batch in a worker. The worker records them with
 * forwarding providers instead (worker-telemetry.ts) and posts each finished span and each
 * measurement here, where they are recorded again on this thread's SDK: spans as children of the
 * span that started the workers (`etl.parse`), with the worker's times, attributes, events and
 * status; measurements on the same instruments a one-thread load uses.
 */
import { context, SpanStatusCode, trace, type Attributes, type Context, type HrTime, type SpanKind } from '@opentelemetry/api';
import { recordForwardedMeasurement } from './metrics.ts';
import { telemetryRunning } from './sdk.ts';
import { etlTracer } from './tracing.ts';

/** What a worker is started with when telemetry is on. */
export interface WorkerTelemetryLink {
  /** The span the worker's spans belong under, so the worker samples as it does (none: record no spans). */
  readonly parent?: { readonly traceId: string; readonly spanId: string; readonly traceFlags: number };
}

/** One finished span or one measurement, as a worker posts it (structured-clonable). */
export type ForwardedTelemetry =
  | {
    readonly kind: 'span';
    readonly name: string;
    readonly spanKind: SpanKind;
    readonly startTime: HrTime;
    readonly endTime: HrTime;
    readonly attributes: Attributes;
    readonly events: readonly { readonly name: string; readonly time: HrTime; readonly attributes?: Attributes }[];
    readonly status: { readonly code: SpanStatusCode; readonly message?: string };
  }
  | { readonly kind: 'measurement'; readonly instrument: string; readonly value: number; readonly attributes: Attributes };

/** The link to start workers with, or undefined when telemetry is off (workers then install nothing). */
export function workerTelemetryLink(): WorkerTelemetryLink | undefined {
  if (!telemetryRunning()) return undefined;
  const parent = trace.getSpanContext(context.active());
  if (parent === undefined || !trace.isSpanContextValid(parent)) return {};
  return { parent: { traceId: parent.traceId, spanId: parent.spanId, traceFlags: parent.traceFlags } };
}

/** Records what a worker posted on this thread; `parent` is the context the workers were started in. */
export function recordForwarded(item: ForwardedTelemetry, parent: Context): void {
  if (item.kind === 'measurement') {
    recordForwardedMeasurement(item.instrument, item.value, item.attributes);
    return;
  }
  const span = etlTracer().startSpan(item.name, { kind: item.spanKind, startTime: item.startTime, attributes: item.attributes }, parent);
  for (const event of item.events) span.addEvent(event.name, event.attributes, event.time);
  if (item.status.code !== SpanStatusCode.UNSET) span.setStatus(item.status);
  span.end(item.endTime);
}
