/**
 * SqlDriver for SQLite: a proxy to the writer in a worker thread. Calls are answered in order; a
 * worker that dies (or is terminated by abort) rejects whatever was pending, and SQLite rolls back
 * the open transaction from its WAL the next time the file is opened.
 */
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { QuarantineRow, SchemaStatus, SqlDriver } from '../dialect.ts';
import type { ErrorClass } from '../sql-errors.ts';
import type { StagedBatch } from '../staged-batch.ts';
import { classifySqliteError } from './sqlite-errors.ts';
import type { WorkerError, WorkerRequest, WorkerResponse } from './sqlite-worker.ts';
import type { WriteTurn } from '../../../src/pipeline/write-turn.ts';
import type { SqliteWriter, SqliteWriterOptions, WireTables } from './sqlite-writer.ts';

/**
 * The writer thread's young generation, in MB. Every batch arrives as a fresh structured clone and
 * is garbage once written; left to its defaults V8 grows this thread's young generation to tens of
 * MB, all of it resident beside the main thread's.
 */
const WRITER_YOUNG_GENERATION_MB = 8;

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

/** Distributive Omit, so each request variant keeps its own fields. */
type RequestBody = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

function toError(shape: WorkerError): Error {
  return Object.assign(new Error(shape.message), shape);
}

export interface SqliteDriverOptions extends SqliteWriterOptions {
  /** Write in a worker thread of its own (default), or on the caller's thread when that is a worker already. */
  readonly writerThread?: boolean;
  /** Taken around every transaction on the caller's thread: other threads write to the same file (partitioned-load.ts). */
  readonly writeTurn?: WriteTurn;
}

export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite';
  readonly displayName: string;
  readonly #path: string;
  readonly #options: SqliteWriterOptions;
  readonly #writerThread: boolean;
  readonly #writeTurn: WriteTurn | undefined;
  /** The writer on this thread, when there is no writer thread. */
  #writer: SqliteWriter | undefined;
  #worker: Worker | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();

  constructor(path: string, options: SqliteDriverOptions = {}) {
    const { writerThread = true, writeTurn, ...writerOptions } = options;
    this.#writeTurn = writeTurn;
    this.#path = path === ':memory:' ? path : resolve(path);
    this.#options = writerOptions;
    this.#writerThread = writerThread;
    this.displayName = `sqlite:${path}`;
  }

  #start(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const worker = new Worker(new URL('./sqlite-worker.ts', import.meta.url), { workerData: { path: this.#path, options: this.#options }, resourceLimits: { maxYoungGenerationSizeMb: WRITER_YOUNG_GENERATION_MB } });
    worker.on('message', (response: WorkerResponse) => {
      const pending = this.#pending.get(response.id);
      if (pending === undefined) return;
      this.#pending.delete(response.id);
      if (response.ok) pending.resolve(response.value);
      else pending.reject(toError(response.error));
    });
    const fail = (error: Error) => {
      for (const pending of this.#pending.values()) pending.reject(error);
      this.#pending.clear();
      if (this.#worker === worker) this.#worker = undefined;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(Object.assign(new Error(`the SQLite writer thread exited (code ${code})`), { code: 'WORKER_EXIT' })));
    this.#worker = worker;
    return worker;
  }

  #call(request: RequestBody, signal?: AbortSignal): Promise<unknown> {
    if (!this.#writerThread) return this.#callHere(request, signal);
    const worker = this.#start();
    const id = this.#nextId++;
    return new Promise((resolvePromise, reject) => {
      this.#pending.set(id, { resolve: resolvePromise, reject });
      worker.postMessage({ ...request, id });
    });
  }

  /** The same requests, answered on this thread (errors keep their SQLite codes as they are). */
  async #callHere(request: RequestBody, signal?: AbortSignal): Promise<unknown> {
    if (request.op === 'close') {
      this.#writer?.close();
      this.#writer = undefined;
      return undefined;
    }
    const writer = (this.#writer ??= new (await import('./sqlite-writer.ts')).SqliteWriter(this.#path, this.#options));
    await this.#writeTurn?.take(signal);
    try {
      if (request.op === 'ensureSchema') return writer.ensureSchema();
      if (request.op === 'write') writer.write(request.tables);
      else writer.quarantine(request.rows);
      return undefined;
    } finally {
      this.#writeTurn?.give();
    }
  }

  async connect(_signal: AbortSignal): Promise<SchemaStatus> {
    return (await this.#call({ op: 'ensureSchema' })) as SchemaStatus;
  }

  async write(batch: StagedBatch, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const tables: WireTables = batch.tables.map((t) => [t.spec.name, t.width, t.values] as const);
    await this.#call({ op: 'write', tables }, signal);
  }

  async quarantine(rows: readonly QuarantineRow[]): Promise<string> {
    await this.#call({ op: 'quarantine', rows });
    return 'table rejected_session';
  }

  classify(error: unknown): ErrorClass {
    return classifySqliteError(error);
  }

  async reset(): Promise<void> {
    // The worker's connection survives BUSY errors; nothing to reopen.
  }

  async close(): Promise<void> {
    if (!this.#writerThread) {
      await this.#call({ op: 'close' });
      return;
    }
    const worker = this.#worker;
    if (worker === undefined) return;
    await this.#call({ op: 'close' }).catch(() => undefined);
    await worker.terminate();
    this.#worker = undefined;
  }

  async destroy(): Promise<void> {
    // On this thread nothing can be mid-write: closing rolls back the open transaction, if any.
    if (!this.#writerThread) {
      await this.#call({ op: 'close' });
      return;
    }
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker !== undefined) await worker.terminate();
  }
}
