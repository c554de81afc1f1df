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
];
