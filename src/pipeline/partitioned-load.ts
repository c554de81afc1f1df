/**
 * Loads one report with several pipelines at once, one per core: this thread only reads the file
 * and cuts it into sessions (session-splitter.ts, no XML parsing), and routes each session by its
 * key to one of N worker threads; each worker parses its share, batches it with loadReport and
 * writes it over its own connection to the destination (partition-worker.ts). One pipeline on the
 * main thread is bound by one core (parse, stage, encode); N of them use N.
 *
 * Partitioning by key (lsid) keeps every guarantee of one pipeline: all copies of a session go to
 * the same worker, in report order, so the later copy still wins; each worker's batches are still
 * transactions, retried and bisected as before. Only the order in which different sessions commit
 * changes, which nothing depends on.
 *
 * The destination must take several writers at once (`BundleSink.acceptsConcurrentWriters`):
 * PostgreSQL and SQLite files do. A report with anything but sessions (listing rows, appliance
 * errors, a session without lsid, damaged XML) returns `notSplittable`; the caller loads it with one
 * pipeline, which handles those exactly as always. Loading is idempotent, so sessions the workers
 * had already committed are simply replaced by the same rows.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { context } from '@opentelemetry/api';
import { EtlError, type EtlErrorCode, type ErrorStage } from '../errors.ts';
import { recordForwarded, workerTelemetryLink, type ForwardedTelemetry } from '../telemetry/forwarded-telemetry.ts';
import type { FromPartition, PartitionStart, PartitionStats, ToPartition, WireFailure } from './partition-protocol.ts';
import { NotSplittableError, SessionSplitter } from './session-splitter.ts';
import { WriteTurn } from './write-turn.ts';

export type { PartitionStats, RefusedSession } from './partition-protocol.ts';

export interface PartitionedLoadOptions extends Omit<PartitionStart, 'load' | 'writeTurn'> {
  readonly load?: PartitionStart['load'];
  /** Worker threads, each with its own connection. Default: {@link defaultPartitions}. */
  readonly partitions?: number;
  readonly signal: AbortSignal;
}

export type PartitionedOutcome =
  | { readonly loaded: PartitionStats; readonly partitions: number }
  /** Why one pipeline must load this report instead (nothing is lost: see the module comment). */
  | { readonly notSplittable: string };

/** Reports smaller than this load with one pipeline: starting workers and connections costs more than it saves. */
export const PARTITIONED_MIN_BYTES = 16_000_000;

/** One pipeline per core, at most 4 (each holds a database connection). */
export function defaultPartitions(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/** Bytes sent to a worker per message: the file source's chunk size (stages/sources/file-source.ts, CHUNK_BYTES says why). */
const MESSAGE_BYTES = 1 << 16;
/** Messages a worker may have queued (1 MB) before the reading waits for it. */
const MESSAGES_AHEAD = 16;
/** A partition's batches close at this many bytes of XML (one pipeline's default is 2 MB). */
const PARTITION_BATCH_BYTES = 1_000_000;
const WORKER_URL = new URL('./partition-worker.ts', import.meta.url);
/** Each worker's young generation, in MB: parsing allocates fast, and V8 would grow it to over 100 MB, all resident. */
const YOUNG_GENERATION_MB = 16;

/** FNV-1a: a cheap, stable spread of keys over the partitions. */
function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % partitions;
}

type Finished = Exclude<FromPartition, { type: 'ack' } | { type: 'telemetry' }>;

/** One worker and what is on its way to it: full messages wait here until it has room. */
class Lane {
  readonly finished: Promise<Finished>;
  readonly #worker: Worker;
  #unacknowledged = 0;
  /** Full messages not sent yet (the worker is busy). */
  #ready: Buffer[] = [];
  #filling: Buffer | undefined;
  #filled = 0;
  #primed = false;
  #done = false;
  #roomOrDone: (() => void) | undefined;

  constructor(start: PartitionStart, onTelemetry: (item: ForwardedTelemetry) => void) {
    this.#worker = new Worker(WORKER_URL, { workerData: start, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    this.finished = new Promise<Finished>((resolve) => {
      const finish = (message: Finished) => {
        this.#done = true;
        this.#wake();
        resolve(message);
      };
      this.#worker.on('message', (message: FromPartition) => {
        if (message.type === 'ack') {
          this.#unacknowledged--;
          this.#wake();
        } else if (message.type === 'telemetry') {
          onTelemetry(message.item);
        } else {
          finish(message);
        }
      });
      this.#worker.on('error', (error) => finish({ type: 'failed', error: { message: error.message, ...(error.stack === undefined ? {} : { stack: error.stack }) } }));
      this.#worker.on('exit', (code) => finish({ type: 'failed', error: { message: `a load worker stopped unexpectedly (exit code ${code})` } }));
    });
  }

  get done(): boolean {
    return this.#done;
  }

  /**
   * Queues bytes of this worker's document (copied: a session is a view only valid during the
   * splitter's call). Messages are cut at MESSAGE_BYTES whatever the session boundaries: the
   * parser reads a stream, and chunks that size decode to short-lived strings.
   */
  add(bytes: Buffer, prolog: Buffer): void {
    if (!this.#primed) {
      this.#primed = true;
      this.add(prolog, prolog);
    }
    let at = 0;
    while (at < bytes.length) {
      // Never from Buffer's shared pool: the message transfers the whole ArrayBuffer.
      this.#filling ??= Buffer.allocUnsafeSlow(MESSAGE_BYTES);
      const copied = bytes.copy(this.#filling, this.#filled, at);
      this.#filled += copied;
      at += copied;
      if (this.#filled === this.#filling.length) this.#seal();
    }
  }

  /** Sends what is ready, waiting while the worker has MESSAGES_AHEAD messages queued (or until cancelled). */
  async send(signal?: AbortSignal): Promise<void> {
    while (this.#ready.length > 0 && !this.#done) {
      signal?.throwIfAborted();
      if (this.#unacknowledged >= MESSAGES_AHEAD) {
        await new Promise<void>((resolve) => (this.#roomOrDone = resolve));
        continue;
      }
      const bytes = this.#ready.shift() as Buffer;
      this.#unacknowledged++;
      this.#post({ type: 'bytes', bytes }, [bytes.buffer as ArrayBuffer]);
    }
  }

  /** Sends the rest and the closing root tag, then the end. */
  async end(prolog: Buffer, epilogue: Buffer): Promise<void> {
    this.add(epilogue, prolog);
    this.#seal();
    await this.send();
    this.#post({ type: 'end' });
  }

  cancel(): void {
    this.#post({ type: 'cancel' });
    this.#wake();
  }

  /** Stops waiting for room (the caller is cancelling). */
  interrupt(): void {
    this.#wake();
  }

  async terminate(): Promise<void> {
    await this.#worker.terminate();
  }

  /** Whether a full message is waiting to be sent. */
  get hasFullMessage(): boolean {
    return this.#ready.length > 0;
  }

  #seal(): void {
    if (this.#filling === undefined || this.#filled === 0) return;
    this.#ready.push(this.#filling.subarray(0, this.#filled));
    this.#filling = undefined;
    this.#filled = 0;
  }

  #post(message: ToPartition, transfer: ArrayBuffer[] = []): void {
    if (!this.#done) this.#worker.postMessage(message, transfer);
  }

  #wake(): void {
    const resolve = this.#roomOrDone;
    this.#roomOrDone = undefined;
    resolve?.();
  }
}

/** Loads a report's `bytes` with `partitions` pipelines into `destination`; see the module comment. */
export async function loadPartitioned(bytes: AsyncIterable<Uint8Array>, options: PartitionedLoadOptions): Promise<PartitionedOutcome> {
  const partitions = Math.max(1, Math.floor(options.partitions ?? defaultPartitions()));
  // N pipelines hold N times the batches: each closes its batches at 1 MB of XML (one pipeline:
  // 2 MB), which keeps two of them within the memory one pipeline needs plus a worker's heap.
  // The workers' batch spans belong under the span active now (replay's etl.parse).
  const telemetry = workerTelemetryLink();
  const parentContext = context.active();
  const start: PartitionStart = {
    destination: options.destination, parse: options.parse, load: { maxBatchBytes: PARTITION_BATCH_BYTES, ...options.load }, writeTurn: WriteTurn.newBuffer(),
    ...(telemetry === undefined ? {} : { telemetry }),
  };
  const lanes = Array.from({ length: partitions }, () => new Lane(start, (item) => recordForwarded(item, parentContext)));
  // The lane of the report's last session: its worker parsed that session last, so its last host is the report's.
  let lastLane = 0;
  const splitter = new SessionSplitter((lsid, session) => {
    lastLane = partitionOf(lsid, partitions);
    (lanes[lastLane] as Lane).add(session, splitter.prolog as Buffer);
  });
  const stopAll = async (): Promise<Finished[]> => {
    for (const lane of lanes) lane.cancel();
    return Promise.all(lanes.map((lane) => lane.finished));
  };
  const onAbort = () => {
    for (const lane of lanes) lane.interrupt();
  };
  options.signal.addEventListener('abort', onAbort, { once: true });
  try {
    try {
      // A read that waits (a pipe whose writer stalls) must not hold up cancelling.
      const cancelled = new Promise<never>((_, reject) => options.signal.addEventListener('abort', () => reject(options.signal.reason as Error), { once: true }));
      cancelled.catch(() => undefined);
      const reader = bytes[Symbol.asyncIterator]();
      let reading: Promise<IteratorResult<Uint8Array>> | undefined;
      try {
        for (;;) {
          reading = reader.next();
          const next = await Promise.race([reading, cancelled]);
          reading = undefined;
          if (next.done === true || lanes.some((lane) => lane.done)) break;
          splitter.push(next.value);
          for (const lane of lanes) if (lane.hasFullMessage) await lane.send(options.signal);
        }
      } finally {
        // Close the file; after the read that is still waiting, if any (it may never end).
        if (reading === undefined) await reader.return?.();
        else void reading.then(() => reader.return?.(), () => undefined);
      }
      options.signal.throwIfAborted();
      if (!lanes.some((lane) => lane.done)) {
        splitter.end();
        const prolog = splitter.prolog as Buffer;
        await Promise.all(lanes.map((lane) => lane.end(prolog, splitter.epilogue)));
      }
    } catch (error) {
      await stopAll();
      if (error instanceof NotSplittableError) return { notSplittable: error.message };
      throw error;
    }
    // A worker that finished early ended the reading: the others are told to stop.
    if (lanes.some((lane) => lane.done)) for (const lane of lanes) if (!lane.done) lane.cancel();
    const results = await Promise.all(lanes.map((lane) => lane.finished));
    const failed = results.find((result) => result.type === 'failed');
    if (failed !== undefined) throw fromWire(failed.error);
    const odd = results.find((result) => result.type === 'not-splittable');
    if (odd !== undefined) return { notSplittable: odd.reason };
    const stats = results.map((result) => (result as Extract<Finished, { type: 'done' }>).stats);
    const loaded = sum(stats);
    const lastHost = stats[lastLane]?.lastHost;
    if (lastHost !== undefined) loaded.lastHost = lastHost;
    return { loaded, partitions };
  } finally {
    options.signal.removeEventListener('abort', onAbort);
    await Promise.all(lanes.map((lane) => lane.terminate()));
  }
}

function sum(all: readonly PartitionStats[]): PartitionStats {
  const total: PartitionStats = { sessions: 0, written: 0, batches: 0, xmlBytes: 0, records: 0, rows: {}, refused: [] };
  for (const stats of all) {
    total.sessions += stats.sessions;
    total.written += stats.written;
    total.batches += stats.batches;
    total.xmlBytes += stats.xmlBytes;
    total.records += stats.records;
    for (const [table, rows] of Object.entries(stats.rows)) total.rows[table] = (total.rows[table] ?? 0) + rows;
    total.refused.push(...stats.refused);
  }
  return total;
}

/** A worker's failure as the error one pipeline would have thrown (same message, code and stage: same exit status). */
function fromWire(error: WireFailure): Error {
  const rebuilt = error.code !== undefined && error.stage !== undefined
    ? new EtlError(error.message, error.code as EtlErrorCode, error.stage as ErrorStage)
    : new Error(error.message);
  if (error.stack !== undefined) rebuilt.stack = error.stack;
  return rebuilt;
}
