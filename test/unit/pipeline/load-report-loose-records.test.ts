/**
 * loadReport hands listing rows and appliance errors to sinks that take them (writeRecords),
 * between session batches, so a sink sees the report's order; sinks without writeRecords still
 * get every session and the rows are counted.
 */
import { describe, expect, it } from 'vitest';
import { loadReport } from '../../../src/pipeline/load-report.ts';
import type { ReportItem, SessionBundle } from '../../../src/records.ts';
import { silentLogger, type BatchResult, type BundleSink, type LooseRecord } from '../../../src/stage.ts';
import { sessionBundles } from '../../helpers/session-bundles.ts';

const ctx = { signal: new AbortController().signal, logger: silentLogger };

class RecordingSink implements BundleSink {
  readonly type = 'recording';
  readonly calls: string[] = [];
  async connect(): Promise<void> {}
  async writeBatch(batch: readonly SessionBundle[]): Promise<BatchResult> {
    this.calls.push(`batch ${batch.map((bundle) => bundle.session.lseq).join(',')}`);
    return { written: batch.length, rejected: [] };
  }
  async close(): Promise<void> {
    this.calls.push('close');
  }
  async abort(): Promise<void> {
    this.calls.push('abort');
  }
}

class LooseSink extends RecordingSink {
  async writeRecords(records: readonly LooseRecord[]): Promise<void> {
    this.calls.push(`records ${records.map((record) => (record.kind === 'session_summary' ? record.key.lsid : record.message)).join(',')}`);
  }
}

async function* items(...list: ReportItem[]): AsyncGenerator<ReportItem> {
  yield* list;
}

const [s1, s2, s3] = sessionBundles(3) as [SessionBundle, SessionBundle, SessionBundle];
const session = (bundle: SessionBundle): ReportItem => ({ type: 'session', bundle });
const row = (lsid: string): ReportItem => ({ type: 'summary', summary: { kind: 'session_summary', key: { host: 'h', lsid }, hasRecording: false, externalKey: null, extra: [] }, origin: { source: 'l', index: 0 } });
const error = (message: string): ReportItem => ({ type: 'error', error: { kind: 'report_error', code: null, message, origin: { source: 'e', index: 0 } } });

describe('loadReport with loose records', () => {
  it('keeps the report order: sessions before a row are written before it', async () => {
    const sink = new LooseSink();
    const stats = await loadReport(items(session(s1), session(s2), row('r1'), row('r2'), error('oops'), session(s3), row('r3')), sink, { ctx, maxBatchSessions: 10 });
    expect(sink.calls).toEqual(['batch 1,2', 'records r1,r2,oops', 'batch 3', 'records r3', 'close']);
    expect(stats).toMatchObject({ sessions: 3, written: 3, summaries: 3 });
    expect(stats.reportErrors.map((record) => record.message)).toEqual(['oops']);
  });

  it('batches rows like sessions', async () => {
    const sink = new LooseSink();
    await loadReport(items(row('a'), row('b'), row('c')), sink, { ctx, maxBatchSessions: 2 });
    expect(sink.calls).toEqual(['records a,b', 'records c', 'close']);
  });

  it('still loads every session into a sink without writeRecords, counting the rows', async () => {
    const sink = new RecordingSink();
    const stats = await loadReport(items(session(s1), row('r1'), session(s2)), sink, { ctx });
    expect(sink.calls).toEqual(['batch 1,2', 'close']); // a row it cannot take does not split the batch
    expect(stats.summaries).toBe(1);
  });
});
