/**
 * The real SDK in the test's own process, started through startTelemetry like the CLI does, with an
 * in-memory span exporter and a metric reader collected on demand. One per test file (vitest runs
 * each file in its own process).
 */
import { MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { startTelemetry, shutdownTelemetry, type TelemetryHandle } from '../../src/telemetry/sdk.ts';

class CollectingReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

export interface InMemoryTelemetry {
  readonly handle: TelemetryHandle;
  /** Finished spans, after a flush (exports wait for the resource's asynchronous host.id). */
  spans(): Promise<ReadableSpan[]>;
  /** The metrics collected now. */
  metrics(): Promise<MetricData[]>;
  /** Forget the spans finished so far. */
  reset(): void;
  shutdown(): Promise<void>;
}

export async function startInMemoryTelemetry(): Promise<InMemoryTelemetry> {
  const exporter = new InMemorySpanExporter();
  const reader = new CollectingReader();
  const handle = await startTelemetry({ config: { enabled: true }, spanProcessors: [new SimpleSpanProcessor({ exporter })], metricReaders: [reader] });
  return {
    handle,
    async spans() {
      await handle.flush();
      return exporter.getFinishedSpans();
    },
    async metrics() {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
    },
    reset: () => exporter.reset(),
    shutdown: () => shutdownTelemetry(),
  };
}

/** The direct children of `parent` among `spans`. */
export function childrenOf(spans: readonly ReadableSpan[], parent: ReadableSpan): ReadableSpan[] {
  return spans.filter((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId);
}
