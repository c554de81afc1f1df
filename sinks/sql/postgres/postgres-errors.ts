/**
 * PostgreSQL error classification by SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html)
 * and by the socket errors node-postgres surfaces when a connection drops.
 *
 * Retried: class 08 (connection exception), 40001 (serialization failure), 40P01 (deadlock),
 * 57P01-57P03 (admin shutdown / crash shutdown / cannot connect now: a restarting server or a
 * terminated backend), 53300 (too many connections), and connections that ended or were refused.
 * Caused by the data (the batch is bisected): class 22 (data exception) and class 23 (integrity
 * constraint violation).
 */
import type { ErrorClass } from '../sql-errors.ts';
import { ORPHAN_ROW } from './copy-binary.ts';

const RETRIABLE_STATES = new Set(['40001', '40P01', '57P01', '57P02', '57P03', '53300']);
const RETRIABLE_SOCKET = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** node-postgres reports a dropped connection with these messages and no code. */
const DROPPED = /Connection terminated|connection terminated|Client has encountered a connection error|Client was closed|not queryable/;

export function classifyPostgresError(error: unknown): ErrorClass {
  const e = error as { code?: unknown; message?: unknown; name?: unknown; table?: unknown; column?: unknown; constraint?: unknown } | null;
  if (e?.name === 'AbortError') return { retriable: false, dataError: false, code: 'aborted' };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' ? e.message : '';
  // Before the SQLSTATE test: EPIPE is five capitals too (a COPY writing into a dropped connection).
  if (code !== undefined && RETRIABLE_SOCKET.has(code)) return { retriable: true, dataError: false, code: 'connection', databaseCode: code };
  if (code === ORPHAN_ROW) return { retriable: false, dataError: true, code: 'constraint_violation', ...(typeof e?.table === 'string' ? { table: e.table } : {}) };
  if (code !== undefined && /^[0-9A-Z]{5}$/.test(code)) {
    const place = {
      ...(typeof e?.table === 'string' ? { table: e.table.replace(/^stage_/, '') } : {}),
      ...(typeof e?.column === 'string' ? { column: e.column } : {}),
    };
    if (code.startsWith('08') || RETRIABLE_STATES.has(code)) return { retriable: true, dataError: false, code: 'connection', databaseCode: code };
    if (code === '22001') return { retriable: false, dataError: true, code: 'value_too_long', databaseCode: code, ...place };
    if (code.startsWith('22') || code.startsWith('23')) return { retriable: false, dataError: true, code: 'constraint_violation', databaseCode: code, ...place };
    if (code === '3D000' || code === '28P01' || code === '28000') return { retriable: false, dataError: false, code: code === '3D000' ? 'config_invalid' : 'auth_failed', databaseCode: code };
    return { retriable: false, dataError: false, code: 'sink_write', databaseCode: code };
  }
  if (DROPPED.test(message)) return { retriable: true, dataError: false, code: 'connection', ...(code === undefined ? {} : { databaseCode: code }) };
  return { retriable: false, dataError: false, code: 'sink_write' };
}
