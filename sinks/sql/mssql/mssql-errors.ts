/**
 * SQL Server error classification (../shared/reference/sqlserver-notes.md §5). mssql puts the
 * server's error number in `number` (also on `originalError` and `precedingErrors`) and socket or
 * timeout failures in `code`.
 *
 * Retried: deadlock victim 1205, lock timeout 1222, 1204, the Azure transient set (40613, 40501,
 * 40197, 10928, 10929, 49918-49920), and dropped or timed-out connections. Caused by the data (the
 * batch is bisected): duplicate key 2627/2601, truncation 8152/2628, 4815 (bulk column length),
 * NULL 515, constraint 547, 8672, conversions 241/242/245/8114/8115.
 */
import type { ErrorClass } from '../sql-errors.ts';

const RETRIABLE_NUMBERS = new Set([1205, 1222, 1204, 40613, 40501, 40197, 10928, 10929, 49918, 49919, 49920]);
const RETRIABLE_CODES = new Set(['ETIMEOUT', 'ESOCKET', 'ECONNRESET', 'ECONNCLOSED', 'ECLOSE', 'ECONNREFUSED', 'EPIPE']);
const TRUNCATION = new Set([8152, 2628, 4815]);
const DATA_NUMBERS = new Set([2627, 2601, 515, 547, 8672, 241, 242, 245, 8114, 8115, ...TRUNCATION]);

interface MssqlErrorLike {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly number?: unknown;
  readonly message?: unknown;
  readonly originalError?: MssqlErrorLike;
  readonly precedingErrors?: readonly MssqlErrorLike[];
}

function numbers(e: MssqlErrorLike | undefined, out: number[] = []): number[] {
  if (e === undefined || e === null) return out;
  if (typeof e.number === 'number') out.push(e.number);
  for (const preceding of e.precedingErrors ?? []) numbers(preceding, out);
  if (e.originalError !== undefined && e.originalError !== e) numbers(e.originalError, out);
  return out;
}

function codes(e: MssqlErrorLike | undefined, out: string[] = []): string[] {
  if (e === undefined || e === null) return out;
  if (typeof e.code === 'string') out.push(e.code);
  if (e.originalError !== undefined && e.originalError !== e) codes(e.originalError, out);
  return out;
}

/** `… column 'operating_system' …` / `… table 'dbo.user', column 'x'` in a server message. */
function place(message: string): { table?: string; column?: string } {
  const column = /column '([^']+)'/i.exec(message)?.[1];
  const table = /table '(?:[^'.]+\.)?(?:dbo\.)?([^'.]+)'/i.exec(message)?.[1]?.replace(/^#stage_/, '');
  return { ...(table === undefined ? {} : { table }), ...(column === undefined ? {} : { column }) };
}

export function classifyMssqlError(error: unknown): ErrorClass {
  const e = error as MssqlErrorLike | null;
  if (e?.name === 'AbortError') return { retriable: false, dataError: false, code: 'aborted' };
  const nums = numbers(e ?? undefined);
  const errorCodes = codes(e ?? undefined);
  const message = typeof e?.message === 'string' ? e.message : '';
  const retriableNumber = nums.find((n) => RETRIABLE_NUMBERS.has(n));
  if (retriableNumber !== undefined) return { retriable: true, dataError: false, code: 'connection', databaseCode: String(retriableNumber) };
  const dataNumber = nums.find((n) => DATA_NUMBERS.has(n));
  if (dataNumber !== undefined) {
    return { retriable: false, dataError: true, code: TRUNCATION.has(dataNumber) ? 'value_too_long' : 'constraint_violation', databaseCode: String(dataNumber), ...place(message) };
  }
  if (errorCodes.some((c) => RETRIABLE_CODES.has(c))) return { retriable: true, dataError: false, code: 'connection', databaseCode: errorCodes[0] as string };
  if (errorCodes.includes('ELOGIN')) return { retriable: false, dataError: false, code: 'auth_failed', databaseCode: 'ELOGIN' };
  const first = nums[0];
  return { retriable: false, dataError: false, code: 'sink_write', ...(first === undefined ? {} : { databaseCode: String(first) }) };
}
