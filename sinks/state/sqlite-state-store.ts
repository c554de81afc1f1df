/**
 * The state store in a SQLite file (node:sqlite), default `./data/state.db`. WAL mode with a busy
 * timeout so a scheduled run and a manual `pull` can share the file; each commit is one IMMEDIATE
 * transaction, so a crash leaves either the whole window's change or none of it.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { ConfigError } from '../../src/errors.ts';
import { DEFAULT_STATE_FILE, type BackfillJob, type InProgressSession, type StateChange, type StateStore, type StreamKey } from '../../src/state/state-store.ts';
import { STATE_MIGRATIONS, type StateMigration } from './sqlite-state-migrations.ts';

type Row = Record<string, string | number | null>;

export class SqliteStateStore implements StateStore {
  readonly path: string;
  readonly #db: DatabaseSync;

  /** Opens (creating folders and schema as needed) the state database at `path`. */
  constructor(path: string = DEFAULT_STATE_FILE, migrations: readonly StateMigration[] = STATE_MIGRATIONS) {
    this.path = path;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    try {
      this.#db = new DatabaseSync(path);
      this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; PRAGMA synchronous = FULL;');
    } catch (error) {
      throw new ConfigError(`state file ${path}: cannot open it as a SQLite database (${(error as Error).message}); check the path and permissions`, { cause: error });
    }
    this.#migrate(migrations);
  }

  /** The schema version now in the file. */
  get schemaVersion(): number {
    const row = this.#db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as Row | undefined;
    return Number(row?.version ?? 0);
  }

  #migrate(migrations: readonly StateMigration[]): void {
    this.#db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT');
    const current = this.schemaVersion;
    const newest = Math.max(0, ...migrations.map((m) => m.version));
    if (current > newest) {
      throw new ConfigError(`state file ${this.path}: schema version ${current} is newer than this sra-etl understands (${newest}); upgrade sra-etl or use another --state file`);
    }
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (migration.version <= current) continue;
      this.#transaction(() => {
        this.#db.exec(migration.sql);
        this.#db.prepare('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.description, new Date().toISOString());
      });
    }
  }

  #transaction(work: () => void): void {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      work();
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  getWatermark(stream: StreamKey): Promise<number | undefined> {
    const row = this.#db.prepare('SELECT until_time FROM watermark WHERE site = ? AND product = ? AND target = ?').get(stream.site, stream.product, stream.target) as Row | undefined;
    return Promise.resolve(row === undefined ? undefined : Number(row.until_time));
  }

  listInProgress(stream: StreamKey): Promise<InProgressSession[]> {
    const rows = this.#db.prepare('SELECT lsid, start_time, first_seen, last_seen FROM in_progress_session WHERE site = ? AND product = ? AND target = ? ORDER BY start_time, lsid')
      .all(stream.site, stream.product, stream.target) as Row[];
    return Promise.resolve(rows.map((row) => ({ lsid: String(row.lsid), startTime: Number(row.start_time), firstSeen: String(row.first_seen), lastSeen: String(row.last_seen) })));
  }

  getJob(stream: StreamKey, id: string): Promise<BackfillJob | undefined> {
    const row = this.#db.prepare('SELECT from_time, to_time, done_until FROM backfill_job WHERE site = ? AND product = ? AND target = ? AND job_id = ?')
      .get(stream.site, stream.product, stream.target, id) as Row | undefined;
    return Promise.resolve(row === undefined ? undefined : { id, from: Number(row.from_time), to: Number(row.to_time), doneUntil: Number(row.done_until) });
  }

  commit(stream: StreamKey, change: StateChange, now: Date = new Date()): Promise<void> {
    const at = now.toISOString();
    const key = [stream.site, stream.product, stream.target] as const;
    this.#transaction(() => {
      if (change.watermark !== undefined) {
        this.#db.prepare(`INSERT INTO watermark (site, product, target, until_time, updated_at) VALUES (?, ?, ?, ?, ?)
          ON CONFLICT (site, product, target) DO UPDATE SET until_time = MAX(until_time, excluded.until_time), updated_at = excluded.updated_at`)
          .run(...key, change.watermark, at);
      }
      if (change.job !== undefined) {
        const job = change.job;
        this.#db.prepare(`INSERT INTO backfill_job (site, product, target, job_id, from_time, to_time, done_until, started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (site, product, target, job_id) DO UPDATE SET done_until = MAX(done_until, excluded.done_until), updated_at = excluded.updated_at`)
          .run(...key, job.id, job.from, job.to, job.doneUntil, at, at);
      }
      if (change.finishedJob !== undefined) {
        this.#db.prepare('DELETE FROM backfill_job WHERE site = ? AND product = ? AND target = ? AND job_id = ?').run(...key, change.finishedJob);
      }
      const forget = this.#db.prepare('DELETE FROM in_progress_session WHERE site = ? AND product = ? AND target = ? AND lsid = ?');
      for (const lsid of change.forget ?? []) forget.run(...key, lsid);
      const remember = this.#db.prepare(`INSERT INTO in_progress_session (site, product, target, lsid, start_time, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (site, product, target, lsid) DO UPDATE SET last_seen = excluded.last_seen`);
      for (const session of change.inProgress ?? []) remember.run(...key, session.lsid, session.startTime, at, at);
    });
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
    return Promise.resolve();
  }
}
