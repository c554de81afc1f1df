/**
 * The configuration switch end to end: `sra-etl run` (a child process) with only a `telemetry:`
 * section in its configuration, no OTEL_* variable, runs one schedule against the simulator with a
 * SQL and a file destination; the OTLP receiver gets one trace per run with a transfer per
 * destination, the pull below the SQL one and the recording downloads below the file one, and the
 * log files carry the trace ids.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/simulator.ts';
import { renderTree, spanPaths, spanTree, startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.ts';
import { runCli, type CliResult } from '../helpers/run-cli.ts';

let sim: SimulatorHandle;
let receiver: OtlpReceiver;
let dir: string;
let cli: CliResult;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sra-otel-run-'));
  sim = await startSimulator({ product: 'pra', seed: 'otel-run', sessions: 30, days: 2, recordingBytes: { min: 2000, max: 20_000 } });
  receiver = await startOtlpReceiver();
  const config = join(dir, 'sra-etl.yaml');
  writeFileSync(config, `
state: { path: state.db }
logs: { directory: logs, console: off }
telemetry: { enabled: true, endpoint: "${receiver.url}", protocol: http/json, serviceName: sra-etl-scheduled }
sites:
  sim: { host: "${sim.url}", product: pra, clientId: ${sim.clientId}, clientSecret: { env: E2E_CLIENT_SECRET }, initialDays: 2, requestsPerSecond: 200 }
destinations:
  db: { type: sqlite, path: sra.db }
  folder: { type: file, directory: files }
schedules:
  Nightly:
    every: 1 day
    transfers:
      - { site: sim, destination: db }
      - { site: sim, destination: folder, data: [recordings] }
`);
  const env: NodeJS.ProcessEnv = { E2E_CLIENT_SECRET: sim.clientSecret };
  for (const name of Object.keys(process.env)) if (name.startsWith('OTEL_')) env[name] = undefined;
  cli = await runCli(['run', '--config', config, '--no-progress'], { env });
});

afterAll(async () => {
  await sim.close();
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

it('the telemetry section alone turns tracing on: one trace per run, a transfer per destination', () => {
  expect(cli.code, cli.stderr).toBe(0);
  expect(receiver.errors).toEqual([]);
  const roots = spanTree(receiver.spans);
  const tree = renderTree(roots);
  expect(roots.map((root) => root.span.name), tree).toEqual(['etl.run']);
  const run = roots[0]!;
  expect(run.span).toMatchObject({ status: { code: 0 }, attributes: { 'etl.schedule': 'Nightly', 'etl.run.trigger': 'manual', 'etl.run.result': 'succeeded' } });
  expect(run.span.resource['service.name']).toBe('sra-etl-scheduled');
  const transfers = run.children.map((child) => child.span.attributes['etl.destination']).sort();
  expect(transfers).toEqual(['db', 'folder']);
  const paths = spanPaths(roots);
  for (const path of [
    'etl.run > etl.transfer > etl.window > etl.parse > POST /api/reporting',
    'etl.run > etl.transfer > etl.window > etl.parse > etl.batch.write',
    'etl.run > etl.transfer > etl.window > etl.parse > etl.batch.write > etl.download > GET /api/reporting',
  ]) expect(paths, tree).toContain(path);
  const fileWrites = receiver.spans.filter((span) => span.name === 'etl.batch.write' && span.attributes['etl.sink.type'] === 'file');
  expect(fileWrites.length).toBeGreaterThan(0);
  const downloads = receiver.spans.filter((span) => span.name === 'etl.download');
  expect(downloads.length).toBeGreaterThan(0);
  expect(downloads.some((span) => span.attributes['etl.download.outcome'] === 'created' && Number(span.attributes['etl.bytes.count']) >= 2000)).toBe(true);
});

it('writes the trace and span ids into the log files', () => {
  const logs = join(dir, 'logs');
  const lines = (existsSync(logs) ? readdirSync(logs).map((name) => readFileSync(join(logs, name), 'utf8')).join('') : '')
    .split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
  const traceId = receiver.spans[0]?.traceId;
  const inRun = lines.filter((line) => line.msg === 'window loaded' || line.msg === 'transfer succeeded');
  expect(inRun.length).toBeGreaterThanOrEqual(3);
  for (const line of inRun) {
    expect(line.trace_id).toBe(traceId);
    expect(receiver.spans.some((span) => span.spanId === line.span_id)).toBe(true);
  }
});
