import { describe, expect, it } from 'vitest';
import { classifyMssqlError } from '../../../../sinks/sql/mssql/mssql-errors.ts';
import { classifyPostgresError } from '../../../../sinks/sql/postgres/postgres-errors.ts';
import { classifySqliteError } from '../../../../sinks/sql/sqlite/sqlite-errors.ts';

const pgError = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`pg ${code}`), { code, ...extra });

describe('PostgreSQL error classes', () => {
  it.each([
    ['57P01', true, false], // pg_terminate_backend: admin shutdown
    ['08006', true, false], ['08003', true, false], ['40001', true, false], ['40P01', true, false], ['53300', true, false],
    ['23505', false, true], ['23502', false, true], ['22001', false, true], ['22P02', false, true], ['22021', false, true],
    ['42P01', false, false], ['28P01', false, false],
  ])('SQLSTATE %s: retriable %s, data error %s', (code, retriable, dataError) => {
    expect(classifyPostgresError(pgError(code))).toMatchObject({ retriable, dataError, databaseCode: code });
  });

  it('retries dropped sockets and node-postgres\'s "Connection terminated"', () => {
    expect(classifyPostgresError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })).retriable).toBe(true);
    // Five capitals like a SQLSTATE, but a socket error: a COPY writing into a terminated backend.
    expect(classifyPostgresError(Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' }))).toMatchObject({ retriable: true, code: 'connection' });
    expect(classifyPostgresError(new Error('Connection terminated unexpectedly')).retriable).toBe(true);
    expect(classifyPostgresError(new Error('something else')).retriable).toBe(false);
  });

  it('names the table and column the server reports, without the staging prefix', () => {
    expect(classifyPostgresError(pgError('23502', { table: 'stage_session', column: 'lsid' }))).toMatchObject({ table: 'session', column: 'lsid', code: 'constraint_violation' });
    expect(classifyPostgresError(pgError('22001')).code).toBe('value_too_long');
    expect(classifyPostgresError(pgError('28P01')).code).toBe('auth_failed');
  });
});

describe('SQLite error classes', () => {
  const sqliteError = (errcode: number, message: string) => Object.assign(new Error(message), { code: 'ERR_SQLITE_ERROR', errcode, errstr: 'x' });
  it('retries BUSY and LOCKED (extended codes included)', () => {
    expect(classifySqliteError(sqliteError(5, 'database is locked')).retriable).toBe(true);
    expect(classifySqliteError(sqliteError(517, 'database is locked')).retriable).toBe(true); // SQLITE_BUSY_SNAPSHOT
    expect(classifySqliteError(sqliteError(6, 'database table is locked')).retriable).toBe(true);
  });
  it('treats constraint failures as data errors and reads table and column from the message', () => {
    expect(classifySqliteError(sqliteError(2067, 'UNIQUE constraint failed: session_event.session_id, session_event.seq')))
      .toMatchObject({ retriable: false, dataError: true, table: 'session_event', column: 'session_id', code: 'constraint_violation' });
    expect(classifySqliteError(sqliteError(1299, 'NOT NULL constraint failed: session.lsid'))).toMatchObject({ dataError: true, table: 'session', column: 'lsid' });
    expect(classifySqliteError(sqliteError(18, 'string or blob too big'))).toMatchObject({ dataError: true, code: 'value_too_long' });
  });
  it('does not retry other failures', () => {
    expect(classifySqliteError(sqliteError(13, 'database or disk is full'))).toMatchObject({ retriable: false, dataError: false });
    expect(classifySqliteError(new Error('plain'))).toMatchObject({ retriable: false, dataError: false });
  });
});

describe('SQL Server error classes', () => {
  const requestError = (number: number, message = `error ${number}`) => Object.assign(new Error(message), { name: 'RequestError', code: 'EREQUEST', number });
  it.each([1205, 1222, 40613, 40501, 40197, 10928, 10929, 49918])('retries error %d', (n) => {
    expect(classifyMssqlError(requestError(n)).retriable).toBe(true);
  });
  it.each([2627, 2601, 8152, 2628, 4815, 515, 547, 8672])('never retries error %d, a data error', (n) => {
    expect(classifyMssqlError(requestError(n))).toMatchObject({ retriable: false, dataError: true });
  });
  it('retries socket drops and timeouts, also when mssql wraps them', () => {
    expect(classifyMssqlError(Object.assign(new Error('socket hang up'), { code: 'ESOCKET' })).retriable).toBe(true);
    expect(classifyMssqlError(Object.assign(new Error('wrapped'), { code: 'EREQUEST', originalError: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) })).retriable).toBe(true);
    expect(classifyMssqlError(Object.assign(new Error('timeout'), { code: 'ETIMEOUT' })).retriable).toBe(true);
  });
  it('finds the number among preceding errors and reads table and column from the message', () => {
    const error = Object.assign(new Error('The statement has been terminated.'), {
      number: 3621, precedingErrors: [requestError(2628, "String or binary data would be truncated in table 'sra.dbo.user', column 'operating_system'. Truncated value: 'x'.")],
    });
    const cls = classifyMssqlError(error);
    expect(cls).toMatchObject({ retriable: false, dataError: true, code: 'value_too_long', databaseCode: '2628' });
  });
  it('reads the column of a truncation message', () => {
    expect(classifyMssqlError(requestError(2628, "String or binary data would be truncated in table 'sra.dbo.user', column 'operating_system'. Truncated value: 'x'.")))
      .toMatchObject({ table: 'user', column: 'operating_system' });
  });
  it('reports a refused login as an authentication failure', () => {
    expect(classifyMssqlError(Object.assign(new Error("Login failed for user 'sa'."), { code: 'ELOGIN' }))).toMatchObject({ retriable: false, code: 'auth_failed' });
  });
});
