/**
 * The SQL sink contract against real databases: an SQLite file and the embedded PostgreSQL always;
 * SQL Server only when MSSQL_URL is set (otherwise the skip is printed).
 */
import { describe, inject, it } from 'vitest';
import { mssqlHarness, postgresHarness, sqliteHarness } from '../helpers/sql-harness.ts';
import { describeSqlSinkContract } from './sql-sink-contract.ts';

describeSqlSinkContract('sqlite', () => sqliteHarness());
describeSqlSinkContract('postgres', () => postgresHarness(inject('postgresUrl')));

const mssqlUrl = process.env.MSSQL_URL;
if (mssqlUrl !== undefined && mssqlUrl !== '') {
  describeSqlSinkContract('mssql', () => mssqlHarness(mssqlUrl));
} else {
  console.warn('SKIPPED: SQL Server sink contract (live). Set MSSQL_URL=mssql://user:pass@host:1433/master?encrypt=false&trustServerCertificate=true to run it.');
  describe('mssql: SQL sink contract', () => {
    it.skip('runs against a live SQL Server only when MSSQL_URL is set', () => {});
  });
}
