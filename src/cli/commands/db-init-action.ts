/**
 * What `sra-etl db init` does (registered in db-init.ts): open an SQL destination, let it create the
 * database and migrate its schema, and describe what was done.
 */
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

/** Creates the database `spec` names if needed and brings its schema up to date; resolves with a one-line account. */
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
