/**
 * `sra-etl replay` traced: a saved report file replayed into SQLite by the real CLI, exported over
 * OTLP to the loopback receiver: etl.run > etl.parse > one etl.batch.write per batch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeReport } from '../../fixtures/generator/generate-report.ts';
import { renderTree, spanTree, startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.ts';
import { runCli } from '../helpers/run-cli.ts';

let receiver: OtlpReceiver;
let dir: string;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  dir = mkdtempSync(join(tmpdir(), 'sra-otel-replay-'));
});
afterAll(async () => {
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

it('replay exports etl.run > etl.parse > etl.batch.write with the counts', async () => {
  const report = join(dir, 'report.xml');
  await writeReport(report, { sessions: 12, product: 'rs', seed: 'replay-otel' });
  const env: NodeJS.ProcessEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' };
  for (const name of Object.keys(process.env)) if (name.startsWith('OTEL_') && !(name in env)) env[name] = undefined;
  const cli = await runCli(['replay', report, '--to', `sqlite:${join(dir, 'sra.db')}`, '--host', 'support.example.com', '--batch', '5'], { env });
  expect(cli.code, cli.stderr).toBe(0);
  const roots = spanTree(receiver.spans);
  expect(renderTree(roots)).toBe('etl.run\n  etl.parse\n    etl.batch.write\n    etl.batch.write\n    etl.batch.write\n');
  const run = roots[0]!;
  expect(run.span.attributes).toMatchObject({ 'etl.command': 'replay', 'etl.run.result': 'succeeded' });
  const parse = run.children[0]!;
  expect(parse.span.attributes).toMatchObject({ 'etl.records.count': 12, 'etl.records.written': 12, 'etl.sink.type': 'sqlite' });
  expect(parse.children.map((child) => child.span.attributes['etl.records.count'])).toEqual([5, 5, 2]);
});
