/**
 * The telemetry library against a real SDK in this process (in-memory span exporter, a metric reader
 * collected on demand), started through startTelemetry like the CLI does.
 */
import { Writable } from 'node:stream';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { MetricReader, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, SinkWriteError, SourceError } from '../../../src/errors.ts';
import { ATTR, EVENT, SEMCONV, SPAN, STAGE } from '../../../src/telemetry/attributes.ts';
import { traceLogMixin } from '../../../src/telemetry/log-correlation.ts';
import { clearWatermarks, countBytes, countRecords, recordBatchDuration, reportWatermark, setLagClock } from '../../../src/telemetry/metrics.ts';
import { shutdownTelemetry, startTelemetry, type TelemetryHandle } from '../../../src/telemetry/sdk.ts';
import { activeSpan, addRateLimitWaitEvent, addRetryEvent, errorTypeOf, etlTracer, recordFailure, rowsAttributes, withSpan } from '../../../src/telemetry/tracing.ts';

class CollectingReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  async metrics(): Promise<MetricData[]> {
    const { resourceMetrics }: { resourceMetrics: ResourceMetrics } = await this.collect();
    return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
  }
}

const exporter = new InMemorySpanExporter();
const reader = new CollectingReader();
let handle: TelemetryHandle;

beforeAll(async () => {
  handle = await startTelemetry({ config: { enabled: true }, spanProcessors: [new SimpleSpanProcessor({ exporter })], metricReaders: [reader] });
});
afterAll(async () => {
  await shutdownTelemetry();
});
beforeEach(() => exporter.reset());

// Spans are exported once the resource's asynchronous attributes (host.id) are read: flush first.
async function spans(): Promise<ReadableSpan[]> {
  await handle.flush();
  return exporter.getFinishedSpans();
}
async function named(name: string): Promise<ReadableSpan> {
  const all = await spans();
  const span = all.find((s) => s.name === name);
  if (span === undefined) throw new Error(`no span ${name} among ${all.map((s) => s.name).join(', ')}`);
  return span;
}

async function metric(name: string): Promise<MetricData | undefined> {
  return (await reader.metrics()).find((m) => m.descriptor.name === name);
}

describe('withSpan', () => {
  it('nests spans through awaits and returns the function result', async () => {
    expect(handle.enabled).toBe(true);
    const result = await withSpan(SPAN.run, { [ATTR.command]: 'pull' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return withSpan(SPAN.transfer, { [ATTR.site]: 'support.example.com' }, async (span) => {
        span.setAttribute(ATTR.records, 3);
        await Promise.resolve();
        return withSpan('POST /api/reporting', {}, () => 42, { kind: SpanKind.CLIENT });
      });
    });
    expect(result).toBe(42);
    const run = await named(SPAN.run);
    const transfer = await named(SPAN.transfer);
    const http = await named('POST /api/reporting');
    expect(run.parentSpanContext).toBeUndefined();
    expect(transfer.parentSpanContext?.spanId).toBe(run.spanContext().spanId);
    expect(http.parentSpanContext?.spanId).toBe(transfer.spanContext().spanId);
    expect(new Set((await spans()).map((s) => s.spanContext().traceId)).size).toBe(1);
    expect(http.kind).toBe(SpanKind.CLIENT);
    expect(transfer.attributes).toMatchObject({ [ATTR.site]: 'support.example.com', [ATTR.records]: 3 });
    expect(run.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('records a failure on the span: exception event, status ERROR, error.type from the EtlError code', async () => {
    const failure = new SinkWriteError('sessions.lsid: value too long for nvarchar(64) (lsid abc)', 'value_too_long');
    await expect(withSpan(SPAN.batchWrite, {}, () => Promise.reject(failure))).rejects.toBe(failure);
    const span = await named(SPAN.batchWrite);
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: failure.message });
    expect(span.attributes[SEMCONV.errorType]).toBe('value_too_long');
    const exception = span.events.find((event) => event.name === 'exception');
    // The SDK takes exception.type from an error's `code` when it has one: the same bounded set.
    expect(exception?.attributes).toMatchObject({ 'exception.type': 'value_too_long', 'exception.message': failure.message });
  });

  it('maps anything else to a bounded error.type: aborted or internal', async () => {
    expect(errorTypeOf(new SourceError('x', 'rate_limited'))).toBe('rate_limited');
    expect(errorTypeOf(new ConfigError('x'))).toBe('config_invalid');
    expect(errorTypeOf(new DOMException('stop', 'AbortError'))).toBe('aborted');
    expect(errorTypeOf(new TypeError('undefined is not a function'))).toBe('internal');
    expect(errorTypeOf('a string')).toBe('internal');
    await expect(withSpan(SPAN.parse, {}, () => { throw new RangeError('bad'); })).rejects.toThrow('bad');
    expect((await named(SPAN.parse)).attributes[SEMCONV.errorType]).toBe('internal');
  });

  it('counts a failure once, in the innermost span, however many spans it fails on the way out', async () => {
    const before = await failureCounts();
    const failure = new SourceError('support.example.com: connection reset', 'network');
    await expect(
      withSpan(SPAN.run, {}, () => withSpan(SPAN.transfer, {}, () => withSpan(SPAN.window, {}, () => Promise.reject(failure)))),
    ).rejects.toBe(failure);
    for (const name of [SPAN.run, SPAN.transfer, SPAN.window]) expect((await named(name)).status.code).toBe(SpanStatusCode.ERROR);
    const after = await failureCounts();
    expect(after.get(`network ${SPAN.window}`) ?? 0).toBe((before.get(`network ${SPAN.window}`) ?? 0) + 1);
    expect(after.get(`network ${SPAN.run}`) ?? 0).toBe(before.get(`network ${SPAN.run}`) ?? 0);
  });

  it('recordFailure marks a span the caller ended itself', async () => {
    const span = etlTracer().startSpan(SPAN.download);
    expect(recordFailure(span, new SourceError('recording expired', 'recording_expired'), SPAN.download)).toBe('recording_expired');
    span.end();
    expect((await named(SPAN.download)).attributes[SEMCONV.errorType]).toBe('recording_expired');
  });
});

async function failureCounts(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const data = await metric('etl.failures');
  for (const point of data?.dataPoints ?? []) counts.set(`${String(point.attributes[SEMCONV.errorType])} ${String(point.attributes[ATTR.operation])}`, point.value as number);
  return counts;
}

describe('span events', () => {
  it('records retries and rate-limit waits on the active span', async () => {
    await withSpan('POST /api/reporting', {}, () => {
      addRetryEvent({ attempt: 1, delayMs: 250.4, reason: 'HTTP 503', status: 503, error: new SourceError('busy', 'http_status') });
      addRateLimitWaitEvent('server', 1000);
      addRateLimitWaitEvent('client', 48.6);
    });
    const events = (await named('POST /api/reporting')).events;
    expect(events.map((e) => e.name)).toEqual([EVENT.retry, EVENT.rateLimitWait, EVENT.rateLimitWait]);
    expect(events[0]?.attributes).toEqual({ [ATTR.retryAttempt]: 1, [ATTR.retryDelayMs]: 250, [ATTR.retryReason]: 'HTTP 503', [SEMCONV.errorType]: 'http_status', [SEMCONV.httpResponseStatusCode]: 503 });
    expect(events[1]?.attributes).toEqual({ [ATTR.rateLimitSource]: 'server', [ATTR.waitMs]: 1000 });
    expect(events[2]?.attributes).toEqual({ [ATTR.rateLimitSource]: 'client', [ATTR.waitMs]: 49 });
  });

  it('does nothing outside a span', async () => {
    expect(activeSpan()).toBeUndefined();
    addRetryEvent({ attempt: 1, delayMs: 1, reason: 'x' });
    addRateLimitWaitEvent('client', 1);
    expect(await spans()).toEqual([]);
  });
});

describe('rowsAttributes', () => {
  it('gives a total and one attribute per table', () => {
    expect(rowsAttributes({ session: 2, session_event: 40, session_participant: 6 })).toEqual({
      'etl.rows.table.session': 2,
      'etl.rows.table.session_event': 40,
      'etl.rows.table.session_participant': 6,
      'etl.rows.total': 48,
    });
    expect(rowsAttributes(new Map([['session', 1]]))).toEqual({ 'etl.rows.table.session': 1, 'etl.rows.total': 1 });
  });
});

describe('metrics', () => {
  it('counts records and bytes per stage and times batches in seconds', async () => {
    countRecords(STAGE.parse, 10);
    countRecords(STAGE.write, 8, { [ATTR.sinkType]: 'sqlite' });
    countRecords(STAGE.write, 0, { [ATTR.sinkType]: 'sqlite' });
    countBytes(STAGE.parse, 4096);
    recordBatchDuration(0.02, { [ATTR.sinkType]: 'sqlite', [SEMCONV.dbSystemName]: 'sqlite' });
    const records = await metric('etl.records');
    expect(records?.descriptor.unit).toBe('{record}');
    const byStage = Object.fromEntries((records?.dataPoints ?? []).map((p) => [`${String(p.attributes[ATTR.stage])}/${String(p.attributes[ATTR.sinkType] ?? '')}`, p.value]));
    expect(byStage).toEqual({ 'parse/': 10, 'write/sqlite': 8 });
    expect((await metric('etl.bytes'))?.dataPoints.map((p) => p.value)).toEqual([4096]);
    const batch = await metric('etl.batch.duration');
    expect(batch?.descriptor.unit).toBe('s');
    expect(batch?.dataPoints[0]?.value).toMatchObject({ count: 1, sum: 0.02 });
  });

  it('reports the lag behind each stream\'s watermark at collection time', async () => {
    const restore = setLagClock(() => 1_733_320_000_000);
    try {
      reportWatermark({ site: 'a.example.com', product: 'pra', destination: 'sqlite:/data/a.db' }, 1_733_316_400);
      reportWatermark({ site: 'b.example.com', product: 'rs', destination: 'file:/data' }, 1_733_300_000);
      reportWatermark({ site: 'a.example.com', product: 'pra', destination: 'sqlite:/data/a.db' }, 1_733_319_000);
      const lag = await metric('etl.watermark.lag');
      const bySite = Object.fromEntries((lag?.dataPoints ?? []).map((p) => [String(p.attributes[ATTR.site]), p.value]));
      expect(bySite).toEqual({ 'a.example.com': 1000, 'b.example.com': 20_000 });
      expect(lag?.dataPoints[0]?.attributes).toEqual({ [ATTR.site]: 'a.example.com', [ATTR.product]: 'pra', [ATTR.destination]: 'sqlite:/data/a.db' });
    } finally {
      setLagClock(restore);
      clearWatermarks();
    }
  });
});

describe('log correlation', () => {
  it('puts the active span\'s trace and span ids on pino lines, and nothing outside a span', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const logger = pino({ mixin: traceLogMixin }, sink);
    logger.info('outside');
    let ids = { traceId: '', spanId: '' };
    await withSpan(SPAN.window, {}, async () => {
      await Promise.resolve();
      ids = trace.getActiveSpan()?.spanContext() ?? ids;
      logger.child({ site: 's' }).warn({ retry: 1 }, 'inside');
    });
    logger.info('after');
    expect(lines[0]).not.toHaveProperty('trace_id');
    expect(lines[1]).toMatchObject({ msg: 'inside', retry: 1, site: 's', trace_id: ids.traceId, span_id: ids.spanId, trace_flags: '01' });
    expect(ids.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(lines[2]).not.toHaveProperty('span_id');
    expect(context.active()).toBe(context.active());
  });
});
