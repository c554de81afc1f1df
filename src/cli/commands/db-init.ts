/**
 * `sra-etl db init --to <destination>`: creates the database when it does not exist and brings its
 * schema (the Integration Client tables plus sra-etl's additions) up to date, without loading
 * anything. Loads do the same on their first connect, so this is for preparing a database ahead of
 * time or checking that the credentials have the rights to.
 *
 * This file only registers the command; db-init-action.ts (destinations, drivers) is imported when
 * it runs.
 */
import type { Command } from 'commander';

export function registerDb(program: Command): void {
  const db = program.command('db').description('Manage an SQL destination database (SQLite, PostgreSQL, SQL Server).');
  db.command('init')
    .description('Create the database if it does not exist and create or upgrade its schema (loads do this too on first use).')
    .requiredOption('--to <destination>', 'sqlite:<file> | postgres://user:pass@host/db | mssql://user:pass@host:1433/db | "Server=…;Database=…;User Id=…;Password=…"')
    .addHelpText('after', `
Examples:
  $ sra-etl db init --to sqlite:data/sra.db
  $ sra-etl db init --to postgres://etl:secret@db.example.com:5432/btsessions
  $ sra-etl db init --to "Server=sql01,1433;Database=BTSessions;User Id=etl;Password=secret;TrustServerCertificate=true"

The schema is the Integration Client's (session, session_event, session_event_data,
system_information, user, representative, team, customer, custom_attribute) plus tables and
nullable columns for everything else a report carries; schema_version records what was applied.`)
    .action(async (options: { to: string }) => {
      const { initDatabase } = await import('./db-init-action.ts');
      process.stdout.write(`${await initDatabase(options.to)}\n`);
    });
}
