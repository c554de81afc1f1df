/**
 * The dialect-agnostic core with a scripted driver: which sessions make the "database" fail is
 * decided per write, so bisecting, retrying and error wrapping can be checked exactly.
 */
import { describe, expect, it } from 'vitest';
import type { QuarantineRow, SchemaStatus, SqlDriver } from '../../../../sinks/sql/dialect.ts';
import { SessionRefusedError, type ErrorClass } from '../../../../sinks/sql/sql-errors.ts';
import { SqlSink } from '../../../../sinks/sql/sql-sink.ts';
import type { StagedBatch } from '../../../../sinks/sql/staged-batch.ts';
import type { SinkWriteError } from '../../../../src/errors.ts';
import { silentLogger } from '../../../../src/stage.ts';
import { generatedBundles } from '../../../helpers/sql-bundles.ts';

const ctx = () => ({ signal: new AbortController().signal, logger: silentLogger });

class ScriptedDriver implements SqlDriver {
  readonly dialect = 'sqlite';
  readonly displayName = 'postgres://loader:***@db/sra';
  readonly writes: string[][] = [];
  readonly committed: string[] = [];
  readonly quarantined: QuarantineRow[] = [];
  resets = 0;
  /** Sessions whose presence makes a write fail with a constraint error. */
  bad = new Set<string>();
  /** Writes that fail with a dropped connection before any data error is looked at. */
  dropsLeft = 0;

  async connect(): Promise<SchemaStatus> {
    return { databaseCreated: false, applied: [], version: 1 };
  }

  async write(batch: StagedBatch): Promise<void> {
    const lsids = batch.sessions.map((b) => b.session.key.lsid);
    this.writes.push(lsids);
    if (this.dropsLeft > 0) {
      this.dropsLeft--;
      throw Object.assign(new Error('Connection terminated unexpectedly'), { kind: 'drop' });
    }
    const bad = lsids.find((l) => this.bad.has(l));
    if (bad !== undefined) throw Object.assign(new Error('duplicate key value violates unique constraint "ux_session_event_session_id_seq"'), { kind: 'data' });
    this.committed.push(...lsids);
  }

  async quarantine(rows: readonly QuarantineRow[]): Promise<string> {
    this.quarantined.push(...rows);
    return 'table rejected_session';
  }

  classify(error: unknown): ErrorClass {
    const kind = (error as { kind?: string }).kind;
    if (kind === 'drop') return { retriable: true, dataError: false, code: 'connection' };
    if (kind === 'data') return { retriable: false, dataError: true, code: 'constraint_violation', table: 'session_event', column: 'seq' };
    return { retriable: false, dataError: false, code: 'sink_write' };
  }

  async reset(): Promise<void> {
    this.resets++;
  }

  async close(): Promise<void> {}
  async destroy(): Promise<void> {}
}

describe('SqlSink core', () => {
  it('isolates every bad session of a batch by bisecting and writes all the others', async () => {
    const bundles = generatedBundles(16, { seed: 'core' });
    const driver = new ScriptedDriver();
    const badLsids = [bundles[3], bundles[11]].map((b) => b?.session.key.lsid as string);
    driver.bad = new Set(badLsids);
    const sink = new SqlSink(driver);
    await sink.connect(ctx());
    const result = await sink.writeBatch(bundles, ctx());
    expect(result.written).toBe(14);
    expect(result.rejected.map((r) => r.bundle.session.key.lsid)).toEqual(badLsids);
    expect(new Set(driver.committed)).toEqual(new Set(bundles.map((b) => b.session.key.lsid).filter((l) => !badLsids.includes(l))));
    // 16 sessions, 2 bad: at most 1 + 2 * 2 * log2(16) writes, far fewer than one per session.
    expect(driver.writes.length).toBeLessThanOrEqual(17);
    const error = result.rejected[0]?.error as SessionRefusedError;
    expect(error).toBeInstanceOf(SessionRefusedError);
    expect(error.message).toContain(`session lsid=${badLsids[0]}`);
    expect(error.message).toContain('in session_event.seq');
    expect(error.message).toContain('(value size');
    expect(error.message).toContain('kept for inspection in table rejected_session of postgres://loader:***@db/sra');
    expect(driver.quarantined.map((q) => [q.lsid, q.tableName, q.columnName])).toEqual(badLsids.map((l) => [l, 'session_event', 'seq']));
    expect(sink.stats).toMatchObject({ sessions: 14, rejected: 2 });
  });

  it('retries a dropped connection on a fresh one and writes the batch once', async () => {
    const driver = new ScriptedDriver();
    driver.dropsLeft = 2;
    const sink = new SqlSink(driver, { retry: { attempts: 5, baseMs: 1, maxMs: 2 } });
    await sink.connect(ctx());
    const bundles = generatedBundles(4, { seed: 'drop' });
    expect(await sink.writeBatch(bundles, ctx())).toEqual({ written: 4, rejected: [] });
    expect(driver.writes).toHaveLength(3);
    expect(driver.resets).toBe(2);
    expect(driver.committed).toHaveLength(4);
    expect(sink.stats.retries).toBe(2);
  });

  it('gives up after the last attempt with a connection error naming the destination, not its password', async () => {
    const driver = new ScriptedDriver();
    driver.dropsLeft = 10;
    const sink = new SqlSink(driver, { retry: { attempts: 3, baseMs: 1, maxMs: 2 } });
    await sink.connect(ctx());
    const error = (await sink.writeBatch(generatedBundles(2, { seed: 'down' }), ctx()).catch((e: unknown) => e)) as SinkWriteError;
    expect(error.code).toBe('connection');
    expect(error.retriable).toBe(true);
    expect(error.message).toBe('write to postgres://loader:***@db/sra failed: Connection terminated unexpectedly (gave up after 3 attempts; check that the database is reachable)');
    expect(driver.writes).toHaveLength(3);
  });

  it('writes batches in the order they were handed over, one at a time', async () => {
    const driver = new ScriptedDriver();
    const sink = new SqlSink(driver);
    await sink.connect(ctx());
    const a = generatedBundles(3, { seed: 'order' });
    const b = generatedBundles(3, { seed: 'order' }, 3);
    await Promise.all([sink.writeBatch(a, ctx()), sink.writeBatch(b, ctx())]);
    expect(driver.committed).toEqual([...a, ...b].map((x) => x.session.key.lsid));
  });

  it('refuses writes after abort', async () => {
    const sink = new SqlSink(new ScriptedDriver());
    await sink.connect(ctx());
    await sink.abort(new Error('stop'));
    await expect(sink.writeBatch(generatedBundles(1), ctx())).rejects.toMatchObject({ code: 'aborted' });
  });
});
