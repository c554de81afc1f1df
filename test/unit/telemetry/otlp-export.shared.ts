/**
 * One scenario run through the real SDK bootstrap (startTelemetry reading OTEL_* variables) and OTLP
 * over HTTP to the loopback receiver; the json and protobuf test files each run it with their
 * protocol, which also proves the receiver's two decoders agree.
 */
import { SpanKind } from '@opentelemetry/api';
import { expect } from 'vitest';
import { SinkWriteError, SourceError } from '../../../src/errors.ts';
import { ATTR, EVENT, SEMCONV, SPAN, STAGE } from '../../../src/telemetry/attributes.ts';
import { clearWatermarks, countBytes, countRecords, recordBatchDuration, recordRunDuration, reportWatermark } from '../../../src/telemetry/metrics.ts';
import { shutdownTelemetry, startTelemetry } from '../../../src/telemetry/sdk.ts';
import { addRateLimitWaitEvent, addRetryEvent, rowsAttributes, withSpan } from '../../../src/telemetry/tracing.ts';
import { renderTree, spanPaths, spanTree, startOtlpReceiver } from '../../helpers/otlp-receiver.ts';

export async function exportScenario(protocol: 'http/json' | 'http/protobuf'): Promise<void> {
  const receiver = await startOtlpReceiver();
  try {
    for (const name of Object.keys(process.env)) if (name.startsWith('OTEL_')) delete process.env[name];
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
    process.env.OTEL_EXPORTER_OTLP_PROTOCOL = protocol;
    process.env.OTEL_METRIC_EXPORT_INTERVAL = '600000'; // only the final collection at shutdown
    const handle = await startTelemetry();
    expect(handle).toMatchObject({ enabled: true, reason: 'OTEL_EXPORTER_OTLP_ENDPOINT is set' });

    const failure = new SinkWriteError('session_event.body: value too long (lsid c0ffee)', 'value_too_long');
    await expect(withSpan(SPAN.run, { [ATTR.command]: 'pull' }, async () => {
      await withSpan(SPAN.transfer, { [ATTR.site]: 'support.example.com', [ATTR.product]: 'pra' }, async () => {
        await withSpan(SPAN.window, { [ATTR.windowStart]: 1_733_011_200, [ATTR.windowSeconds]: 86_400 }, async () => {
          await withSpan(SPAN.parse, {}, async (parse) => {
            await withSpan('POST /api/reporting', { [SEMCONV.httpRequestMethod]: 'POST', [SEMCONV.serverPort]: 443 }, () => {
              addRetryEvent({ attempt: 1, delayMs: 200, reason: 'HTTP 500', status: 500 });
              addRateLimitWaitEvent('server', 1000);
            }, { kind: SpanKind.CLIENT });
            await withSpan(SPAN.batchWrite, { [ATTR.sinkType]: 'sqlite' }, (span) => {
              span.setAttributes(rowsAttributes({ session: 2, session_event: 30 }));
            });
            parse.setAttribute(ATTR.records, 2);
          });
        });
        await withSpan(SPAN.batchWrite, { [ATTR.sinkType]: 'sqlite' }, () => Promise.reject(failure));
      });
    })).rejects.toBe(failure);
    await expect(withSpan(SPAN.run, {}, () => Promise.reject(new SourceError('reset', 'network')))).rejects.toThrow('reset');
    countRecords(STAGE.parse, 2);
    countBytes(STAGE.receive, 10_000);
    recordBatchDuration(0.004, { [ATTR.sinkType]: 'sqlite' });
    recordRunDuration(1.5, { [ATTR.command]: 'pull' });
    reportWatermark({ site: 'support.example.com', product: 'pra', destination: 'sqlite:data.db' }, Math.floor(Date.now() / 1000) - 3600);

    await shutdownTelemetry();
    expect(receiver.errors).toEqual([]);
    const contentType = protocol === 'http/json' ? 'application/json' : 'application/x-protobuf';
    expect(receiver.requests.map((r) => r.contentType)).toEqual(receiver.requests.map(() => contentType));

    const roots = spanTree(receiver.spans);
    expect(receiver.spans).toHaveLength(8);
    expect([...spanPaths(roots)]).toEqual([
      'etl.run',
      'etl.run > etl.transfer',
      'etl.run > etl.transfer > etl.window',
      'etl.run > etl.transfer > etl.window > etl.parse',
      'etl.run > etl.transfer > etl.window > etl.parse > POST /api/reporting',
      'etl.run > etl.transfer > etl.window > etl.parse > etl.batch.write',
      'etl.run > etl.transfer > etl.batch.write',
    ]);
    expect(renderTree(roots)).toContain('etl.run !\n  etl.transfer !\n');
    const [run] = roots;
    const transfer = run?.children[0];
    const http = receiver.spans.find((s) => s.name === 'POST /api/reporting');
    expect(http).toMatchObject({ kind: 3, attributes: { 'http.request.method': 'POST', 'server.port': 443 }, status: { code: 0 } });
    expect(http?.events.map((e) => [e.name, e.attributes])).toEqual([
      [EVENT.retry, { 'etl.retry.attempt': 1, 'etl.retry.delay_ms': 200, 'etl.retry.reason': 'HTTP 500', 'http.response.status_code': 500 }],
      [EVENT.rateLimitWait, { 'etl.rate_limit.source': 'server', 'etl.wait_ms': 1000 }],
    ]);
    const written = transfer?.children[0]?.children[0]?.children[1]?.span;
    expect(written?.attributes).toEqual({ 'etl.sink.type': 'sqlite', 'etl.rows.table.session': 2, 'etl.rows.table.session_event': 30, 'etl.rows.total': 32 });
    const failed = transfer?.children[1]?.span;
    expect(failed).toMatchObject({ name: 'etl.batch.write', status: { code: 2, message: failure.message }, attributes: { 'error.type': 'value_too_long' } });
    expect(failed?.events[0]).toMatchObject({ name: 'exception', attributes: { 'exception.message': failure.message } });
    expect(run?.span).toMatchObject({ status: { code: 2 }, attributes: { 'etl.command': 'pull', 'error.type': 'value_too_long' } });
    expect(roots[1]?.span.attributes['error.type']).toBe('network');
    expect(new Set(receiver.spans.map((s) => s.traceId)).size).toBe(2);

    const resource = receiver.spans[0]?.resource ?? {};
    expect(resource).toMatchObject({ 'service.name': 'sra-etl', 'process.executable.name': 'sra-etl', 'host.name': expect.any(String) as string });
    expect(resource).not.toHaveProperty('process.command_args');
    expect(resource).not.toHaveProperty('process.command_line');
    expect(receiver.spans[0]?.scope).toBe('sra-etl');

    const point = (metric: string) => receiver.points.filter((p) => p.metric === metric);
    expect(point('etl.records')).toMatchObject([{ type: 'sum', unit: '{record}', value: 2, attributes: { 'etl.stage': 'parse' } }]);
    expect(point('etl.bytes')).toMatchObject([{ type: 'sum', unit: 'By', value: 10_000, attributes: { 'etl.stage': 'receive' } }]);
    expect(point('etl.batch.duration')).toMatchObject([{ type: 'histogram', unit: 's', count: 1, sum: 0.004 }]);
    expect(point('etl.batch.duration')[0]?.explicitBounds?.[0]).toBe(0.005);
    expect(point('etl.run.duration')).toMatchObject([{ type: 'histogram', count: 1, sum: 1.5 }]);
    const lag = point('etl.watermark.lag');
    expect(lag).toMatchObject([{ type: 'gauge', unit: 's', attributes: { 'etl.site': 'support.example.com', 'etl.product': 'pra' } }]);
    expect(lag[0]?.value).toBeGreaterThanOrEqual(3600);
    const failures = Object.fromEntries(point('etl.failures').map((p) => [`${String(p.attributes['error.type'])} ${String(p.attributes['etl.operation'])}`, p.value]));
    expect(failures).toEqual({ 'value_too_long etl.batch.write': 1, 'network etl.run': 1 });
  } finally {
    clearWatermarks();
    await receiver.close();
  }
}
