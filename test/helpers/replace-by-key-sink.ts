/**
 * A minimal SQLite destination for appliance-source tests, with the contract every real destination
 * has: a batch is one transaction, and a session replaces any earlier copy with the same
 * (host, lsid). It also logs every write, so tests can see that a session was first loaded in
 * progress and later replaced by its closed version. (The SQL engineer's `sqlite:` destination is the
 * product; this exists so the source can be tested on its own.)
 */
import { DatabaseSync } from 'node:sqlite';
import type { SessionBundle } from '../../src/records.ts';
import type { BatchResult, BundleSink } from '../../src/stage.ts';

export interface StoredSession {
  readonly host: string;
  readonly lsid: string;
  readonly startTime: string | null;
  readonly endTime: string | null;
  readonly duration: string | null;
  readonly events: number;
  readonly bundle: string;
}

/** The bundle as the test compares it: everything except where and how it was read. */
export function comparable(bundle: SessionBundle): string {
  const { origin: _origin, xmlBytes: _xmlBytes, rawXml: _rawXml, unknownElements: _unknown, ...rest } = bundle;
  return JSON.stringify(rest);
}

export class ReplaceByKeySink implements BundleSink {
  readonly type = 'test-sqlite';
  readonly #path: string;
  #db: DatabaseSync | undefined;

  constructor(path: string) {
    this.#path = path;
  }

  connect(): Promise<void> {
    this.#db = new DatabaseSync(this.#path);
    this.#db.exec(`PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;
      CREATE TABLE IF NOT EXISTS session (host TEXT, lsid TEXT, start_time TEXT, end_time TEXT, duration TEXT, events INTEGER, bundle TEXT, PRIMARY KEY (host, lsid));
      CREATE TABLE IF NOT EXISTS write_log (seq INTEGER PRIMARY KEY, lsid TEXT, end_time TEXT);`);
    return Promise.resolve();
  }

  writeBatch(batch: readonly SessionBundle[]): Promise<BatchResult> {
    const db = this.#db;
    if (db === undefined) throw new Error('writeBatch before connect');
    db.exec('BEGIN IMMEDIATE');
    try {
      const replace = db.prepare('INSERT OR REPLACE INTO session VALUES (?, ?, ?, ?, ?, ?, ?)');
      const log = db.prepare('INSERT INTO write_log (lsid, end_time) VALUES (?, ?)');
      for (const bundle of batch) {
        const s = bundle.session;
        replace.run(s.key.host, s.key.lsid, s.startTime, s.endTime, s.duration, bundle.events.length, comparable(bundle));
        log.run(s.key.lsid, s.endTime);
      }
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
    return Promise.resolve({ written: batch.length, rejected: [] });
  }

  close(): Promise<void> {
    if (this.#db?.isOpen === true) this.#db.close();
    return Promise.resolve();
  }

  abort(): Promise<void> {
    return this.close();
  }
}

/** Reads back what a ReplaceByKeySink file holds, in lsid order. */
export function readStored(path: string): { sessions: StoredSession[]; writes: { lsid: string; endTime: string | null }[] } {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const sessions = (db.prepare('SELECT host, lsid, start_time, end_time, duration, events, bundle FROM session ORDER BY lsid').all() as Record<string, string | number | null>[])
      .map((row) => ({ host: String(row.host), lsid: String(row.lsid), startTime: row.start_time as string | null, endTime: row.end_time as string | null, duration: row.duration as string | null, events: Number(row.events), bundle: String(row.bundle) }));
    const writes = (db.prepare('SELECT lsid, end_time FROM write_log ORDER BY seq').all() as Record<string, string | null>[]).map((row) => ({ lsid: String(row.lsid), endTime: row.end_time ?? null }));
    return { sessions, writes };
  } finally {
    db.close();
  }
}
