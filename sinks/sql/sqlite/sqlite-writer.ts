/**
 * The SQLite bulk path: one synchronous writer over node:sqlite, with every statement prepared once
 * and reused, one IMMEDIATE transaction per batch, WAL journal and `synchronous = FULL` (a commit is
 * on disk when it returns). It runs inside a worker thread (sqlite-worker.ts) so the parser keeps
 * the main thread while SQLite writes.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { QuarantineRow, SchemaStatus } from '../dialect.ts';
import { depthOf, SCHEMA_VERSION, SCHEMA_VERSION_TABLE, TABLES, type TableSpec } from '../schema.ts';
import type { StagedValue } from '../staged-batch.ts';
import {
  deleteChildrenSql, insertRejectedSql, insertSql, quote, SCHEMA_VERSION_SQL, schemaV1Statements, selectSessionIdSql, updateSessionSql,
} from './sqlite-sql.ts';

/** The staged tables as they cross the worker boundary: [table name, width, values]. */
export type WireTables = readonly (readonly [string, number, StagedValue[]])[];

export interface SqliteWriterOptions {
  /** How long a writer waits for another connection's lock, in milliseconds. Default 10000. */
  readonly busyTimeoutMs?: number;
}

const MIGRATIONS: readonly { readonly version: number; readonly description: string; readonly statements: () => string[] }[] = [
  { version: 1, description: 'Integration Client schema with sra-etl additions', statements: schemaV1Statements },
];

interface PreparedTable {
  readonly spec: TableSpec;
  readonly depth: number;
  readonly insert: StatementSync;
  readonly remove: StatementSync | null;
  /** Whether other tables hang off this one (its ids are needed by grandchildren). */
  readonly isParent: boolean;
}

export class SqliteWriter {
  readonly #db: DatabaseSync;
  #tables: Map<string, PreparedTable> | undefined;
  #selectSession: StatementSync | undefined;
  #updateSession: StatementSync | undefined;

  constructor(path: string, options: SqliteWriterOptions = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#db = new DatabaseSync(path, { timeout: options.busyTimeoutMs ?? 10_000 });
    this.#db.exec('PRAGMA journal_mode = WAL');
    this.#db.exec('PRAGMA synchronous = FULL');
  }

  /** Creates the schema or applies the migrations it lacks. */
  ensureSchema(): SchemaStatus {
    const db = this.#db;
    const databaseCreated = db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get()?.n === 0;
    db.exec(SCHEMA_VERSION_SQL);
    const applied: number[] = [];
    db.exec('BEGIN IMMEDIATE');
    try {
      const current = Number(db.prepare(`SELECT coalesce(max(version), 0) AS v FROM ${quote(SCHEMA_VERSION_TABLE)}`).get()?.v ?? 0);
      if (current > SCHEMA_VERSION) {
        throw Object.assign(new Error(`the database's schema version is ${current}, newer than this sra-etl (${SCHEMA_VERSION}); upgrade sra-etl`), { code: 'SCHEMA_NEWER' });
      }
      for (const migration of MIGRATIONS) {
        if (migration.version <= current) continue;
        for (const statement of migration.statements()) db.exec(statement);
        db.prepare(`INSERT INTO ${quote(SCHEMA_VERSION_TABLE)} (version, applied_at, description) VALUES (?, ?, ?)`)
          .run(migration.version, new Date().toISOString(), migration.description);
        applied.push(migration.version);
      }
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
    this.#prepare();
    return { databaseCreated, applied, version: SCHEMA_VERSION };
  }

  #prepare(): void {
    const parents = new Set(TABLES.map((t) => t.parent?.table).filter((name) => name !== undefined));
    this.#tables = new Map(TABLES.map((spec) => [spec.name, {
      spec,
      depth: depthOf(spec),
      insert: this.#db.prepare(insertSql(spec)),
      remove: spec.parent === null ? null : this.#db.prepare(deleteChildrenSql(spec)),
      isParent: parents.has(spec.name),
    }]));
    this.#selectSession = this.#db.prepare(selectSessionIdSql);
    this.#updateSession = this.#db.prepare(updateSessionSql(TABLES[0] as TableSpec));
  }

  /** Replaces every staged session and its children in one transaction. */
  write(tables: WireTables): void {
    const prepared = this.#tables;
    const selectSession = this.#selectSession;
    const updateSession = this.#updateSession;
    if (prepared === undefined || selectSession === undefined || updateSession === undefined) throw new Error('ensureSchema() first');
    const db = this.#db;
    db.exec('BEGIN IMMEDIATE');
    try {
      const [sessionName, sessionWidth, sessionValues] = tables[0] as WireTables[number];
      if (sessionName !== 'session') throw new Error('the session table must come first');
      const sessionIds: number[] = [];
      const removals = [...prepared.values()].filter((t) => t.remove !== null).sort((x, y) => y.depth - x.depth);
      const args: StagedValue[] = new Array<StagedValue>(sessionWidth);
      for (let row = 0; row < sessionValues.length; row += sessionWidth) {
        const batchIndex = sessionValues[row] as number;
        const lsid = sessionValues[row + 1] as string;
        const host = sessionValues[row + 2] as string;
        const existing = selectSession.get(host, lsid);
        for (let i = 1; i < sessionWidth; i++) args[i - 1] = sessionValues[row + i] as StagedValue;
        if (existing === undefined) {
          args.length = sessionWidth - 1;
          sessionIds[batchIndex] = Number((prepared.get('session') as PreparedTable).insert.run(...args).lastInsertRowid);
        } else {
          const id = Number(existing.id);
          for (const table of removals) (table.remove as StatementSync).run(id);
          args.length = sessionWidth;
          args[sessionWidth - 1] = id;
          updateSession.run(...args);
          sessionIds[batchIndex] = id;
        }
      }
      const parentIds = new Map<string, Map<number, number>>();
      for (let t = 1; t < tables.length; t++) {
        const [name, width, values] = tables[t] as WireTables[number];
        if (values.length === 0) continue;
        const table = prepared.get(name);
        if (table === undefined || table.spec.parent === null) throw new Error(`unknown table ${name}`);
        const keys = table.depth === 1 ? 2 : 3;
        // args: parent id, seq, data columns
        const rowArgs = new Array<StagedValue>(width - keys + 2);
        const ids = table.isParent ? new Map<number, number>() : null;
        if (ids !== null) parentIds.set(name, ids);
        const parentMap = table.depth === 2 ? parentIds.get(table.spec.parent.table) : undefined;
        for (let row = 0; row < values.length; row += width) {
          const batchIndex = values[row] as number;
          if (table.depth === 1) {
            rowArgs[0] = sessionIds[batchIndex] as number;
            rowArgs[1] = values[row + 1] as number;
          } else {
            const parentId = parentMap?.get(batchIndex * 1_048_576 + (values[row + 1] as number));
            if (parentId === undefined) {
              throw Object.assign(new Error(`FOREIGN KEY constraint failed: ${name} row has no ${table.spec.parent.table} with seq ${String(values[row + 1])}`), { errcode: 787, errstr: 'constraint failed' });
            }
            rowArgs[0] = parentId;
            rowArgs[1] = values[row + 2] as number;
          }
          for (let i = keys; i < width; i++) rowArgs[i - keys + 2] = values[row + i] as StagedValue;
          const result = table.insert.run(...rowArgs);
          if (ids !== null) ids.set(batchIndex * 1_048_576 + (values[row + 1] as number), Number(result.lastInsertRowid));
        }
      }
      db.exec('COMMIT');
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw error;
    }
  }

  quarantine(rows: readonly QuarantineRow[]): void {
    const insert = this.#db.prepare(insertRejectedSql);
    const now = new Date().toISOString();
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      for (const r of rows) insert.run(now, r.hostName, r.lsid, r.errorCode, r.tableName, r.columnName, r.message, r.source, r.bundle);
      this.#db.exec('COMMIT');
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}
