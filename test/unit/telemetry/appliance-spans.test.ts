/**
 * Spans of the appliance client and of destinations, against the simulator: the HTTP CLIENT span of
 * each call with its retries and rate-limit waits, a failed call, and a file destination's batch
 * write with one download span per recording (its HTTP call inside).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactFetcher } from '../../../sinks/file/artifact-fetcher.ts';
import { openDestination } from '../../../sinks/destinations.ts';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/simulator.ts';
import { silentLogger } from '../../../src/stage.ts';
import { ApplianceClient, readAll } from '../../../stages/sources/appliance/appliance-client.ts';
import { downloadBackup, downloadRecording } from '../../../stages/sources/appliance/downloads.ts';
import { sessionReportCall } from '../../../stages/sources/appliance/report-source.ts';
import { childrenOf, startInMemoryTelemetry, type InMemoryTelemetry } from '../../helpers/in-memory-telemetry.ts';

const NOW = Date.UTC(2024, 11, 4, 12);
let telemetry: InMemoryTelemetry;
let sim: SimulatorHandle;
const dirs: string[] = [];

beforeAll(async () => {
  telemetry = await startInMemoryTelemetry();
  sim = await startSimulator({ sessions: 40, days: 2, now: NOW, clock: 'manual', expiredRecordingRate: 0.3, recordingBytes: { min: 2000, max: 9000 } });
});
afterAll(async () => {
  await sim.close();
  await telemetry.shutdown();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  sim.faults.clear();
  telemetry.reset();
});

function client(retries = 5): ApplianceClient {
  return new ApplianceClient({
    site: sim.url,
    credentials: { kind: 'oauth', clientId: sim.clientId, clientSecret: sim.clientSecret },
    now: () => sim.clock.now(),
    retries,
    backoff: { baseDelayMs: 10, maxDelayMs: 20 },
  });
}

const windowCall = () => sessionReportCall({ product: 'pra', window: { start: sim.dataset.options.from, seconds: 6 * 3600 } });

describe('appliance client spans', () => {
  it('one CLIENT span per call, with HTTP attributes, retries and the appliance\'s rate-limit wait as events, the token call as its child', async () => {
    sim.faults.add({ match: { report: 'AccessSession' }, fault: { kind: 'server_error' } });
    sim.faults.add({ match: { report: 'AccessSession' }, fault: { kind: 'rate_limit', retryAfterSeconds: 1 } });
    const c = client();
    const response = await c.open(windowCall());
    await readAll(response.body, 50e6);
    await c.close();
    const spans = await telemetry.spans();
    const report = spans.find((s) => s.name === 'POST /api/reporting');
    expect(report).toBeDefined();
    expect(report?.kind).toBe(SpanKind.CLIENT);
    expect(report?.attributes).toEqual({
      'http.request.method': 'POST',
      'server.address': '127.0.0.1',
      'server.port': sim.port,
      'url.full': `${sim.url}/api/reporting`,
      'url.scheme': 'http',
      'url.template': '/api/reporting',
      'etl.report': 'AccessSession',
      'http.response.status_code': 200,
      'http.request.resend_count': 2,
    });
    expect(report?.status.code).toBe(SpanStatusCode.UNSET);
    const events = report?.events.filter((e) => e.name !== 'etl.rate_limit.wait' || e.attributes?.['etl.rate_limit.source'] === 'server') ?? [];
    expect(events.map((e) => [e.name, e.attributes])).toEqual([
      ['etl.retry', { 'etl.retry.attempt': 1, 'etl.retry.delay_ms': expect.any(Number) as number, 'etl.retry.reason': 'HTTP 500', 'http.response.status_code': 500 }],
      ['etl.retry', { 'etl.retry.attempt': 2, 'etl.retry.delay_ms': 1000, 'etl.retry.reason': 'HTTP 429', 'http.response.status_code': 429 }],
      ['etl.rate_limit.wait', { 'etl.rate_limit.source': 'server', 'etl.wait_ms': 1000 }],
    ]);
    const token = spans.find((s) => s.name === 'POST /oauth2/token');
    expect(token?.parentSpanContext?.spanId).toBe(report?.spanContext().spanId);
    expect(token?.attributes['http.response.status_code']).toBe(200);
    const bytes = (await telemetry.metrics()).find((m) => m.descriptor.name === 'etl.bytes');
    expect(bytes?.dataPoints.find((p) => p.attributes['etl.stage'] === 'receive')?.value).toBeGreaterThan(1000);
  });

  it('a call that keeps failing ends its span in ERROR with the bounded error type', async () => {
    sim.faults.add({ match: { report: 'AccessSession' }, fault: { kind: 'server_error' }, times: Infinity });
    const c = client(1);
    await expect(c.open(windowCall())).rejects.toMatchObject({ code: 'http_status' });
    await c.close();
    const report = (await telemetry.spans()).find((s) => s.name === 'POST /api/reporting');
    expect(report?.status.code).toBe(SpanStatusCode.ERROR);
    expect(report?.attributes).toMatchObject({ 'error.type': 'http_status', 'http.response.status_code': 500, 'http.request.resend_count': 1 });
    expect(report?.events.map((e) => e.name)).toEqual(expect.arrayContaining(['etl.retry', 'exception']));
  });
});

/** The file destination's downloads, through the appliance client (as pull wires it). */
function fetcherFor(c: ApplianceClient): ArtifactFetcher {
  const kinds = { recording: 'session', 'shell-recording': 'command_shell', 'sms-recording': 'show_my_screen' } as const;
  return {
    host: c.site.host,
    fetchRecording: (request, signal) => downloadRecording(c, { product: request.product ?? 'pra', lsid: request.lsid, kind: kinds[request.kind], ...(request.instance === null ? {} : { instance: request.instance }), signal }),
    fetchBackup: (options, signal) => downloadBackup(c, { ...options, signal }),
  };
}

describe('destination spans', () => {
  it('an etl.batch.write span per batch with etl.download children, each holding its HTTP call', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sra-otel-file-'));
    dirs.push(dir);
    const c = client();
    const sink = await openDestination(`file:${dir}?types=recordings`, { fetcher: fetcherFor(c), logger: silentLogger });
    const ctx = { signal: new AbortController().signal, logger: silentLogger };
    await sink.connect(ctx);
    const batch = [0, 1, 2, 3, 4, 5].map((i) => sim.dataset.final(i));
    const result = await sink.writeBatch(batch, ctx);
    await sink.close();
    await c.close();
    expect(result.written).toBe(6);

    const spans = await telemetry.spans();
    const writes = spans.filter((s) => s.name === 'etl.batch.write');
    expect(writes).toHaveLength(1);
    const write = writes[0]!;
    expect(write.attributes).toEqual({
      'etl.sink.type': 'file',
      'etl.records.count': 6,
      'etl.bytes.count': batch.reduce((sum, b) => sum + b.xmlBytes, 0),
      'etl.records.written': 6,
      'etl.records.rejected': 0,
    });
    const downloads = childrenOf(spans, write);
    const withRecording = batch.filter((b) => b.session.recordingDownloadUrl !== null || b.session.recordingViewUrl !== null);
    expect(downloads.length).toBe(withRecording.length);
    expect(downloads.length).toBeGreaterThan(0);
    for (const download of downloads) {
      expect(download.name).toBe('etl.download');
      expect(download.attributes).toMatchObject({ 'etl.download.kind': 'recording', 'etl.lsid': expect.any(String) as string });
      expect(['created', 'expired']).toContain(download.attributes['etl.download.outcome']);
      if (download.attributes['etl.download.outcome'] === 'created') expect(download.attributes['etl.bytes.count']).toBeGreaterThan(1000);
      const [http] = childrenOf(spans, download);
      expect(http?.name).toBe('GET /api/reporting');
      expect(http?.attributes).toMatchObject({ 'etl.report': 'AccessSessionRecording', 'http.response.status_code': 200 });
    }
    const metrics = await telemetry.metrics();
    const records = metrics.find((m) => m.descriptor.name === 'etl.records')?.dataPoints ?? [];
    expect(records.find((p) => p.attributes['etl.stage'] === 'write')?.value).toBe(6);
    const batchDuration = metrics.find((m) => m.descriptor.name === 'etl.batch.duration')?.dataPoints ?? [];
    expect(batchDuration[0]?.attributes).toEqual({ 'etl.sink.type': 'file' });
  });
});
