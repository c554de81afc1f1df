/**
 * Schema of the state database, as numbered migrations applied in order inside a transaction and
 * recorded in `schema_migrations`. Append a migration to add tables (run history, say); never edit
 * one that has shipped.
 */

export interface StateMigration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

export const STATE_MIGRATIONS: readonly StateMigration[] = [
  {
    version: 1,
    description: 'incremental pull state: watermarks, sessions in progress, backfill jobs',
    sql: `
      CREATE TABLE watermark (
        site TEXT NOT NULL,
        product TEXT NOT NULL,
        target TEXT NOT NULL,
        until_time INTEGER NOT NULL,          -- UNIX seconds, appliance clock
        updated_at TEXT NOT NULL,             -- ISO, local clock
        PRIMARY KEY (site, product, target)
      ) STRICT;
      CREATE TABLE in_progress_session (
        site TEXT NOT NULL,
        product TEXT NOT NULL,
        target TEXT NOT NULL,
        lsid TEXT NOT NULL,
        start_time INTEGER NOT NULL,          -- UNIX seconds, appliance clock
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        PRIMARY KEY (site, product, target, lsid)
      ) STRICT;
      CREATE TABLE backfill_job (
        site TEXT NOT NULL,
        product TEXT NOT NULL,
        target TEXT NOT NULL,
        job_id TEXT NOT NULL,
        from_time INTEGER NOT NULL,
        to_time INTEGER NOT NULL,
        done_until INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (site, product, target, job_id)
      ) STRICT;
    `,
  },
  {
    version: 2,
    description: 'run history: runs and their transfers, schedule plans and run locks, the scheduler daemon (src/scheduler/run-history.ts)',
    sql: `
      CREATE TABLE run (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        schedule TEXT NOT NULL,
        trigger TEXT NOT NULL,
        scheduled_for TEXT,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        result TEXT NOT NULL,
        reason TEXT,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        instance TEXT NOT NULL
      );
      CREATE INDEX run_by_schedule ON run (schedule, id);
      CREATE INDEX run_running ON run (result) WHERE result = 'running';
      CREATE TABLE run_transfer (
        run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
        transfer_index INTEGER NOT NULL,
        site TEXT NOT NULL,
        destination TEXT NOT NULL,
        data TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        result TEXT NOT NULL,
        reason TEXT,
        error_code TEXT,
        detail TEXT,
        sessions INTEGER NOT NULL DEFAULT 0,
        files INTEGER NOT NULL DEFAULT 0,
        bytes INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (run_id, transfer_index)
      );
      CREATE TABLE schedule_state (
        schedule TEXT PRIMARY KEY,
        next_run_at TEXT,
        next_trigger TEXT,
        timing TEXT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        last_slot_at TEXT,
        notified_at TEXT,
        notified_reason TEXT,
        lock_host TEXT,
        lock_pid INTEGER,
        lock_instance TEXT,
        lock_run_id INTEGER,
        lock_since TEXT,
        lock_heartbeat_at TEXT
      );
      CREATE TABLE scheduler_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        instance TEXT NOT NULL,
        state TEXT NOT NULL,
        started_at TEXT NOT NULL,
        heartbeat_at TEXT NOT NULL,
        stopped_at TEXT,
        config_path TEXT NOT NULL
      );
    `,
  },
];
