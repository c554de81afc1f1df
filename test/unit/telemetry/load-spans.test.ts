/**
 * A report parsed and loaded into a real SQLite destination, as pull and replay run it:
 * etl.parse around loadReport, its etl.batch.write children with rows per table and the dialect,
 * and the parse/write metrics.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateReport } from '../../../fixtures/generator/generate-report.ts';
import { openDestination } from '../../../sinks/destinations.ts';
import { loadReport } from '../../../src/pipeline/load-report.ts';
import { silentLogger } from '../../../src/stage.ts';
import { traceParse } from '../../../src/telemetry/parse-span.ts';
import { withSpan } from '../../../src/telemetry/tracing.ts';
import { parseReport } from '../../../stages/parsers/session-report-parser.ts';
import { childrenOf, startInMemoryTelemetry, type InMemoryTelemetry } from '../../helpers/in-memory-telemetry.ts';

let telemetry: InMemoryTelemetry;
const dir = mkdtempSync(join(tmpdir(), 'sra-otel-load-'));

beforeAll(async () => {
  telemetry = await startInMemoryTelemetry();
});
afterAll(async () => {
  await telemetry.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

it('etl.parse holds one etl.batch.write per batch, with records, bytes, rows per table and the SQL dialect', async () => {
  const sink = await openDestination(`sqlite:${join(dir, 'sra.db')}`, { logger: silentLogger });
  const ctx = { signal: new AbortController().signal, logger: silentLogger };
  const stats = await withSpan('etl.window', {}, () => traceParse({ 'etl.report': 'AccessSession' }, () =>
    loadReport(parseReport(generateReport({ sessions: 25, product: 'pra', seed: 7 }), { source: 'generated.xml', host: 'support.example.com' }), sink, { ctx, maxBatchSessions: 10 })));
  expect(stats).toMatchObject({ sessions: 25, written: 25, batches: 3 });

  const spans = await telemetry.spans();
  const parse = spans.find((s) => s.name === 'etl.parse');
  expect(parse?.attributes).toEqual({
    'etl.report': 'AccessSession',
    'etl.records.count': 25,
    'etl.bytes.count': stats.xmlBytes,
    'etl.records.written': 25,
    'etl.records.rejected': 0,
  });
  const writes = childrenOf(spans, parse!).filter((s) => s.name === 'etl.batch.write');
  expect(writes.map((s) => s.attributes['etl.records.count'])).toEqual([10, 10, 5]);
  for (const write of writes) {
    expect(write.attributes).toMatchObject({ 'etl.sink.type': 'sqlite', 'db.system.name': 'sqlite', 'etl.sql.dialect': 'sqlite', 'db.operation.batch.size': write.attributes['etl.records.count'] });
    // rows per table: the session table has one row per session; child tables at least as many rows in total
    expect(write.attributes['etl.rows.table.session']).toBe(write.attributes['etl.records.count']);
    expect(Number(write.attributes['etl.rows.total'])).toBeGreaterThan(Number(write.attributes['etl.records.count']));
  }
  const sum = (metric: string, stage: string) => (telemetry.metrics().then((all) => all.find((m) => m.descriptor.name === metric)?.dataPoints.find((p) => p.attributes['etl.stage'] === stage)?.value));
  expect(await sum('etl.records', 'parse')).toBe(25);
  expect(await sum('etl.records', 'write')).toBe(25);
  expect(await sum('etl.bytes', 'parse')).toBe(stats.xmlBytes);
});
