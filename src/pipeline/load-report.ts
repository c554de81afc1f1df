/**
 * Drives report items into a BundleSink. Sessions are grouped into batches that close when they
 * hold `maxBatchSessions` sessions or when their first session has waited `maxBatchAgeMs` (so a
 * slow source still lands its data promptly). Up to `maxInFlightBatches` batches are written at
 * once (p-queue); when that many are in flight the next full batch waits, and so does the parser,
 * which is only pulled between batches: a slow sink slows the parser all the way back (memory is
 * bounded by `maxInFlightBatches + 1` batches). Two batches never write the same session at the
 * same time: a batch holding a session that an in-flight batch also holds waits for it, so a later
 * copy of a session always lands after an earlier one.
 *
 * Listing rows and appliance error documents also go to the sink when it takes them
 * (`writeRecords`), queued between session batches so the report's order is kept.
 *
 * Rejected sessions and appliance error documents are collected for the caller to report. A
 * damaged document still loads every complete session before the damage (flush, close, rethrow);
 * a failing sink aborts the run, rolling back what it has open.
 */
import PQueue from 'p-queue';
import type { ParseError } from '../errors.ts';
import type { ReportErrorRecord, ReportItem, SessionBundle } from '../records.ts';
import type { BatchResult, BundleSink, LooseRecord, RejectedSession, StageContext } from '../stage.ts';

export interface LoadOptions {
  readonly ctx: StageContext;
  /** Sessions per batch. Default 500. */
  readonly maxBatchSessions?: number;
  /** A batch also closes once its sessions' XML reaches this many bytes (bounds memory for big sessions). Default 2000000. */
  readonly maxBatchBytes?: number;
  /** A batch is written once its first session has waited this long, in milliseconds, full or not. Default 5000. */
  readonly maxBatchAgeMs?: number;
  /** Batches being written at once; a further full batch (and the parser) waits. Default 2. */
  readonly maxInFlightBatches?: number;
  /** Called after each batch is written, in completion order. */
  readonly onBatch?: (result: BatchResult, sessions: number) => void;
}

export interface LoadStats {
  /** Sessions the parser produced. */
  sessions: number;
  /** Sessions the sink durably wrote. */
  written: number;
  /** Batches handed to the sink. */
  batches: number;
  /** Sessions the parser rejected (e.g. no lsid). */
  readonly parseRejected: ParseError[];
  /** Sessions the sink refused (bad value, constraint), isolated from their batch. */
  readonly sinkRejected: RejectedSession[];
  /** `<error>` documents the appliance sent. */
  readonly reportErrors: ReportErrorRecord[];
  /** Listing rows (`session_summary`) seen. */
  summaries: number;
  /** Bytes of session XML seen. */
  xmlBytes: number;
}

/** Why the wait for the next item was cut short; the loop then acts on the state, not the reason. */
type Interruption = 'age' | 'sink failed' | 'cancelled';

const keyOf = (bundle: SessionBundle): string => `${bundle.session.key.host}\u0000${bundle.session.key.lsid}`;

export async function loadReport(items: AsyncIterable<ReportItem>, sink: BundleSink, options: LoadOptions): Promise<LoadStats> {
  const { ctx } = options;
  const maxBatch = options.maxBatchSessions ?? 500;
  const maxBytes = options.maxBatchBytes ?? 2_000_000;
  const maxAgeMs = options.maxBatchAgeMs ?? 5000;
  const maxInFlight = options.maxInFlightBatches ?? 2;
  const stats: LoadStats = { sessions: 0, written: 0, batches: 0, parseRejected: [], sinkRejected: [], reportErrors: [], summaries: 0, xmlBytes: 0 };
  const queue = new PQueue({ concurrency: maxInFlight });
  /** Settles (never rejects) when the in-flight batch holding this session key is done. */
  const inFlight = new Map<string, Promise<void>>();
  let sinkFailure: { error: unknown } | undefined;

  // The wait for the next item can be cut short by the age timer, a failed write or cancellation
  // (a stalled appliance must not hold any of them up). One fresh promise per wait, dropped after
  // it: racing every item against one long-lived promise would pile reactions onto it that keep
  // every item (and its session) alive until the run ends.
  let wake: ((why: Interruption) => void) | undefined;
  const interrupt = (why: Interruption) => {
    const resolve = wake;
    wake = undefined;
    resolve?.(why);
  };

  let batch: SessionBundle[] = [];
  let batchBytes = 0;
  let ageTimer: NodeJS.Timeout | undefined;
  let ageDue = false;
  const stopAgeTimer = () => {
    if (ageTimer !== undefined) clearTimeout(ageTimer);
    ageTimer = undefined;
    ageDue = false;
  };

  const dispatch = async (): Promise<void> => {
    stopAgeTimer();
    if (batch.length === 0 || sinkFailure !== undefined) return;
    const current = batch;
    batch = [];
    batchBytes = 0;
    const conflicts = new Set<Promise<void>>();
    for (const bundle of current) {
      const busy = inFlight.get(keyOf(bundle));
      if (busy !== undefined) conflicts.add(busy);
    }
    if (conflicts.size > 0) await Promise.all(conflicts);
    stats.batches++;
    const settled: Promise<void> = queue.add(() => sink.writeBatch(current, ctx)).then(
      (result) => {
        stats.written += result.written;
        stats.sinkRejected.push(...result.rejected);
        options.onBatch?.(result, current.length);
      },
      (error: unknown) => {
        sinkFailure ??= { error };
        interrupt('sink failed');
      },
    ).finally(() => {
      for (const bundle of current) if (inFlight.get(keyOf(bundle)) === settled) inFlight.delete(keyOf(bundle));
    });
    for (const bundle of current) inFlight.set(keyOf(bundle), settled);
    // Backpressure: return (and pull more input) only once this batch has started writing, i.e.
    // at most maxInFlight batches are being written while the next one fills. A failed write
    // frees its slot too, so this never hangs.
    await queue.onSizeLessThan(1);
  };

  // Loose records (listing rows, appliance errors) queue behind the session batches before them, so
  // a sink that writes in call order (JSON Lines) keeps the report's order.
  let loose: LooseRecord[] = [];
  const flushLoose = async (): Promise<void> => {
    if (loose.length === 0 || sinkFailure !== undefined) return;
    const records = loose;
    loose = [];
    void queue.add(() => sink.writeRecords?.(records, ctx)).then(undefined, (error: unknown) => {
      sinkFailure ??= { error };
      interrupt('sink failed');
    });
    await queue.onSizeLessThan(1);
  };
  const addLoose = async (record: LooseRecord): Promise<void> => {
    if (batch.length > 0) await dispatch();
    loose.push(record);
    if (loose.length >= maxBatch) await flushLoose();
  };

  const onAbort = () => interrupt('cancelled');
  ctx.signal.addEventListener('abort', onAbort, { once: true });

  await sink.connect(ctx);
  // Pulling the iterator by hand keeps parser failures (a damaged document) apart from sink failures.
  const iterator = items[Symbol.asyncIterator]();
  let sourceError: unknown;
  let pending: Promise<IteratorResult<ReportItem>> | undefined;
  try {
    for (;;) {
      if (sinkFailure !== undefined) break;
      ctx.signal.throwIfAborted();
      if (ageDue) {
        await dispatch();
        continue;
      }
      pending ??= iterator.next();
      const interruption = new Promise<Interruption>((resolve) => {
        wake = resolve;
      });
      let next: IteratorResult<ReportItem> | Interruption;
      try {
        next = await Promise.race([pending, interruption]);
      } catch (error) {
        sourceError = error;
        pending = undefined;
        break;
      } finally {
        wake = undefined;
      }
      if (typeof next === 'string') continue; // handled at the top of the loop
      pending = undefined;
      if (next.done === true) break;
      const item = next.value;
      if (item.type === 'session') {
        if (loose.length > 0) await flushLoose();
        stats.sessions++;
        stats.xmlBytes += item.bundle.xmlBytes;
        batch.push(item.bundle);
        batchBytes += item.bundle.xmlBytes;
        if (batch.length === 1 && maxAgeMs > 0 && Number.isFinite(maxAgeMs)) {
          ageTimer = setTimeout(() => {
            ageDue = true;
            interrupt('age');
          }, maxAgeMs);
        }
        if (batch.length >= maxBatch || batchBytes >= maxBytes) await dispatch();
      } else if (item.type === 'rejected') {
        stats.parseRejected.push(item.error);
      } else if (item.type === 'error') {
        stats.reportErrors.push(item.error);
        if (sink.writeRecords) await addLoose(item.error);
      } else if (item.type === 'summary') {
        stats.summaries++;
        if (sink.writeRecords) await addLoose(item.summary);
      }
    }
    if (sinkFailure === undefined && !ctx.signal.aborted) {
      await dispatch();
      await flushLoose();
    }
    await queue.onIdle();
  } catch (error) {
    // Cancelled (or a bug): abort first, so in-flight writes roll back instead of finishing.
    stopAgeTimer();
    ctx.signal.removeEventListener('abort', onAbort);
    await sink.abort(error);
    await queue.onIdle();
    // The parser may be mid-read (a pending next()); ending it then would wait for that read.
    if (pending === undefined) await iterator.return?.();
    else void pending.then(() => iterator.return?.(), () => undefined);
    throw error;
  }
  stopAgeTimer();
  ctx.signal.removeEventListener('abort', onAbort);
  if (sinkFailure !== undefined) {
    if (sourceError === undefined && pending === undefined) await iterator.return?.();
    else if (sourceError === undefined) void pending?.then(() => iterator.return?.(), () => undefined);
    await sink.abort(sinkFailure.error);
    throw sinkFailure.error;
  }
  if (ctx.signal.aborted) {
    await sink.abort(sourceError ?? ctx.signal.reason);
    throw sourceError ?? ctx.signal.reason;
  }
  await sink.close();
  if (sourceError !== undefined) throw sourceError;
  return stats;
}
