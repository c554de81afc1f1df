/**
 * The root span of a run (`etl.run`) for code whose run does not end in one exception: a scheduled
 * run records failed transfers and carries on, so its outcome is known only at the end. Transfers
 * started inside `within()` become its children; `end()` sets the status and records the run's
 * duration (metric `etl.run.duration`).
 *
 *     const run = startRunTrace({ [ATTR.schedule]: 'Sessions', [ATTR.runId]: 12 });
 *     const outcomes = await run.within(() => Promise.all(transfers.map(runTransfer)));
 *     run.end(failed ? { result: 'failed', reason, errorType } : { result: 'succeeded' });
 */
import { context, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { ATTR, SEMCONV, SPAN } from './attributes.ts';
import { recordRunDuration } from './metrics.ts';
import { etlTracer, recordFailure } from './tracing.ts';

export interface RunEnd {
  readonly result: 'succeeded' | 'failed' | 'cancelled';
  /** Why it failed or was cancelled (no secrets). */
  readonly reason?: string;
  /** The bounded error type of the (first) failure; `aborted` for a cancelled run. */
  readonly errorType?: string;
  /** The exception itself, when one ended the run. */
  readonly error?: unknown;
}

export interface RunTrace {
  /** Runs `fn` with the run span active, so spans started inside are its children. */
  within<T>(fn: () => Promise<T>): Promise<T>;
  /** Ends the span (once; later calls do nothing) and records the run duration. */
  end(outcome: RunEnd): void;
}

export function startRunTrace(attributes: Attributes): RunTrace {
  // A run is a root: a scheduled run must not become a child of whatever span happens to be active.
  const span = etlTracer().startSpan(SPAN.run, { attributes, kind: SpanKind.INTERNAL, root: true });
  const started = performance.now();
  const active = trace.setSpan(context.active(), span);
  let ended = false;
  return {
    within: (fn) => context.with(active, fn),
    end(outcome) {
      if (ended) return;
      ended = true;
      span.setAttribute(ATTR.result, outcome.result);
      const metricAttributes: Attributes = { [ATTR.result]: outcome.result };
      for (const key of [ATTR.command, ATTR.schedule, ATTR.trigger]) {
        const value = attributes[key];
        if (value !== undefined) metricAttributes[key] = value;
      }
      if (outcome.error !== undefined) {
        metricAttributes[SEMCONV.errorType] = recordFailure(span, outcome.error, SPAN.run);
      } else if (outcome.result !== 'succeeded') {
        const type = outcome.errorType ?? (outcome.result === 'cancelled' ? 'aborted' : 'internal');
        span.setStatus({ code: SpanStatusCode.ERROR, ...(outcome.reason === undefined ? {} : { message: outcome.reason }) });
        span.setAttribute(SEMCONV.errorType, type);
        metricAttributes[SEMCONV.errorType] = type;
      }
      span.end();
      recordRunDuration((performance.now() - started) / 1000, metricAttributes);
    },
  };
}

/**
 * Runs a one-shot command (`pull`, `replay`) as one run: `etl.run` around `fn`, succeeded when it
 * resolves, failed when it throws (cancelled when `signal` had aborted), with the run duration.
 */
export async function traceRun<T>(attributes: Attributes, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const run = startRunTrace(attributes);
  try {
    const result = await run.within(fn);
    run.end({ result: 'succeeded' });
    return result;
  } catch (error) {
    if (signal?.aborted === true) run.end({ result: 'cancelled', errorType: 'aborted', reason: error instanceof Error ? error.message : String(error) });
    else run.end({ result: 'failed', error });
    throw error;
  }
}
