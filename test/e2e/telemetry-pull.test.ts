/**
 * Issue 7's acceptance: the real CLI (`sra-etl pull`, a child process) pulls from the appliance
 * simulator with injected faults, exports over OTLP (http/protobuf, the SDK's default) to a receiver
 * on loopback, and what arrives is decoded and checked: the span tree, key attributes, retry and
 * rate-limit events, the failed span of a connection reset mid-report, the metrics, and log lines
 * carrying the trace ids.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/simulator.ts';
import { startOtlpReceiver, renderTree, spanPaths, spanTree, descendants, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.ts';
import { runCli, type CliResult } from '../helpers/run-cli.ts';

let sim: SimulatorHandle;
let receiver: OtlpReceiver;
let dir: string;
let cli: CliResult;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sra-otel-pull-'));
  // 40 sessions over the last 2 days (the latest still in progress), on the real clock the CLI uses.
  sim = await startSimulator({ product: 'pra', seed: 'otel', sessions: 40, days: 2 });
  // Report requests in order: #1 HTTP 500 (retried), #4 a connection reset after 3000 body bytes
  // (the window is read again), #6 HTTP 429 with Retry-After: 1 (waited, retried).
  sim.faults.add({ match: { report: 'AccessSession' }, fault: { kind: 'server_error' } });
  sim.faults.add({ match: { report: 'AccessSession' }, skip: 2, fault: { kind: 'reset', afterBytes: 3000 } });
  sim.faults.add({ match: { report: 'AccessSession' }, skip: 3, fault: { kind: 'rate_limit', retryAfterSeconds: 1 } });
  receiver = await startOtlpReceiver();
  const env: NodeJS.ProcessEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'sra-etl-e2e' };
  for (const name of Object.keys(process.env)) if (name.startsWith('OTEL_') && !(name in env)) env[name] = undefined;
  cli = await runCli([
    'pull', '--site', sim.url, '--client-id', sim.clientId, '--client-secret', sim.clientSecret,
    '--to', `sqlite:${join(dir, 'sra.db')}`, '--state', join(dir, 'state.db'),
    '--initial-days', '2', '--window-hours', '12', '--verbose',
  ], { env });
});

afterAll(async () => {
  await sim.close();
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

const byName = (spans: readonly ReceivedSpan[], name: string) => spans.filter((span) => span.name === name);

it('the pull succeeds and everything it exported was decoded', () => {
  expect(cli.stderr).not.toMatch(/OTLP|export.*fail/i);
  expect(cli.code).toBe(0);
  expect(cli.stdout).toMatch(/pulled \d+ session\(s\)/);
  expect(cli.stdout).toMatch(/re-read\s+1 report/);
  expect(receiver.errors).toEqual([]);
  expect(receiver.requests.every((request) => request.contentType === 'application/x-protobuf')).toBe(true);
});

it('exports one trace: etl.run > etl.transfer > etl.window > etl.parse > the HTTP call and the batch writes', () => {
  const roots = spanTree(receiver.spans);
  const tree = renderTree(roots);
  expect(roots.map((root) => root.span.name), tree).toEqual(['etl.run']);
  expect(new Set(receiver.spans.map((span) => span.traceId)).size).toBe(1);
  const paths = spanPaths(roots);
  for (const path of [
    'etl.run > etl.transfer > POST /oauth2/token',
    'etl.run > etl.transfer > etl.window > etl.parse > POST /api/reporting',
    'etl.run > etl.transfer > etl.window > etl.parse > etl.batch.write',
  ]) expect(paths, tree).toContain(path);
  // Never one span per session: a handful per window.
  const windows = byName(receiver.spans, 'etl.window');
  expect(windows.length).toBeGreaterThanOrEqual(4);
  expect(receiver.spans.length).toBeLessThan(windows.length * 8 + 6);

  const [run] = roots;
  expect(run?.span).toMatchObject({ status: { code: 0 }, attributes: { 'etl.command': 'pull', 'etl.mode': 'incremental', 'etl.run.result': 'succeeded' } });
  expect(run?.span.resource).toMatchObject({ 'service.name': 'sra-etl-e2e', 'service.version': expect.any(String) as string });
  expect(run?.span.resource).not.toHaveProperty('process.command_args'); // --client-secret was on the command line
  expect(JSON.stringify(receiver.spans, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value))).not.toContain(sim.clientSecret);
  const transfer = run?.children[0]?.span;
  expect(transfer?.attributes).toMatchObject({ 'etl.site': sim.host, 'etl.product': 'pra', 'etl.sink.type': 'sqlite', 'etl.mode': 'incremental' });
  expect(String(transfer?.attributes['etl.destination'])).toMatch(/^sqlite:.*sra\.db$/);
  for (const window of windows) {
    expect(window.attributes).toMatchObject({ 'etl.window.seconds': 43_200, 'etl.window.start': expect.any(Number) as number });
  }
  const http = byName(receiver.spans, 'POST /api/reporting');
  for (const span of http) {
    expect(span).toMatchObject({ kind: 3, attributes: { 'http.request.method': 'POST', 'server.address': '127.0.0.1', 'server.port': sim.port, 'url.full': `${sim.url}/api/reporting`, 'etl.report': 'AccessSession' } });
  }
  const writes = byName(receiver.spans, 'etl.batch.write');
  expect(writes.length).toBeGreaterThan(0);
  for (const write of writes) {
    expect(write.attributes).toMatchObject({ 'etl.sink.type': 'sqlite', 'db.system.name': 'sqlite', 'etl.sql.dialect': 'sqlite' });
    expect(write.attributes['etl.rows.table.session']).toBe(write.attributes['etl.records.written']);
  }
  const parsed = byName(receiver.spans, 'etl.parse').filter((span) => span.status.code !== 2).reduce((sum, span) => sum + Number(span.attributes['etl.records.count']), 0);
  expect(parsed).toBeGreaterThanOrEqual(35);
});

it('records the retries and the appliance\'s rate-limit wait as events of the HTTP spans', () => {
  const events = byName(receiver.spans, 'POST /api/reporting').flatMap((span) => span.events.map((event) => ({ span, event })));
  const retries = events.filter(({ event }) => event.name === 'etl.retry').map(({ event }) => event.attributes);
  expect(retries).toEqual(expect.arrayContaining([
    expect.objectContaining({ 'etl.retry.reason': 'HTTP 500', 'http.response.status_code': 500, 'etl.retry.attempt': 1 }),
    expect.objectContaining({ 'etl.retry.reason': 'HTTP 429', 'http.response.status_code': 429, 'etl.retry.delay_ms': 1000 }),
  ]));
  const waits = events.filter(({ event }) => event.name === 'etl.rate_limit.wait' && event.attributes['etl.rate_limit.source'] === 'server');
  expect(waits.map(({ event }) => event.attributes['etl.wait_ms'])).toEqual([1000]);
  expect(waits[0]?.span.attributes).toMatchObject({ 'http.response.status_code': 200, 'http.request.resend_count': 1 });
});

it('marks the report cut by a connection reset as a failed etl.parse span, and the window\'s second read as a retry', () => {
  const failed = receiver.spans.filter((span) => span.status.code === 2);
  expect(failed.map((span) => span.name)).toEqual(['etl.parse']);
  const [parse] = failed;
  expect(parse?.attributes).toMatchObject({ 'error.type': 'network', 'etl.attempt': 1 });
  expect(parse?.status.message).toMatch(/127\.0\.0\.1/);
  expect(parse?.events.find((event) => event.name === 'exception')?.attributes['exception.message']).toBe(parse?.status.message);
  const window = receiver.spans.find((span) => span.spanId === parse?.parentSpanId);
  expect(window?.name).toBe('etl.window');
  expect(window?.status.code).toBe(0);
  expect(window?.events.map((event) => [event.name, event.attributes['etl.retry.reason'], event.attributes['error.type']])).toEqual([
    ['etl.retry', 'report body cut short; reading it again', 'network'],
  ]);
  const windowNode = spanTree(receiver.spans)[0]?.children[0]?.children.find((node) => node.span.spanId === window?.spanId);
  const attempts = windowNode === undefined ? [] : descendants(windowNode).filter((span) => span.name === 'etl.parse');
  expect(attempts.map((span) => [span.attributes['etl.attempt'], span.status.code])).toEqual([[1, 2], [2, 0]]);
});

it('exports the metrics: records and bytes per stage, batch latency, run duration, watermark lag, failures by type', async () => {
  await receiver.waitFor(() => receiver.points.some((point) => point.metric === 'etl.run.duration'));
  const points = (metric: string) => receiver.points.filter((point) => point.metric === metric);
  const sum = (metric: string, stage: string) => points(metric).filter((p) => p.attributes['etl.stage'] === stage).reduce((total, p) => total + (p.value ?? 0), 0);
  expect(sum('etl.records', 'parse')).toBeGreaterThanOrEqual(35);
  expect(sum('etl.records', 'write')).toBeGreaterThanOrEqual(35);
  expect(sum('etl.bytes', 'receive')).toBeGreaterThan(sum('etl.bytes', 'parse') / 2);
  expect(sum('etl.bytes', 'write')).toBeGreaterThan(0);
  const batches = points('etl.batch.duration');
  expect(batches).toMatchObject([{ type: 'histogram', unit: 's', attributes: { 'etl.sink.type': 'sqlite', 'db.system.name': 'sqlite' } }]);
  expect(batches[0]?.count).toBe(byName(receiver.spans, 'etl.batch.write').length);
  expect(points('etl.run.duration')).toMatchObject([{ type: 'histogram', count: 1, attributes: { 'etl.command': 'pull', 'etl.run.result': 'succeeded' } }]);
  const lag = points('etl.watermark.lag');
  expect(lag).toMatchObject([{ type: 'gauge', unit: 's', attributes: { 'etl.site': sim.host, 'etl.product': 'pra' } }]);
  expect(lag[0]?.value).toBeGreaterThanOrEqual(0);
  expect(lag[0]?.value).toBeLessThan(3600);
  expect(points('etl.failures').map((p) => [p.attributes['error.type'], p.attributes['etl.operation'], p.value])).toEqual([['network', 'etl.parse', 1]]);
});

it('puts the trace and span ids on the log lines written inside the run', () => {
  const traceId = receiver.spans[0]?.traceId ?? '';
  const loaded = cli.stderr.split('\n').filter((line) => line.startsWith('info: window loaded'));
  expect(loaded.length).toBeGreaterThanOrEqual(4);
  // Logged once the window's span has ended: the line belongs to the transfer's span.
  const transferId = byName(receiver.spans, 'etl.transfer')[0]?.spanId;
  for (const line of loaded) expect(line).toContain(`trace_id=${traceId} span_id=${transferId}`);
  // A retry logged inside the HTTP call carries that call's span.
  const retried = cli.stderr.split('\n').find((line) => line.includes('HTTP 500; retrying'));
  const spanId = /span_id=([0-9a-f]{16})/.exec(retried ?? '')?.[1];
  expect(receiver.spans.find((span) => span.spanId === spanId)?.name).toBe('POST /api/reporting');
});
