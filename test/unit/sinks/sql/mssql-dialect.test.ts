/**
 * SQL Server, offline: the dialect's T-SQL parses (sqlparser-rs, mssql dialect), reserved words are
 * bracketed, bulk tables (mssql's real Table objects through tedious's real BulkLoad) have exactly
 * the staging and target column types, and plain statements respect 2,100 parameters and 1,000 rows.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { init, parse } from '@guanmingchiu/sqlparser-ts';
import sql from 'mssql';
import { beforeAll, describe, expect, it } from 'vitest';
import { BULK_OPTIONS, bulkTable, stagingTable } from '../../../../sinks/sql/mssql/mssql-bulk.ts';
import { parseMssqlSpec, splitAdo } from '../../../../sinks/sql/mssql/mssql-connection.ts';
import {
  createDatabaseSql, createStagingSql, createTableSql, CURRENT_VERSION_SQL, dropStagingSql, insertValuesSql, MAX_VALUES_ROWS, mergeSql,
  REJECTED_COLUMNS, REJECTED_SESSION_SQL, rowsPerInsert, SCHEMA_VERSION_SQL, schemaV1Batches, stagingColumns,
} from '../../../../sinks/sql/mssql/mssql-sql.ts';
import { TABLES } from '../../../../sinks/sql/schema.ts';
import { stageBundles } from '../../../../sinks/sql/stage-bundles.ts';
import { mixedBundles } from '../../../helpers/sql-bundles.ts';

const require = createRequire(import.meta.url);
const BulkLoad = require('tedious/lib/bulk-load.js') as new (table: string, collation: undefined, connectionOptions: object, options: object, callback: (error: Error | null, rows?: number) => void) => {
  getBulkInsertSql(): string;
  callback: (error: Error | null, rows?: number) => void;
};
const { BulkLoadPayload } = require('tedious/lib/bulk-load-payload.js') as { BulkLoadPayload: new (bulk: unknown, rows: unknown) => AsyncIterable<Buffer> };

beforeAll(async () => {
  await init();
});

const statementsOf = (text: string) => parse(text, 'mssql');

/** SQL with its string literals blanked, for checks on identifiers. */
const withoutLiterals = (text: string) => text.replace(/N?'(?:[^']|'')*'/g, "''");

/** A pool stand-in that hands mssql's Request a connection whose bulk loads are real tedious BulkLoads, serialised but not sent. */
function fakeBulkParent(): { parent: unknown; loads: { sql: string; bytes: number; rows: number }[] } {
  const loads: { sql: string; bytes: number; rows: number }[] = [];
  const connection = Object.assign(new EventEmitter(), {
    newBulkLoad: (table: string, options: object, callback: (error: Error | null, rows?: number) => void) => new BulkLoad(table, undefined, { tdsVersion: '7_4', useUTC: true }, options, callback),
    execBulkLoad: (bulk: InstanceType<typeof BulkLoad>, rows: unknown[]) => {
      void (async () => {
        let bytes = 0;
        try {
          for await (const chunk of new BulkLoadPayload(bulk, rows)) bytes += chunk.length;
        } catch (error) {
          bulk.callback(error as Error);
          return;
        }
        loads.push({ sql: bulk.getBulkInsertSql(), bytes, rows: rows.length });
        bulk.callback(null, rows.length);
      })();
    },
  });
  return { loads, parent: { connected: true, config: { stream: false }, acquire: (_r: unknown, cb: (e: null, c: unknown) => void) => cb(null, connection), release: () => {} } };
}

/** `[name] type` pairs of an `insert bulk` statement or a CREATE TABLE column list. */
function columnTypes(text: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const m of text.matchAll(/\[([a-z_]+)\]\s+([a-z0-9]+(?:\s*\((?:\d+|max|MAX|\d+,\s*\d+)\))?)/g)) types.set(m[1] as string, (m[2] as string).replace(/\s+/g, '').toLowerCase());
  return types;
}

describe('SQL Server dialect (offline)', () => {
  it('has DDL that parses, one batch per statement, for every table', () => {
    const batches = schemaV1Batches();
    expect(batches).toHaveLength(TABLES.length * 2 + 1);
    for (const batch of [...batches, SCHEMA_VERSION_SQL, REJECTED_SESSION_SQL, CURRENT_VERSION_SQL, createDatabaseSql('BT Sessions]')]) {
      expect(() => statementsOf(batch), batch).not.toThrow();
    }
    expect(createDatabaseSql("O'Brien]db")).toBe("IF DB_ID(N'O''Brien]db') IS NULL CREATE DATABASE [O'Brien]]db];");
  });

  it('has staging, merge and drop statements that parse', () => {
    const all = TABLES;
    expect(statementsOf(createStagingSql(all)).length).toBe(all.length * 2);
    const merge = mergeSql(new Set(all.map((t) => t.name)));
    const parsed = statementsOf(merge);
    const children = TABLES.length - 1;
    expect(parsed.length).toBe(1 + 4 + children * 2); // SET XACT_ABORT, 4 session statements, a delete and an insert per child table
    expect(statementsOf(dropStagingSql(all)).length).toBe(all.length);
    expect(merge).toContain('WITH (UPDLOCK, SERIALIZABLE)');
    expect(merge.startsWith('SET XACT_ABORT ON;')).toBe(true);
    expect(merge).not.toMatch(/\bMERGE\b/);
  });

  it('brackets the reserved words user and session wherever they name a table', () => {
    const text = withoutLiterals([...schemaV1Batches(), createStagingSql(TABLES), mergeSql(new Set(TABLES.map((t) => t.name)))].join('\n'));
    expect(text.match(/(?<![[\w#])(user|session)(?![\w\]])/gi)).toBeNull();
    expect(text).toContain('[dbo].[user]');
    expect(text).toContain('[dbo].[session]');
  });

  it('deletes grandchildren before children and inserts parents before children', () => {
    const merge = mergeSql(new Set(TABLES.map((t) => t.name)));
    const at = (s: string) => merge.indexOf(s);
    expect(at('DELETE c FROM [dbo].[session_event_data]')).toBeLessThan(at('DELETE c FROM [dbo].[session_event] '));
    expect(at('INSERT INTO [dbo].[session_event] ')).toBeLessThan(at('INSERT INTO [dbo].[session_event_data]'));
    expect(at('INSERT INTO [dbo].[session] ')).toBeLessThan(at('DELETE c FROM'));
  });

  it('gives bulk tables exactly the staging and target column types', async () => {
    const { batch } = stageBundles(mixedBundles(20));
    for (const staged of batch.tables) {
      const spec = staged.spec;
      const declared = columnTypes((stagingTable(spec) as sql.Table & { declare(): string }).declare());
      const staging = new Map(stagingColumns(spec).map((c) => [c.name, c.type.replace(/\s+/g, '').toLowerCase()]));
      expect(declared, spec.name).toEqual(staging);
      const target = columnTypes(createTableSql(spec));
      for (const column of spec.columns) expect(target.get(column.name), `${spec.name}.${column.name}`).toBe(staging.get(column.name));
      if (staged.values.length === 0) continue;
      const { parent, loads } = fakeBulkParent();
      const result = await new sql.Request(parent as sql.ConnectionPool).bulk(bulkTable(staged), BULK_OPTIONS);
      expect(result.rowsAffected).toBe(staged.values.length / staged.width);
      const load = loads[0];
      expect(load?.sql).toMatch(new RegExp(`^insert bulk \\[#stage_${spec.name}\\]\\(`));
      expect(load?.sql.endsWith('WITH (TABLOCK)')).toBe(true); // lockTable reached tedious
      expect(columnTypes(load?.sql ?? '')).toEqual(staging);
      expect(load?.bytes).toBeGreaterThan(0);
    }
  });

  it('sends times as Dates and flags as 1/0 numbers (tedious makes any truthy value bit 1)', () => {
    const { batch } = stageBundles(mixedBundles(6));
    const sessions = bulkTable(batch.tables.find((t) => t.spec.name === 'session') as (typeof batch.tables)[number]);
    const start = sessions.columns.findIndex((c) => c.name === 'start_time');
    expect(sessions.rows.every((row) => row[start] instanceof Date)).toBe(true);
    const users = bulkTable(batch.tables.find((t) => t.spec.name === 'user') as (typeof batch.tables)[number]);
    for (const name of ['is_owner', 'is_primary', 'invited']) {
      const at = users.columns.findIndex((c) => c.name === name);
      expect(users.rows.every((row) => row[at] === null || row[at] === 0 || row[at] === 1), name).toBe(true);
    }
  });

  it('keeps plain multi-row INSERTs within 2,100 parameters and 1,000 rows', () => {
    expect(rowsPerInsert(REJECTED_COLUMNS.length)).toBe(250);
    expect(rowsPerInsert(1)).toBe(MAX_VALUES_ROWS);
    expect(rowsPerInsert(3000)).toBe(1);
    for (const columns of [1, 2, 3, 8, 13, 40]) {
      const rows = rowsPerInsert(columns);
      expect(rows * columns).toBeLessThanOrEqual(2100);
      expect(rows).toBeLessThanOrEqual(1000);
      const text = insertValuesSql('rejected_session', REJECTED_COLUMNS.slice(0, Math.min(columns, REJECTED_COLUMNS.length)), Math.min(rows, rowsPerInsert(Math.min(columns, REJECTED_COLUMNS.length))));
      expect(() => statementsOf(text)).not.toThrow();
    }
    const full = insertValuesSql('rejected_session', REJECTED_COLUMNS, rowsPerInsert(REJECTED_COLUMNS.length));
    expect(new Set(full.match(/@p\d+/g)).size).toBe(2000);
    expect(() => insertValuesSql('rejected_session', REJECTED_COLUMNS, 251)).toThrow(/exceed/);
  });
});

describe('SQL Server destinations', () => {
  it('reads mssql:// URLs itself (mssql cannot) with encryption on by default', () => {
    const d = parseMssqlSpec('mssql://etl:p%40ss@sql01:1444/BTSessions?trustServerCertificate=true&storeSystemInformation=false');
    expect(d.config).toMatchObject({ server: 'sql01', port: 1444, user: 'etl', password: 'p@ss', database: 'BTSessions', options: { encrypt: true, trustServerCertificate: true, abortTransactionOnError: true } });
    expect(d.config.pool?.max).toBe(1);
    expect(d.stage.storeSystemInformation).toBe(false);
    expect(d.displayName).toBe('mssql://etl:***@sql01:1444/BTSessions?trustServerCertificate=true&storeSystemInformation=false');
    expect(() => parseMssqlSpec('mssql://etl:x@sql01/BT?bogus=1')).toThrow(/unknown option bogus/);
    expect(() => parseMssqlSpec('mssql://etl:x@sql01/')).toThrow(/name the database/);
  });

  it('reads the ADO connection strings of the old client, takes out sra-etl\'s keys, and masks the password', () => {
    const spec = 'Server=tcp:sql01\\SQLEXPRESS,1433;Database=BTSessions;User Id=etl;Password={a;b}};c};Encrypt=false;Store System Information=False';
    expect(splitAdo(spec)).toEqual(['Server=tcp:sql01\\SQLEXPRESS,1433', 'Database=BTSessions', 'User Id=etl', 'Password={a;b}};c}', 'Encrypt=false', 'Store System Information=False']);
    const d = parseMssqlSpec(spec);
    expect(d.config).toMatchObject({ server: 'sql01', database: 'BTSessions', user: 'etl', password: 'a;b};c' });
    expect(d.config.options?.instanceName).toBe('SQLEXPRESS');
    expect(d.stage.storeSystemInformation).toBe(false);
    expect(d.displayName).toBe('Server=tcp:sql01\\SQLEXPRESS,1433;Database=BTSessions;User Id=etl;Password=***;Encrypt=false;Store System Information=False');
    expect(() => parseMssqlSpec('Server=sql01;User Id=etl;Password=x')).toThrow(/add Database=/);
  });
});
