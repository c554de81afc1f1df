/**
 * Drives report items into a BundleSink: sessions are grouped into batches, each batch is handed to
 * the sink and awaited before more input is pulled (so a slow sink slows the parser: backpressure),
 * rejected sessions and appliance error documents are collected for the caller to report.
 */
import type { ReportErrorRecord, ReportItem } from '../records.ts';
import type { ParseError } from '../errors.ts';
import type { BundleSink, RejectedSession, StageContext } from '../stage.ts';
import type { SessionBundle } from '../records.ts';

export interface LoadOptions {
  readonly ctx: StageContext;
  /** Sessions per batch. Default 500. */
  readonly maxBatchSessions?: number;
}

export interface LoadStats {
  /** Sessions the parser produced. */
  sessions: number;
  /** Sessions the sink durably wrote. */
  written: number;
  /** Sessions the parser rejected (e.g. no lsid). */
  readonly parseRejected: ParseError[];
  /** Sessions the sink refused (bad value, constraint), isolated from their batch. */
  readonly sinkRejected: RejectedSession[];
  /** `<error>` documents the appliance sent. */
  readonly reportErrors: ReportErrorRecord[];
  /** Bytes of session XML seen. */
  xmlBytes: number;
}

export async function loadReport(items: AsyncIterable<ReportItem>, sink: BundleSink, options: LoadOptions): Promise<LoadStats> {
  const { ctx } = options;
  const maxBatch = options.maxBatchSessions ?? 500;
  const stats: LoadStats = { sessions: 0, written: 0, parseRejected: [], sinkRejected: [], reportErrors: [], xmlBytes: 0 };
  let batch: SessionBundle[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const result = await sink.writeBatch(batch, ctx);
    stats.written += result.written;
    stats.sinkRejected.push(...result.rejected);
    batch = [];
  };
  await sink.connect(ctx);
  // A damaged document (thrown by the parser while we pull the next item) still loads every complete
  // session before the damage: flush and close, then rethrow. A failing sink aborts instead, rolling
  // back its open batch. Pulling by hand keeps the two kinds of failure apart.
  const iterator = items[Symbol.asyncIterator]();
  let sourceError: unknown;
  try {
    for (;;) {
      let next: IteratorResult<ReportItem>;
      try {
        next = await iterator.next();
      } catch (error) {
        sourceError = error;
        break;
      }
      if (next.done) break;
      ctx.signal.throwIfAborted();
      const item = next.value;
      if (item.type === 'session') {
        stats.sessions++;
        stats.xmlBytes += item.bundle.xmlBytes;
        batch.push(item.bundle);
        if (batch.length >= maxBatch) await flush();
      } else if (item.type === 'rejected') {
        stats.parseRejected.push(item.error);
      } else if (item.type === 'error') {
        stats.reportErrors.push(item.error);
      }
    }
    if (sourceError === undefined || !ctx.signal.aborted) await flush();
  } catch (error) {
    await iterator.return?.();
    await sink.abort(error);
    throw error;
  }
  if (ctx.signal.aborted) {
    await sink.abort(sourceError ?? ctx.signal.reason);
    throw sourceError ?? ctx.signal.reason;
  }
  await sink.close();
  if (sourceError !== undefined) throw sourceError;
  return stats;
}
