/**
 * `sra-etl replay` traced: a saved report file replayed into SQLite by the real CLI, exported over
 * OTLP to the loopback receiver: etl.run > etl.parse > one etl.batch.write per batch.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeReport } from '../../fixtures/generator/generate-report.ts';
import { reportFooter, reportHeader, sessionXml } from '../../fixtures/generator/report-xml.ts';
import { sessionBundle } from '../helpers/session-bundles.ts';
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

/** The CLI's environment: export to the receiver over OTLP/JSON, no other OTEL_* variable of this process. */
function otlpEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', ...extra };
  for (const name of Object.keys(process.env)) if (name.startsWith('OTEL_') && !(name in env)) env[name] = undefined;
  return env;
}

it('replay exports etl.run > etl.parse > etl.batch.write with the counts', async () => {
  const report = join(dir, 'report.xml');
  await writeReport(report, { sessions: 12, product: 'rs', seed: 'replay-otel' });
  const env = otlpEnv();
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

/** OTLP metric points of `metric` whose attribute `key` is `value`, summed (the CLI exports once, at exit). */
const sumOf = (metric: string, key: string, value: string) =>
  receiver.points.filter((p) => p.metric === metric && p.attributes[key] === value).reduce((total, p) => total + (p.value ?? 0), 0);

it('replay --jobs 2: the batches written by the pipelines\' worker threads are spans under etl.parse, and their write metrics are exported', async () => {
  receiver.clear();
  const report = join(dir, 'partitioned.xml');
  await writeReport(report, { sessions: 40, product: 'pra', seed: 'replay-otel-partitions' });
  const env = otlpEnv();
  const cli = await runCli(['replay', report, '--to', `sqlite:${join(dir, 'partitioned.db')}`, '--host', 'pra.example.com', '--batch', '4', '--jobs', '2'], { env });
  expect(cli.code, cli.stderr).toBe(0);
  expect(cli.stderr).toContain('40 sessions');
  await receiver.waitFor(() => receiver.points.some((point) => point.metric === 'etl.run.duration'));

  const roots = spanTree(receiver.spans);
  expect(roots.map((root) => root.span.name)).toEqual(['etl.run']);
  const parse = roots[0]!.children[0]!;
  expect(parse.span.name).toBe('etl.parse');
  const batches = parse.children.map((child) => child.span);
  expect(new Set(batches.map((span) => span.name))).toEqual(new Set(['etl.batch.write']));
  // Every session is in exactly one batch span, at most 4 per batch, over both pipelines.
  expect(batches.reduce((total, span) => total + Number(span.attributes['etl.records.count']), 0)).toBe(40);
  expect(batches.reduce((total, span) => total + Number(span.attributes['etl.records.written']), 0)).toBe(40);
  expect(Math.max(...batches.map((span) => Number(span.attributes['etl.records.count'])))).toBeLessThanOrEqual(4);
  expect(batches.length).toBeGreaterThanOrEqual(10);
  for (const span of batches) {
    expect(span.traceId).toBe(parse.span.traceId);
    expect(span.attributes).toMatchObject({ 'etl.sink.type': 'sqlite', 'db.system.name': 'sqlite' });
    // Added by the SQL sink from inside the write, in the worker: rows per table.
    expect(Number(span.attributes['etl.rows.table.session'])).toBe(Number(span.attributes['etl.records.written']));
    expect(span.startTimeUnixNano).toBeGreaterThanOrEqual(parse.span.startTimeUnixNano);
    expect(span.endTimeUnixNano).toBeLessThanOrEqual(parse.span.endTimeUnixNano);
  }

  expect(sumOf('etl.records', 'etl.stage', 'parse')).toBe(40);
  expect(sumOf('etl.records', 'etl.stage', 'write')).toBe(40);
  expect(sumOf('etl.bytes', 'etl.stage', 'write')).toBe(Number(parse.span.attributes['etl.bytes.count']));
  const durations = receiver.points.filter((p) => p.metric === 'etl.batch.duration');
  expect(durations).toMatchObject([{ type: 'histogram', attributes: { 'etl.sink.type': 'sqlite', 'db.system.name': 'sqlite' } }]);
  expect(durations[0]?.count).toBe(batches.length);
});

it('replay --jobs 2 with traces sampled out: the workers record no spans, and their write metrics are still exported', async () => {
  receiver.clear();
  const report = join(dir, 'sampled-out.xml');
  await writeReport(report, { sessions: 10, product: 'rs', seed: 'replay-otel-sampled-out' });
  const env = otlpEnv({ OTEL_TRACES_SAMPLER: 'always_off' });
  const cli = await runCli(['replay', report, '--to', `sqlite:${join(dir, 'sampled-out.db')}`, '--host', 'support.example.com', '--batch', '3', '--jobs', '2'], { env });
  expect(cli.code, cli.stderr).toBe(0);
  await receiver.waitFor(() => receiver.points.some((point) => point.metric === 'etl.run.duration'));
  expect(receiver.spans).toEqual([]);
  expect(sumOf('etl.records', 'etl.stage', 'write')).toBe(10);
  expect(receiver.points.filter((p) => p.metric === 'etl.batch.duration')[0]?.count).toBeGreaterThanOrEqual(4);
});

it('replay --jobs 2: a session a worker\'s destination refuses is counted and marked on its batch span as with one pipeline', async () => {
  receiver.clear();
  const bundles = Array.from({ length: 30 }, (_, i) => sessionBundle(i, { seed: 'otel-refused' }));
  const victim = bundles[7]!;
  // A value longer than its column (255): staging refuses that session alone.
  bundles[7] = { ...victim, users: victim.users.map((user, i) => (i === 0 ? { ...user, os: 'x'.repeat(300) } : user)) };
  const report = join(dir, 'refused.xml');
  writeFileSync(report, reportHeader('pra') + bundles.map((bundle) => sessionXml(bundle, { product: 'pra' })).join('') + reportFooter());
  const env = otlpEnv();
  const cli = await runCli(['replay', report, '--to', `sqlite:${join(dir, 'refused.db')}`, '--batch', '5', '--jobs', '2'], { env });
  expect(cli.code, cli.stderr).toBe(1);
  expect(cli.stderr).toContain(`session ${victim.session.key.lsid}: `);
  await receiver.waitFor(() => receiver.points.some((point) => point.metric === 'etl.run.duration'));
  const batches = receiver.spans.filter((span) => span.name === 'etl.batch.write');
  expect(batches.reduce((total, span) => total + Number(span.attributes['etl.records.rejected']), 0)).toBe(1);
  expect(batches.reduce((total, span) => total + Number(span.attributes['etl.records.written']), 0)).toBe(29);
  expect(sumOf('etl.records', 'etl.stage', 'write')).toBe(29);
  const failures = receiver.points.filter((p) => p.metric === 'etl.failures').map((p) => [p.attributes['error.type'], p.attributes['etl.operation'], p.value]);
  expect(failures).toEqual([['value_too_long', 'session', 1]]);
});

it('replay of several files with --jobs 2: an etl.parse for the big file, with its pipelines\' batch spans, and one for the small one', async () => {
  receiver.clear();
  const first = join(dir, 'first.xml');
  const second = join(dir, 'second.xml');
  // Among several files only those of 16 MB or more are split.
  const big = await writeReport(first, { sessions: 450, product: 'pra', seed: 'otel-files-1' });
  expect(big.bytes).toBeGreaterThan(16_000_000);
  await writeReport(second, { sessions: 8, product: 'pra', seed: 'otel-files-2' });
  const env = otlpEnv();
  const cli = await runCli(['replay', first, second, '--to', `sqlite:${join(dir, 'files.db')}`, '--host', 'pra.example.com', '--batch', '50', '--jobs', '2'], { env });
  expect(cli.code, cli.stderr).toBe(0);
  expect(cli.stderr).toContain('replayed 2 files: 458 sessions');
  const run = spanTree(receiver.spans)[0]!;
  expect(run.children.map((child) => [child.span.name, child.span.attributes['etl.records.count']])).toEqual([['etl.parse', 450], ['etl.parse', 8]]);
  // The big file's batches came from two pipelines: more batches than one pipeline of 50 would make.
  expect(run.children[0]!.children.length).toBeGreaterThan(9);
  for (const parse of run.children) {
    const written = parse.children.filter((child) => child.span.name === 'etl.batch.write').reduce((total, child) => total + Number(child.span.attributes['etl.records.written']), 0);
    expect(written).toBe(parse.span.attributes['etl.records.count']);
  }
});
