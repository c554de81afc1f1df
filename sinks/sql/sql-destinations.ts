/**
 * `--to` factories for the SQL destinations. Each lazy-imports its driver, so a run that writes
 * JSON Lines never loads node:sqlite, pg or mssql.
 *
 *   sqlite:<path>[?storeSystemInformation=false&defaultProduct=rs|pra]
 *   postgres://user:pass@host:5432/db[?sslmode=require&storeSystemInformation=false]
 *   mssql://user:pass@host:1433/db[?encrypt=false&trustServerCertificate=true]
 *   Server=host,1433;Database=db;User Id=u;Password=p[;Store System Information=False]
 */
import { ConfigError } from '../../src/errors.ts';
import { WriteTurn } from '../../src/pipeline/write-turn.ts';
import type { DestinationFactory, DestinationOptions } from '../destinations.ts';
import type { BundleSink } from '../../src/stage.ts';
import { parseSinkOptions, splitQuery } from './sql-destination-options.ts';
import { isAdoConnectionString, redactAdo, redactUrl } from './sql-redact.ts';

/** `sqlite:/srv/sra.db?x=y` -> path and query; `sqlite:///abs.db` and `sqlite://rel.db` work too. */
export function parseSqliteSpec(spec: string): { readonly path: string; readonly query: URLSearchParams } {
  let rest = spec.replace(/^sqlite:/i, '');
  if (rest.startsWith('//')) rest = rest.slice(2);
  const q = rest.indexOf('?');
  const path = q < 0 ? rest : rest.slice(0, q);
  if (path === '') throw new ConfigError(`--to ${spec}: give the database file, e.g. sqlite:data/sra.db`, { code: 'usage' });
  return { path, query: new URLSearchParams(q < 0 ? '' : rest.slice(q + 1)) };
}

export const sqliteDestination: DestinationFactory = {
  name: 'sqlite',
  summary: 'an SQLite database file (created with its schema when missing)',
  example: 'sqlite:data/sra.db',
  matches: (spec) => /^sqlite:/i.test(spec),
  redact: (spec) => spec,
  async open(spec: string, options: DestinationOptions): Promise<BundleSink> {
    const { path, query } = parseSqliteSpec(spec);
    const { sink, driver } = splitQuery(query);
    if (driver.length > 0) throw new ConfigError(`--to ${spec}: unknown option ${driver.map(([k]) => k).join(', ')} (known: storeSystemInformation, defaultProduct)`, { code: 'usage' });
    const stage = parseSinkOptions(sink, spec);
    const [{ SqlSink }, { SqliteDriver }] = await Promise.all([import('./sql-sink.ts'), import('./sqlite/sqlite-driver.ts')]);
    // Other connections to a file wait their turn for its write lock; an in-memory database is this
    // connection's alone. A partition waiting for its turn keeps parsing its next batch (2 in flight).
    return new SqlSink(new SqliteDriver(path, {
      writerThread: options.writeOnCallerThread !== true, ...(options.writeTurn === undefined ? {} : { writeTurn: new WriteTurn(options.writeTurn) }),
    }), { stage, acceptsConcurrentWriters: path !== ':memory:', partitionsByDefault: true, partitionInFlightBatches: 2, ...(options.logger ? { logger: options.logger } : {}) });
  },
};

export const postgresDestination: DestinationFactory = {
  name: 'postgres',
  summary: 'a PostgreSQL database (created with its schema when missing)',
  example: 'postgres://user:pass@host:5432/sra',
  matches: (spec) => /^postgres(ql)?:\/\//i.test(spec),
  redact: redactUrl,
  async open(spec: string, options: DestinationOptions): Promise<BundleSink> {
    let url: URL;
    try {
      url = new URL(spec);
    } catch {
      throw new ConfigError(`--to ${redactUrl(spec)}: not a valid URL; expected postgres://user:pass@host:5432/database`, { code: 'usage' });
    }
    if (url.pathname.length <= 1) throw new ConfigError(`--to ${redactUrl(spec)}: name the database, e.g. postgres://user:pass@host:5432/sra`, { code: 'usage' });
    const { sink, driver } = splitQuery(url.searchParams);
    const stage = parseSinkOptions(sink, redactUrl(spec));
    url.search = new URLSearchParams(driver).toString();
    const [{ SqlSink }, { PostgresDriver }] = await Promise.all([import('./sql-sink.ts'), import('./postgres/postgres-driver.ts')]);
    // Several pipelines only with --jobs: two of them load ~25% faster but peak at 230–265 MiB for a
    // 1 GB report (one: ~170 MiB), over the 250 MB a default run may use (bench/RESULTS.md).
    return new SqlSink(new PostgresDriver({ connectionString: url.toString(), displayName: redactUrl(spec) }), { stage, acceptsConcurrentWriters: true, ...(options.logger ? { logger: options.logger } : {}) });
  },
};

export const mssqlDestination: DestinationFactory = {
  name: 'mssql',
  summary: 'a SQL Server database (created with its schema when missing); URL or ADO connection string',
  example: 'mssql://user:pass@host:1433/BTSessions',
  matches: (spec) => /^mssql:\/\//i.test(spec) || isAdoConnectionString(spec),
  redact: (spec) => (isAdoConnectionString(spec) ? redactAdo(spec) : redactUrl(spec)),
  async open(spec: string, options: DestinationOptions): Promise<BundleSink> {
    const [{ SqlSink }, { MssqlDriver }, { parseMssqlSpec }] = await Promise.all([
      import('./sql-sink.ts'), import('./mssql/mssql-driver.ts'), import('./mssql/mssql-connection.ts'),
    ]);
    const parsed = parseMssqlSpec(spec);
    return new SqlSink(new MssqlDriver(parsed), { stage: parsed.stage, ...(options.logger ? { logger: options.logger } : {}) });
  },
};

/** The SQL destinations, most specific first. */
export const sqlDestinations: readonly DestinationFactory[] = [sqliteDestination, postgresDestination, mssqlDestination];
