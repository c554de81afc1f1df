/**
 * SQLite error classification. node:sqlite errors carry `errcode` (the extended result code) and
 * `errstr`; the primary code is its low byte. BUSY and LOCKED are transient (another connection
 * holds the lock past busy_timeout); CONSTRAINT, TOOBIG and MISMATCH are caused by the data.
 */
import type { ErrorClass } from '../sql-errors.ts';

const BUSY = 5;
const LOCKED = 6;
const TOOBIG = 18;
const CONSTRAINT = 19;
const MISMATCH = 20;

/** `NOT NULL constraint failed: session_event.seq` -> table and column. */
const CONSTRAINT_TARGET = /constraint failed: ([A-Za-z_][\w]*)\.([A-Za-z_][\w]*)/;

export function classifySqliteError(error: unknown): ErrorClass {
  const e = error as { errcode?: unknown; code?: unknown; message?: unknown; name?: unknown } | null;
  if (e?.name === 'AbortError') return { retriable: false, dataError: false, code: 'aborted' };
  const errcode = typeof e?.errcode === 'number' ? e.errcode : undefined;
  if (errcode === undefined) return { retriable: false, dataError: false, code: 'sink_write' };
  const primary = errcode & 0xff;
  const databaseCode = String(errcode);
  if (primary === BUSY || primary === LOCKED) return { retriable: true, dataError: false, code: 'connection', databaseCode };
  if (primary === CONSTRAINT || primary === TOOBIG || primary === MISMATCH) {
    const target = typeof e?.message === 'string' ? CONSTRAINT_TARGET.exec(e.message) : null;
    return {
      retriable: false, dataError: true, code: primary === TOOBIG ? 'value_too_long' : 'constraint_violation', databaseCode,
      ...(target === null ? {} : { table: target[1] as string, column: target[2] as string }),
    };
  }
  return { retriable: false, dataError: false, code: 'sink_write', databaseCode };
}
