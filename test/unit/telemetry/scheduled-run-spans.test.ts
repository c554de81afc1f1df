/**
 * A scheduled run as the tracing backend sees it: the real scheduler code (runScheduleOnce with the
 * SQLite run history), the real logger, the real SDK bootstrap exporting OTLP http/json to the
 * loopback receiver. One transfer succeeds, one fails.
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SourceError } from '../../../src/errors.ts';
import { createLogger } from '../../../src/logging/create-logger.ts';
import { runScheduleOnce } from '../../../src/scheduler/run-schedule.ts';
import type { TransferRunner } from '../../../src/scheduler/transfer-runner.ts';
import { shutdownTelemetry, startTelemetry } from '../../../src/telemetry/sdk.ts';
import { spanTree, startOtlpReceiver, type OtlpReceiver } from '../../helpers/otlp-receiver.ts';
import { schedulerHarness, type Harness } from '../../helpers/scheduler-harness.ts';

let receiver: OtlpReceiver;
let harness: Harness;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  for (const name of Object.keys(process.env)) if (name.startsWith('OTEL_')) delete process.env[name];
  process.env.OTEL_METRIC_EXPORT_INTERVAL = '600000';
  harness = schedulerHarness(`  Sessions:
    every: 1 hour
    transfers:
      - { site: support, destination: db }
      - { site: support, destination: files }
`);
  // Switched on by the configuration's telemetry section alone, as `run` and `serve` do.
  const handle = await startTelemetry({ config: { enabled: true, endpoint: receiver.url, protocol: 'http/json', serviceName: 'etl-test' } });
  expect(handle.reason).toBe('telemetry.enabled is true in the configuration');
});
afterAll(async () => {
  await shutdownTelemetry();
  harness.cleanup();
  await receiver.close();
});

it('traces a scheduled run: etl.run with one etl.transfer per transfer, the failed one marked, and log lines carrying the ids', async () => {
  const consoleStream = new PassThrough();
  let logText = '';
  consoleStream.setEncoding('utf8').on('data', (chunk: string) => (logText += chunk));
  const logs = await createLogger({ level: 'info', console: 'json', deleteAfterDays: 7, rotate: 'daily', maxFileMegabytes: 50 }, { console: consoleStream });
  const runner: TransferRunner = (request, ctx) => {
    ctx.logger.info({ destination: request.destination.name }, 'transfer working');
    if (request.destination.type === 'file') return Promise.reject(new SourceError('support.example.com: connection reset by peer after 2048 bytes', 'network'));
    return Promise.resolve({ sessions: 3 });
  };
  const schedule = harness.config.schedules[0]!;
  const outcome = await runScheduleOnce(schedule, { trigger: 'manual' }, { ...harness.options(), runner, logger: logs.logger });
  expect(outcome).toMatchObject({ status: 'finished', run: { result: 'failed' } });
  await logs.close();
  await shutdownTelemetry();

  const roots = spanTree(receiver.spans);
  expect(roots).toHaveLength(1);
  const run = roots[0]!;
  const runId = outcome.status === 'finished' ? outcome.run.id : -1;
  expect(run.span).toMatchObject({
    name: 'etl.run',
    status: { code: 2 },
    attributes: { 'etl.schedule': 'Sessions', 'etl.run.id': runId, 'etl.run.trigger': 'manual', 'etl.run.result': 'failed', 'error.type': 'network' },
  });
  expect(run.span.status.message).toContain('connection reset by peer');
  expect(run.span.resource['service.name']).toBe('etl-test');
  const transfers = run.children.map((child) => child.span).sort((a, b) => String(a.attributes['etl.destination']).localeCompare(String(b.attributes['etl.destination'])));
  expect(transfers.map((s) => [s.name, s.attributes['etl.destination'], s.attributes['etl.sink.type'], s.attributes['etl.site'], s.status.code, s.attributes['error.type']])).toEqual([
    ['etl.transfer', 'db', 'sqlite', 'support.example.com', 0, undefined],
    ['etl.transfer', 'files', 'file', 'support.example.com', 2, 'network'],
  ]);

  // Log lines written inside a transfer carry that transfer's ids.
  const lines = logText.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  const working = lines.filter((line) => line.msg === 'transfer working');
  expect(working).toHaveLength(2);
  for (const line of working) {
    const span = transfers.find((s) => s.attributes['etl.destination'] === line.destination);
    expect(line).toMatchObject({ trace_id: run.span.traceId, span_id: span?.spanId });
  }

  const points = (metric: string) => receiver.points.filter((p) => p.metric === metric);
  expect(points('etl.run.duration')).toMatchObject([{ count: 1, attributes: { 'etl.schedule': 'Sessions', 'etl.run.result': 'failed', 'etl.run.trigger': 'manual', 'error.type': 'network' } }]);
  expect(points('etl.failures')).toMatchObject([{ value: 1, attributes: { 'error.type': 'network', 'etl.operation': 'etl.transfer' } }]);
});
