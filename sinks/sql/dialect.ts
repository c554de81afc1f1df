/**
 * What the dialect-agnostic SQL sink needs from a database (kysely-style split, see STYLE.md §4):
 * a driver that opens the database (creating it and its schema when missing), writes one staged
 * batch as one transaction, keeps refused sessions, and classifies its own errors. SQL text lives
 * in each dialect's folder; batching, bisecting, retries and error messages live in sql-sink.ts.
 */
import type { ErrorClass } from './sql-errors.ts';
import type { StagedBatch } from './staged-batch.ts';

export type DialectName = 'sqlite' | 'postgres' | 'mssql';

export interface SchemaStatus {
  /** The database itself did not exist and was created. */
  readonly databaseCreated: boolean;
  /** Migrations applied by this call, in order (empty when the schema was current). */
  readonly applied: readonly number[];
  /** The schema version the database is now at. */
  readonly version: number;
}

/** A session the destination refused, as kept in the `rejected_session` table. */
export interface QuarantineRow {
  readonly hostName: string;
  readonly lsid: string;
  readonly errorCode: string;
  readonly tableName: string | null;
  readonly columnName: string | null;
  readonly message: string;
  readonly source: string;
  /** The whole SessionBundle as JSON. */
  readonly bundle: string;
}

export interface SqlDriver {
  readonly dialect: DialectName;
  /** The destination with its password masked, for messages. */
  readonly displayName: string;
  /** Open the connection; create the database when it does not exist; bring the schema up to date. */
  connect(signal: AbortSignal): Promise<SchemaStatus>;
  /**
   * Replace every staged session (matched on host_name + lsid, keeping its id) and all of its child
   * rows, in one transaction. On any failure nothing of the batch is visible.
   */
  write(batch: StagedBatch, signal: AbortSignal): Promise<void>;
  /** Keep refused sessions for inspection; resolves with where (e.g. `table rejected_session`). */
  quarantine(rows: readonly QuarantineRow[]): Promise<string>;
  classify(error: unknown): ErrorClass;
  /** Drop a connection that failed so the next call reconnects. */
  reset(): Promise<void>;
  /** Finish and release; safe to call twice. */
  close(): Promise<void>;
  /** Drop everything now; the server rolls back any open transaction. */
  destroy(): Promise<void>;
}
