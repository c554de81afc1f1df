/**
 * Worker thread hosting the SQLite writer. node:sqlite is synchronous, so writing on the main thread
 * would stop the parser for every batch; here the parser and SQLite run on two cores. Messages are
 * answered in order: `{ id, ok: true, value }` or `{ id, ok: false, error }` with the error's
 * message and SQLite codes (errors do not survive postMessage with their properties).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteWriter, type SqliteWriterOptions, type WireTables } from './sqlite-writer.ts';
import type { QuarantineRow } from '../dialect.ts';

export type WorkerRequest =
  | { readonly id: number; readonly op: 'ensureSchema' }
  | { readonly id: number; readonly op: 'write'; readonly tables: WireTables }
  | { readonly id: number; readonly op: 'quarantine'; readonly rows: readonly QuarantineRow[] }
  | { readonly id: number; readonly op: 'close' };

export interface WorkerError {
  readonly message: string;
  readonly code?: string;
  readonly errcode?: number;
  readonly errstr?: string;
}

export type WorkerResponse = { readonly id: number; readonly ok: true; readonly value?: unknown } | { readonly id: number; readonly ok: false; readonly error: WorkerError };

const { path, options } = workerData as { path: string; options: SqliteWriterOptions };
const port = parentPort;
if (port === null) throw new Error('sqlite-worker.ts must run in a worker thread');

let writer: SqliteWriter | undefined;

function errorShape(error: unknown): WorkerError {
  if (!(error instanceof Error)) return { message: String(error) };
  const e = error as Error & { code?: unknown; errcode?: unknown; errstr?: unknown };
  return {
    message: e.message,
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.errcode === 'number' ? { errcode: e.errcode } : {}),
    ...(typeof e.errstr === 'string' ? { errstr: e.errstr } : {}),
  };
}

port.on('message', (request: WorkerRequest) => {
  try {
    writer ??= new SqliteWriter(path, options);
    let value: unknown;
    if (request.op === 'ensureSchema') value = writer.ensureSchema();
    else if (request.op === 'write') writer.write(request.tables);
    else if (request.op === 'quarantine') writer.quarantine(request.rows);
    else {
      writer.close();
      port.postMessage({ id: request.id, ok: true } satisfies WorkerResponse);
      port.close();
      return;
    }
    port.postMessage({ id: request.id, ok: true, value } satisfies WorkerResponse);
  } catch (error) {
    port.postMessage({ id: request.id, ok: false, error: errorShape(error) } satisfies WorkerResponse);
  }
});
