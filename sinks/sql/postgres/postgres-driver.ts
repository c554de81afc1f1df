/**
 * SqlDriver for PostgreSQL over node-postgres: one connection, per-connection TEMP staging tables,
 * binary COPY FROM STDIN (pg-copy-streams, copy-binary.ts) for every table with rows, then the
 * set-based merge, all in one transaction. While the server merges, the main thread parses the
 * next batch, so the two cores overlap. A connection that drops mid-batch takes its transaction
 * with it; the sink retries the batch on a new connection.
 */
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { depthOf, SCHEMA_VERSION, SCHEMA_VERSION_TABLE } from '../schema.ts';
import type { QuarantineRow, SchemaStatus, SqlDriver } from '../dialect.ts';
import type { ErrorClass } from '../sql-errors.ts';
import { rowCount, type StagedBatch } from '../staged-batch.ts';
import { copyChildChunks, copyRowChunks } from './copy-binary.ts';
import { classifyPostgresError } from './postgres-errors.ts';
import {
  copyChildSql, COPY_SESSIONS_SQL, CREATE_STAGING_SQL, DELETE_OLD_CHILDREN_SQL, insertRejectedSql, mergeSql, MIGRATION_LOCK_SQL, PARENT_TABLES, PREFER_LZ4_SQL, quote, SCHEMA_VERSION_SQL, schemaV1Statements, SEQUENCES_SQL,
} from './postgres-sql.ts';

async function copy(client: pg.Client, sql: string, chunks: Iterable<Buffer>): Promise<void> {
  await pipeline(Readable.from(chunks), client.query(copyFrom(sql)));
}

const MIGRATIONS: readonly { readonly version: number; readonly description: string; readonly statements: () => string[] }[] = [
  { version: 1, description: 'Integration Client schema with sra-etl additions', statements: schemaV1Statements },
];

export interface PostgresDriverOptions {
  /** node-postgres connection string without sra-etl's own parameters. */
  readonly connectionString: string;
  /** The same with the password masked. */
  readonly displayName: string;
}

export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres';
  readonly displayName: string;
  readonly #connectionString: string;
  #client: pg.Client | undefined;
  #broken = false;
  #sequences = new Map<string, string>();

  constructor(options: PostgresDriverOptions) {
    this.#connectionString = options.connectionString;
    this.displayName = options.displayName;
  }

  async #open(database?: string): Promise<pg.Client> {
    // A connection string's own database wins over a `database` option, so swap it in the URL.
    let connectionString = this.#connectionString;
    if (database !== undefined) {
      const url = new URL(connectionString);
      url.pathname = `/${encodeURIComponent(database)}`;
      connectionString = url.toString();
    }
    const client = new pg.Client({ connectionString, application_name: 'sra-etl' });
    // A backend terminated while idle is reported as an 'error' event; without a listener it would
    // crash the process. Mark the connection broken; the next call reconnects.
    client.on('error', () => {
      if (this.#client === client) this.#broken = true;
    });
    await client.connect();
    return client;
  }

  async #connection(): Promise<pg.Client> {
    if (this.#client !== undefined && !this.#broken) return this.#client;
    await this.reset();
    const client = await this.#open();
    await client.query(`${CREATE_STAGING_SQL};\n${PREFER_LZ4_SQL}`);
    const sequences = (await client.query<Record<string, string | null>>(SEQUENCES_SQL)).rows[0] ?? {};
    this.#sequences = new Map(Object.entries(sequences).filter((entry): entry is [string, string] => entry[1] !== null));
    this.#client = client;
    this.#broken = false;
    return client;
  }

  /** Creates the database named in the URL from the `postgres` maintenance database. */
  async #createDatabase(): Promise<void> {
    const name = decodeURIComponent(new URL(this.#connectionString).pathname.slice(1));
    if (name === undefined || name === '') throw new Error('the connection string names no database');
    const admin = await this.#open('postgres');
    try {
      await admin.query(`CREATE DATABASE ${quote(name)}`);
    } catch (error) {
      if ((error as { code?: unknown }).code !== '42P04') throw error; // created meanwhile by another loader
    } finally {
      await admin.end();
    }
  }

  async connect(_signal: AbortSignal): Promise<SchemaStatus> {
    let databaseCreated = false;
    let client: pg.Client;
    try {
      client = await this.#open();
    } catch (error) {
      if ((error as { code?: unknown }).code !== '3D000') throw error;
      await this.#createDatabase();
      databaseCreated = true;
      client = await this.#open();
    }
    const applied: number[] = [];
    try {
      await client.query('BEGIN');
      await client.query(MIGRATION_LOCK_SQL);
      await client.query(SCHEMA_VERSION_SQL);
      const current = Number((await client.query<{ v: number }>(`SELECT coalesce(max(version), 0) AS v FROM ${quote(SCHEMA_VERSION_TABLE)}`)).rows[0]?.v ?? 0);
      if (current > SCHEMA_VERSION) throw new Error(`the database's schema version is ${current}, newer than this sra-etl (${SCHEMA_VERSION}); upgrade sra-etl`);
      for (const migration of MIGRATIONS) {
        if (migration.version <= current) continue;
        await client.query(migration.statements().join(';\n'));
        await client.query(`INSERT INTO ${quote(SCHEMA_VERSION_TABLE)} (version, description) VALUES ($1, $2)`, [migration.version, migration.description]);
        applied.push(migration.version);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end().catch(() => undefined);
      throw error;
    }
    await client.end();
    await this.#connection();
    return { databaseCreated, applied, version: SCHEMA_VERSION };
  }

  async write(batch: StagedBatch, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const client = await this.#connection();
    const onAbort = () => void this.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await client.query('BEGIN');
      const [sessions, ...children] = batch.tables;
      if (sessions === undefined || sessions.spec.parent !== null) throw new Error('the session table must come first');
      await copy(client, COPY_SESSIONS_SQL, copyRowChunks(sessions));
      const reserve = new Map(PARENT_TABLES.map((t) => [t.name, rowCount(batch.tables.find((s) => s.spec === t) ?? { width: 1, values: [] })]));
      const results = (await client.query(mergeSql(reserve, this.#sequences))) as unknown as pg.QueryResult[];
      const idRows = results.at(-2)?.rows as { batch_index: number; session_id: string; existed: boolean }[] | undefined;
      const reserved = results.at(-1)?.rows[0] as Record<string, string[]> | undefined;
      if (idRows === undefined || reserved === undefined) throw new Error('the merge returned no ids');
      if (idRows.some((row) => row.existed)) await client.query(DELETE_OLD_CHILDREN_SQL);
      const sessionIds: number[] = [];
      for (const row of idRows) sessionIds[row.batch_index] = Number(row.session_id);
      const assigned = new Map<string, Map<number, number>>();
      for (const table of children) {
        if (table.values.length === 0) continue;
        const spec = table.spec;
        const depth = depthOf(spec);
        const reservedIds = reserved[spec.name]?.map(Number);
        const ids = reservedIds === undefined ? undefined : new Map<number, number>();
        if (ids !== undefined) assigned.set(spec.name, ids);
        const parentIds = depth === 2 ? assigned.get(spec.parent?.table ?? '') : undefined;
        await copy(client, copyChildSql(spec), copyChildChunks(table, depth, {
          sessionIds, ...(reservedIds === undefined ? {} : { reservedIds }), ...(ids === undefined ? {} : { assigned: ids }), ...(parentIds === undefined ? {} : { parentIds }),
        }));
      }
      await client.query('COMMIT');
    } catch (error) {
      if (!this.#broken) await client.query('ROLLBACK').catch(() => { this.#broken = true; });
      throw error;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  async quarantine(rows: readonly QuarantineRow[]): Promise<string> {
    const client = await this.#connection();
    await client.query('BEGIN');
    try {
      for (const r of rows) await client.query(insertRejectedSql, [r.hostName, r.lsid, r.errorCode, r.tableName, r.columnName, r.message, r.source, r.bundle]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    return 'table rejected_session';
  }

  classify(error: unknown): ErrorClass {
    return classifyPostgresError(error);
  }

  async reset(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    this.#broken = false;
    if (client !== undefined) await client.end().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.reset();
  }

  async destroy(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    // Closing the socket without a Terminate message: the server sees the connection drop and rolls back.
    (client as unknown as { connection?: { stream?: { destroy(): void } } } | undefined)?.connection?.stream?.destroy();
    await client?.end().catch(() => undefined);
  }
}
