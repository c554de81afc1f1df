/**
 * SqlDriver for SQL Server over mssql (tedious). One pooled connection, pinned for each batch by a
 * Transaction (temp tables belong to a session, and a Transaction runs one request at a time, so
 * every request is awaited in turn). Per batch: create the `#stage_*` tables with request.batch
 * (request.query would drop them when its sp_executesql ends), bulk-copy each staged table with
 * `lockTable` (tedious's name; `tableLock` in @types/mssql is silently ignored), run the merge
 * batch under XACT_ABORT, drop the staging tables, commit.
 */
import sql from 'mssql';
import type { QuarantineRow, SchemaStatus, SqlDriver } from '../dialect.ts';
import { SCHEMA_VERSION } from '../schema.ts';
import type { ErrorClass } from '../sql-errors.ts';
import type { StagedBatch } from '../staged-batch.ts';
import { BULK_OPTIONS, bulkTable } from './mssql-bulk.ts';
import type { MssqlDestination } from './mssql-connection.ts';
import { classifyMssqlError } from './mssql-errors.ts';
import {
  createDatabaseSql, createStagingSql, CURRENT_VERSION_SQL, dbo, dropStagingSql, insertValuesSql, mergeSql, MIGRATION_LOCK_SQL, REJECTED_COLUMNS, rowsPerInsert,
  SCHEMA_VERSION_SQL, schemaV1Batches,
} from './mssql-sql.ts';

const MIGRATIONS: readonly { readonly version: number; readonly description: string; readonly batches: () => string[] }[] = [
  { version: 1, description: 'Integration Client schema with sra-etl additions', batches: schemaV1Batches },
];

function isMissingDatabase(error: unknown): boolean {
  const e = error as { number?: unknown; message?: unknown; originalError?: { number?: unknown; message?: unknown } } | null;
  return e?.number === 4060 || e?.originalError?.number === 4060 || /Cannot open database/i.test(String(e?.message ?? '')) || /Cannot open database/i.test(String(e?.originalError?.message ?? ''));
}

export class MssqlDriver implements SqlDriver {
  readonly dialect = 'mssql';
  readonly displayName: string;
  readonly #destination: MssqlDestination;
  #pool: sql.ConnectionPool | undefined;

  constructor(destination: MssqlDestination) {
    this.#destination = destination;
    this.displayName = destination.displayName;
  }

  async #open(database: string): Promise<sql.ConnectionPool> {
    const pool = new sql.ConnectionPool({ ...this.#destination.config, database });
    pool.on('error', () => undefined); // surfaced on the next request instead
    await pool.connect();
    return pool;
  }

  async #connection(): Promise<sql.ConnectionPool> {
    if (this.#pool?.connected === true) return this.#pool;
    await this.reset();
    this.#pool = await this.#open(this.#destination.database);
    return this.#pool;
  }

  async connect(_signal: AbortSignal): Promise<SchemaStatus> {
    let databaseCreated = false;
    try {
      await this.#connection();
    } catch (error) {
      if (!isMissingDatabase(error)) throw error;
      const admin = await this.#open('master');
      try {
        // CREATE DATABASE is not allowed inside a transaction: a plain batch on its own.
        await admin.request().batch(createDatabaseSql(this.#destination.database));
      } finally {
        await admin.close();
      }
      databaseCreated = true;
    }
    const pool = await this.#connection();
    const applied: number[] = [];
    const tx = new sql.Transaction(pool);
    await tx.begin();
    try {
      await new sql.Request(tx).batch(MIGRATION_LOCK_SQL);
      await new sql.Request(tx).batch(SCHEMA_VERSION_SQL);
      const current = Number((await new sql.Request(tx).query<{ version: number }>(CURRENT_VERSION_SQL)).recordset[0]?.version ?? 0);
      if (current > SCHEMA_VERSION) throw new Error(`the database's schema version is ${current}, newer than this sra-etl (${SCHEMA_VERSION}); upgrade sra-etl`);
      for (const migration of MIGRATIONS) {
        if (migration.version <= current) continue;
        for (const batch of migration.batches()) await new sql.Request(tx).batch(batch);
        await new sql.Request(tx)
          .input('version', sql.Int(), migration.version)
          .input('description', sql.NVarChar(400), migration.description)
          .query(`INSERT INTO ${dbo('schema_version')} ([version], [description]) VALUES (@version, @description);`);
        applied.push(migration.version);
      }
      await tx.commit();
    } catch (error) {
      await tx.rollback().catch(() => undefined);
      throw error;
    }
    return { databaseCreated, applied, version: SCHEMA_VERSION };
  }

  async write(batch: StagedBatch, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const pool = await this.#connection();
    const onAbort = () => void this.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    const tx = new sql.Transaction(pool);
    await tx.begin();
    try {
      const nonEmpty = batch.tables.filter((t) => t.values.length > 0 || t.spec.parent === null);
      const specs = nonEmpty.map((t) => t.spec);
      await new sql.Request(tx).batch(createStagingSql(specs));
      for (const staged of nonEmpty) {
        if (staged.values.length > 0) await new sql.Request(tx).bulk(bulkTable(staged), BULK_OPTIONS);
      }
      await new sql.Request(tx).batch(mergeSql(new Set(specs.map((s) => s.name))));
      await new sql.Request(tx).batch(dropStagingSql(specs));
      await tx.commit();
    } catch (error) {
      // After XACT_ABORT or a deadlock the server has already rolled back; mssql then rejects
      // rollback() with EABORT, which means the same thing.
      await tx.rollback().catch(() => undefined);
      throw error;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  async quarantine(rows: readonly QuarantineRow[]): Promise<string> {
    const pool = await this.#connection();
    const perInsert = rowsPerInsert(REJECTED_COLUMNS.length);
    const tx = new sql.Transaction(pool);
    await tx.begin();
    try {
      for (let start = 0; start < rows.length; start += perInsert) {
        const chunk = rows.slice(start, start + perInsert);
        const request = new sql.Request(tx);
        chunk.forEach((r, i) => {
          const values = [r.hostName, r.lsid, r.errorCode, r.tableName, r.columnName, r.message, r.source, r.bundle];
          values.forEach((value, c) => request.input(`p${i * REJECTED_COLUMNS.length + c}`, sql.NVarChar(sql.MAX), value));
        });
        await request.query(insertValuesSql('rejected_session', REJECTED_COLUMNS, chunk.length));
      }
      await tx.commit();
    } catch (error) {
      await tx.rollback().catch(() => undefined);
      throw error;
    }
    return 'table rejected_session';
  }

  classify(error: unknown): ErrorClass {
    return classifyMssqlError(error);
  }

  async reset(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.reset();
  }

  async destroy(): Promise<void> {
    await this.reset();
  }
}

