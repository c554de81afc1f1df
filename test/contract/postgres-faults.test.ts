/**
 * A connection dropped mid-batch, for real: another session runs pg_terminate_backend on the
 * loader's backend while its transaction is open. The batch is retried on a new connection and
 * lands exactly once; with retries exhausted, nothing of it is left behind.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PostgresDriver } from '../../sinks/sql/postgres/postgres-driver.ts';
import { SqlSink } from '../../sinks/sql/sql-sink.ts';
import { redactUrl } from '../../sinks/sql/sql-redact.ts';
import type { SinkWriteError } from '../../src/errors.ts';
import { expectedRowCounts, generatedBundles } from '../helpers/sql-bundles.ts';
import { postgresHarness, tableCounts, type SqlHarness } from '../helpers/sql-harness.ts';
import { ctx } from './sql-sink-contract.ts';

/** Terminates the first sra-etl backend seen inside a transaction; resolves with its pid. */
async function terminateMidTransaction(adminUrl: string, database: string, signal: AbortSignal): Promise<number> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    while (!signal.aborted) {
      const { rows } = await admin.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'sra-etl' AND xact_start IS NOT NULL AND state IN ('active', 'idle in transaction')",
        [database],
      );
      const pid = rows[0]?.pid;
      if (pid !== undefined) {
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        return pid;
      }
    }
    throw new Error('no transaction seen');
  } finally {
    await admin.end();
  }
}

describe('postgres: connection dropped mid-batch', () => {
  let h: SqlHarness;
  let baseUrl: string;
  beforeAll(() => {
    baseUrl = inject('postgresUrl');
    h = postgresHarness(baseUrl);
  });
  afterAll(async () => {
    await h.dispose();
  });

  const sinkFor = (spec: string, attempts: number) =>
    new SqlSink(new PostgresDriver({ connectionString: spec, displayName: redactUrl(spec) }), { retry: { attempts, baseMs: 20, maxMs: 100 } });

  it('retries the batch on a new connection and loads it exactly once', async () => {
    const spec = h.freshSpec();
    const bundles = generatedBundles(150, { seed: 'drop' });
    const sink = sinkFor(spec, 5);
    await sink.connect(ctx());
    const stop = new AbortController();
    const killer = terminateMidTransaction(`${baseUrl}/postgres`, new URL(spec).pathname.slice(1), stop.signal);
    const result = await sink.writeBatch(bundles, ctx());
    stop.abort();
    const killed = await killer;
    expect(killed).toBeGreaterThan(0);
    expect(result).toEqual({ written: 150, rejected: [] });
    expect(sink.stats.retries).toBeGreaterThanOrEqual(1);
    await sink.close();
    expect(await tableCounts(h, spec)).toEqual(expectedRowCounts(bundles));
  });

  it('leaves no partial batch when the retries run out', async () => {
    const spec = h.freshSpec();
    const first = generatedBundles(5, { seed: 'drop2' });
    const bundles = generatedBundles(150, { seed: 'drop2' }, 5);
    const sink = sinkFor(spec, 1);
    await sink.connect(ctx());
    await sink.writeBatch(first, ctx());
    const stop = new AbortController();
    const killer = terminateMidTransaction(`${baseUrl}/postgres`, new URL(spec).pathname.slice(1), stop.signal);
    const error = (await sink.writeBatch(bundles, ctx()).then(() => undefined, (e: unknown) => e)) as SinkWriteError | undefined;
    stop.abort();
    await killer;
    expect(error?.code).toBe('connection');
    expect(error?.retriable).toBe(true);
    expect(error?.message).toMatch(/postgres:\/\/postgres:\*\*\*@/);
    expect(error?.message).not.toContain(new URL(baseUrl).password);
    await sink.abort(error);
    expect(await tableCounts(h, spec)).toEqual(expectedRowCounts(first));
  });
});
