/**
 * Spans are not lost when the process is stopped: a pull cancelled by SIGTERM exports its run as
 * cancelled before exiting, and a process that does not handle the signal itself flushes within the
 * bounded time and then dies of the signal as it would have.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/simulator.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.ts';
import { CLI, REPO_ROOT } from '../helpers/run-cli.ts';

let receiver: OtlpReceiver;
let dir: string;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  dir = mkdtempSync(join(tmpdir(), 'sra-otel-signal-'));
});
afterAll(async () => {
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

function environment(serviceName: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('OTEL_')) env[name] = value;
  return { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_METRICS_EXPORTER: 'none', OTEL_SERVICE_NAME: serviceName };
}

function exited(child: ReturnType<typeof spawn>): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
}

it('a pull stopped by SIGTERM exports its run as cancelled before it exits', async () => {
  let sim: SimulatorHandle | undefined;
  try {
    sim = await startSimulator({ product: 'pra', seed: 'signal', sessions: 60, days: 3 });
    // Every report body trickles (200 ms per chunk), so the pull is surely mid-report when stopped.
    sim.faults.add({ match: { report: 'AccessSession' }, fault: { kind: 'slow', delayMs: 200 }, times: Infinity });
    const child = spawn(process.execPath, [CLI, 'pull', '--site', sim.url, '--client-id', sim.clientId, '--client-secret', sim.clientSecret,
      '--to', `sqlite:${join(dir, 'pull.db')}`, '--state', join(dir, 'state.db'), '--initial-days', '3', '--window-hours', '12'], { cwd: REPO_ROOT, env: environment('signal-pull'), stdio: ['ignore', 'ignore', 'pipe'] });
    const done = exited(child);
    const handle = sim;
    await receiver.waitFor(() => handle.stats.requests >= 3, 30_000); // token and report calls under way
    child.kill('SIGTERM');
    const result = await done;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toMatch(/^sra-etl: stopped by SIGTERM: the open batch was rolled back/m);
    await receiver.waitFor(() => receiver.spans.some((span) => span.resource['service.name'] === 'signal-pull' && span.name === 'etl.run'));
    const run = receiver.spans.find((span) => span.resource['service.name'] === 'signal-pull' && span.name === 'etl.run');
    expect(run).toMatchObject({ status: { code: 2 }, attributes: { 'etl.command': 'pull', 'etl.run.result': 'cancelled', 'error.type': 'aborted' } });
  } finally {
    await sim?.close();
  }
});

it('a process that does not handle SIGTERM flushes its spans, then dies of the signal', async () => {
  const script = `
    const { startTelemetry } = await import('./src/telemetry/sdk.ts');
    const { withSpan } = await import('./src/telemetry/tracing.ts');
    await startTelemetry();
    await withSpan('etl.run', { 'etl.command': 'idle' }, () => undefined);
    process.stdout.write('ready\\n');
    setInterval(() => {}, 1000); // keeps running until a signal
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, env: environment('signal-idle'), stdio: ['ignore', 'pipe', 'pipe'] });
  const done = exited(child);
  await new Promise<void>((resolve) => child.stdout?.setEncoding('utf8').on('data', (chunk: string) => chunk.includes('ready') && resolve()));
  child.kill('SIGTERM');
  const result = await done;
  expect(result.signal, result.stderr).toBe('SIGTERM');
  // Exported before the process died: the batch processor's 5 s delay had not passed.
  expect(receiver.spans.filter((span) => span.resource['service.name'] === 'signal-idle').map((span) => span.attributes['etl.command'])).toEqual(['idle']);
});
