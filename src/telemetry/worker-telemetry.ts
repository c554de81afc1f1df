/**
 * Telemetry inside a worker thread, worker side (see forwarded-telemetry.ts for why and for the main
 * thread's side). Installs, in this isolate only, a context manager (so library code's active span
 * works across awaits, as on the main thread), a tracer provider whose finished spans are posted
 * instead of exported, and a meter provider whose counters and histograms post each measurement.
 * Library code keeps calling `@opentelemetry/api` and does not know it runs in a worker.
 *
 * Spans are sampled as their parent on the main thread was; with no parent none are recorded.
 * Observable instruments (the watermark lag gauge) stay no-ops here: the main thread owns them.
 */
import { context, createNoopMeter, metrics, ROOT_CONTEXT, trace, type Attributes, type Context, type Meter } from '@opentelemetry/api';
import type { ForwardedTelemetry, WorkerTelemetryLink } from './forwarded-telemetry.ts';

/** Installs the forwarding providers; returns the context to run the worker's work in (its parent span). */
export async function forwardWorkerTelemetry(link: WorkerTelemetryLink, send: (item: ForwardedTelemetry) => void): Promise<Context> {
  const [{ AsyncLocalStorageContextManager }, { TracerProvider, ParentBasedSampler, AlwaysOffSampler }] = await Promise.all([
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/sdk-trace'),
  ]);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new TracerProvider({
    sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }),
    spanProcessors: [{
      onStart: () => undefined,
      onEnd: (span) => send({
        kind: 'span',
        name: span.name,
        spanKind: span.kind,
        startTime: span.startTime,
        endTime: span.endTime,
        attributes: { ...span.attributes },
        events: span.events.map((event) => ({ name: event.name, time: event.time, ...(event.attributes === undefined ? {} : { attributes: { ...event.attributes } }) })),
        status: span.status.message === undefined ? { code: span.status.code } : { code: span.status.code, message: span.status.message },
      }),
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    }],
  }));
  metrics.setGlobalMeterProvider({ getMeter: () => forwardingMeter(send) });
  const parent = link.parent;
  return parent === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, { ...parent, isRemote: true });
}

function forwardingMeter(send: (item: ForwardedTelemetry) => void): Meter {
  const noop = createNoopMeter();
  const measure = (instrument: string) => (value: number, attributes: Attributes = {}) => send({ kind: 'measurement', instrument, value, attributes: { ...attributes } });
  return {
    createCounter: (name) => ({ add: measure(name) }),
    createUpDownCounter: (name) => ({ add: measure(name) }),
    createHistogram: (name) => ({ record: measure(name) }),
    createGauge: (name, options) => noop.createGauge(name, options),
    createObservableGauge: (name, options) => noop.createObservableGauge(name, options),
    createObservableCounter: (name, options) => noop.createObservableCounter(name, options),
    createObservableUpDownCounter: (name, options) => noop.createObservableUpDownCounter(name, options),
    addBatchObservableCallback: (callback, observables) => noop.addBatchObservableCallback(callback, observables),
    removeBatchObservableCallback: (callback, observables) => noop.removeBatchObservableCallback(callback, observables),
  };
}
