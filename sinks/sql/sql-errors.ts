/**
 * Errors of the SQL sink that name what a user needs to find the bad data: the table, the column,
 * the session (host and lsid) and the value's size. Driver errors are kept as `cause`; messages never
 * carry connection strings or record contents beyond the key.
 */
import { SinkWriteError, type EtlErrorCode } from '../../src/errors.ts';
import type { SessionKey } from '../../src/records.ts';

/** What a dialect could tell about a failed statement. */
export interface ErrorClass {
  /** Transient (connection lost, deadlock, busy): the whole batch is retried with backoff. */
  readonly retriable: boolean;
  readonly code: EtlErrorCode;
  /** Set for errors caused by the data (constraint, length, type): the batch is bisected. */
  readonly dataError: boolean;
  readonly table?: string;
  readonly column?: string;
  /** The database's own code (SQLSTATE, error number, SQLite result code). */
  readonly databaseCode?: string;
}

const where = (key: SessionKey): string => `session lsid=${key.lsid} (host ${key.host})`;

/** A value longer than its column: found before the database saw it. */
export class ValueTooLongError extends SinkWriteError {
  readonly table: string;
  readonly column: string;
  readonly key: SessionKey;
  readonly length: number;
  readonly maxLength: number;
  /** Where the session was kept for inspection; set once it was. */
  keptIn: string | undefined;

  constructor(details: { table: string; column: string; key: SessionKey; length: number; maxLength: number }) {
    super(
      `${where(details.key)}: value too long for ${details.table}.${details.column}: ${details.length} characters, the column holds ${details.maxLength}. ` +
        'The session was not loaded; the rest of its batch was. Widen the column (ALTER TABLE) or fix the value at the source, then load the session again.',
      'value_too_long',
    );
    this.table = details.table;
    this.column = details.column;
    this.key = details.key;
    this.length = details.length;
    this.maxLength = details.maxLength;
  }
}

/** The database refused one session (constraint, type), found by bisecting its batch. */
export class SessionRefusedError extends SinkWriteError {
  readonly key: SessionKey;
  readonly table: string | undefined;
  readonly column: string | undefined;
  /** Length of the session's longest value in that column, when the column is known. */
  readonly valueLength: number | undefined;
  keptIn: string | undefined;

  constructor(details: { key: SessionKey; table?: string; column?: string; valueLength?: number; code: EtlErrorCode; reason: string; cause: unknown }) {
    const place = details.table === undefined ? '' : ` in ${details.table}${details.column === undefined ? '' : `.${details.column}`}`;
    const size = details.valueLength === undefined ? '' : ` (value size ${details.valueLength} characters)`;
    super(
      `${where(details.key)}: the database refused the session${place}${size}: ${details.reason}. ` +
        'The session was not loaded; the rest of its batch was. Fix the value at the source or the constraint, then load the session again.',
      details.code,
      { cause: details.cause },
    );
    this.key = details.key;
    this.table = details.table;
    this.column = details.column;
    this.valueLength = details.valueLength;
  }
}

/** Adds where a rejected session was kept to its error's message. */
export function noteKeptIn(error: Error, place: string): void {
  if (error instanceof ValueTooLongError || error instanceof SessionRefusedError) error.keptIn = place;
  error.message += ` It is kept for inspection in ${place}.`;
}
