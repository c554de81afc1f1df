/**
 * `sra-etl db init --to <destination>`: creates the database when it does not exist and brings its
 * schema (the Integration Client tables plus sra-etl's additions) up to date, without loading
 * anything. Loads do the same on their first connect, so this is for preparing a database ahead of
 * time or checking that the credentials have the rights to.
 */
import type { Command } from 'commander';
import { openDestination, redactDestination } from '../../../sinks/destinations.ts';
import type { SchemaStatus } from '../../../sinks/sql/dialect.ts';
import { ConfigError } from '../../errors.ts';
import { silentLogger } from '../../stage.ts';
import { innerSink } from '../../telemetry/sink-span.ts';

interface SchemaManagedSink {
  readonly schema: SchemaStatus | undefined;
}

function describeStatus(destination: string, status: SchemaStatus): string {
  const parts: string[] = [];
  if (status.databaseCreated) parts.push('created the database');
  if (status.applied.length > 0) parts.push(`applied schema migration${status.applied.length > 1 ? 's' : ''} ${status.applied.join(', ')}`);
  if (parts.length === 0) parts.push('already up to date');
  return `${destination}: ${parts.join('; ')} (schema version ${status.version})`;
}

export async function initDatabase(spec: string): Promise<string> {
  const sink = await openDestination(spec);
  if (!('schema' in innerSink(sink))) {
    throw new ConfigError(`--to ${redactDestination(spec)}: db init works with SQL destinations (sqlite:, postgres://, mssql://, Server=…)`, { code: 'usage' });
  }
  const controller = new AbortController();
  try {
    await sink.connect({ signal: controller.signal, logger: silentLogger });
  } catch (error) {
    await sink.abort(error);
    throw error;
  }
  await sink.close();
  const status = (innerSink(sink) as unknown as SchemaManagedSink).schema;
  if (status === undefined) throw new Error('the destination connected without reporting its schema');
  return describeStatus(redactDestination(spec), status);
}

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
      process.stdout.write(`${await initDatabase(options.to)}\n`);
    });
}
