import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../../src/errors.ts';
import { loadReport } from '../../../src/pipeline/load-report.ts';
import type { ReportItem, SessionBundle } from '../../../src/records.ts';
import { silentLogger, type BatchResult, type BundleSink, type StageContext } from '../../../src/stage.ts';
import { generatedBundles } from '../../helpers/sql-bundles.ts';

const ctx = (signal = new AbortController().signal): StageContext => ({ signal, logger: silentLogger });

/** An in-memory sink that records what it was asked to do; writes wait for `gate` when given. */
class RecordingSink implements BundleSink {
  readonly type = 'recording';
  readonly batches: string[][] = [];
  readonly events: string[] = [];
  writing = 0;
  maxWriting = 0;
  closed = 0;
  aborted: unknown[] = [];
  gate: Promise<void> | undefined;
  failOnBatch: number | undefined;
  writeDelayMs = 0;

  async connect(): Promise<void> {}

  async writeBatch(batch: readonly SessionBundle[]): Promise<BatchResult> {
    const n = this.batches.push(batch.map((b) => b.session.key.lsid));
    this.events.push(`start ${n}`);
    this.writing++;
    this.maxWriting = Math.max(this.maxWriting, this.writing);
    try {
      if (this.gate !== undefined) await this.gate;
      if (this.writeDelayMs > 0) await sleep(this.writeDelayMs);
      if (this.failOnBatch === n) throw new Error(`batch ${n} failed`);
      return { written: batch.length, rejected: [] };
    } finally {
      this.writing--;
      this.events.push(`end ${n}`);
    }
  }

  async close(): Promise<void> {
    this.closed++;
  }

  async abort(reason: unknown): Promise<void> {
    this.aborted.push(reason);
  }
}

const bundles = generatedBundles(23, { seed: 'loader' });

/** Yields the bundles as report items, counting how many were pulled. */
function source(list: readonly SessionBundle[], options: { pauseAfter?: number; pauseMs?: number; failAfter?: number } = {}) {
  const state = { pulled: 0 };
  async function* items(): AsyncGenerator<ReportItem> {
    for (const bundle of list) {
      if (options.failAfter !== undefined && state.pulled === options.failAfter) throw new ParseError('truncated', { source: 'x.xml', line: 9 }, 'xml_truncated');
      if (options.pauseAfter !== undefined && state.pulled === options.pauseAfter) await sleep(options.pauseMs ?? 0);
      state.pulled++;
      yield { type: 'session', bundle };
    }
  }
  return { state, items: items() };
}

describe('loadReport', () => {
  it('lets go of written sessions while the run goes on (memory stays bounded)', async () => {
    setFlagsFromString('--expose_gc');
    const gc = runInNewContext('gc') as () => void;
    const refs: WeakRef<SessionBundle>[] = [];
    let alive = -1;
    async function* items(): AsyncGenerator<ReportItem> {
      for (let i = 0; i < 60; i++) {
        const [bundle] = generatedBundles(1, { seed: 'gc' }, i) as [SessionBundle];
        refs.push(new WeakRef(bundle));
        yield { type: 'session', bundle };
        if (i === 59) {
          await sleep(20);
          gc();
          alive = refs.slice(0, 40).filter((ref) => ref.deref() !== undefined).length;
        }
      }
    }
    await loadReport(items(), new RecordingSink(), { ctx: ctx(), maxBatchSessions: 5, maxInFlightBatches: 1 });
    expect(alive).toBe(0);
  });

  it('closes batches at the count limit and writes every session once', async () => {
    const sink = new RecordingSink();
    const stats = await loadReport(source(bundles).items, sink, { ctx: ctx(), maxBatchSessions: 5 });
    expect(sink.batches.map((b) => b.length)).toEqual([5, 5, 5, 5, 3]);
    expect(sink.batches.flat()).toEqual(bundles.map((b) => b.session.key.lsid));
    expect(stats).toMatchObject({ sessions: 23, written: 23, batches: 5 });
    expect(sink.closed).toBe(1);
  });

  it('closes a batch at the age limit while the source is still waiting', async () => {
    const sink = new RecordingSink();
    const { state, items } = source(bundles.slice(0, 6), { pauseAfter: 3, pauseMs: 400 });
    const pulledAtWrite: number[] = [];
    const original = sink.writeBatch.bind(sink);
    sink.writeBatch = async (batch) => {
      pulledAtWrite.push(state.pulled);
      return original(batch);
    };
    await loadReport(items, sink, { ctx: ctx(), maxBatchSessions: 100, maxBatchAgeMs: 50 });
    expect(sink.batches.map((b) => b.length)).toEqual([3, 3]);
    expect(pulledAtWrite[0]).toBe(3); // written during the source's pause, not after it
  });

  it('keeps at most maxInFlightBatches writing and stops pulling the source while they are (backpressure)', async () => {
    const sink = new RecordingSink();
    let release: () => void = () => {};
    sink.gate = new Promise((resolve) => {
      release = resolve;
    });
    const { state, items } = source(bundles);
    const done = loadReport(items, sink, { ctx: ctx(), maxBatchSessions: 2, maxInFlightBatches: 2 });
    await sleep(100);
    // Two batches writing, a third full one waiting: the parser is held at 3 batches' worth.
    expect(state.pulled).toBe(6);
    expect(sink.writing).toBe(2);
    release();
    await done;
    expect(sink.maxWriting).toBe(2);
    expect(state.pulled).toBe(23);
  });

  it('would run ahead without a slow sink (control for the test above)', async () => {
    const sink = new RecordingSink();
    const { state, items } = source(bundles);
    await loadReport(items, sink, { ctx: ctx(), maxBatchSessions: 2, maxInFlightBatches: 2 });
    expect(state.pulled).toBe(23);
  });

  it('never writes two batches holding the same session at the same time', async () => {
    const sink = new RecordingSink();
    sink.writeDelayMs = 30;
    const [a, b, c] = bundles as [SessionBundle, SessionBundle, SessionBundle];
    const { items } = source([a, b, c, a]); // `a` again, in the second batch
    await loadReport(items, sink, { ctx: ctx(), maxBatchSessions: 2, maxInFlightBatches: 3 });
    expect(sink.events).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
    const parallel = new RecordingSink();
    parallel.writeDelayMs = 30;
    await loadReport(source(bundles.slice(0, 4)).items, parallel, { ctx: ctx(), maxBatchSessions: 2, maxInFlightBatches: 3 });
    expect(parallel.events).toEqual(['start 1', 'start 2', 'end 1', 'end 2']); // distinct sessions do overlap
  });

  it('aborts the sink and stops reading when a write fails', async () => {
    const sink = new RecordingSink();
    sink.failOnBatch = 2;
    sink.writeDelayMs = 10;
    const { state, items } = source(bundles);
    await expect(loadReport(items, sink, { ctx: ctx(), maxBatchSessions: 2, maxInFlightBatches: 1 })).rejects.toThrow('batch 2 failed');
    expect(sink.aborted).toHaveLength(1);
    expect(sink.closed).toBe(0);
    expect(state.pulled).toBeLessThan(10);
  });

  it('still loads every session before a damaged part of the document, then reports the damage', async () => {
    const sink = new RecordingSink();
    const { items } = source(bundles, { failAfter: 7 });
    await expect(loadReport(items, sink, { ctx: ctx(), maxBatchSessions: 5 })).rejects.toThrow(/x\.xml:9: truncated/);
    expect(sink.batches.flat()).toHaveLength(7);
    expect(sink.closed).toBe(1);
    expect(sink.aborted).toEqual([]);
  });

  it('rolls back (aborts the sink) when the run is cancelled, even while the source is stalled', async () => {
    const sink = new RecordingSink();
    const controller = new AbortController();
    const { state, items } = source(bundles, { pauseAfter: 4, pauseMs: 2_000 });
    const done = loadReport(items, sink, { ctx: ctx(controller.signal), maxBatchSessions: 2 });
    await sleep(50);
    controller.abort(new Error('SIGTERM'));
    await expect(done).rejects.toThrow('SIGTERM');
    expect(state.pulled).toBe(4); // rejected before the stalled source produced its next item
    expect(sink.aborted).toHaveLength(1);
    expect(sink.closed).toBe(0);
  });
});
