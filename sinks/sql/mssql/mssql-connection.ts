/**
 * SQL Server destinations: `mssql://user:pass@host:1433/db?encrypt=false&trustServerCertificate=true`
 * or the ADO.NET string users copy from the old Integration Client
 * (`Server=host,1433;Database=BTSessions;User Id=u;Password=p;Store System Information=False`).
 * mssql cannot parse `mssql://` URLs (its config comes back empty), so they are parsed here; ADO
 * strings go through mssql's own parser after sra-etl's keys are taken out.
 */
import sql from 'mssql';
import { ConfigError } from '../../../src/errors.ts';
import { isSinkOption, parseSinkOptions, splitQuery } from '../sql-destination-options.ts';
import type { StageOptions } from '../stage-bundles.ts';
import { isAdoConnectionString, redactAdo, redactUrl } from '../sql-redact.ts';

export interface MssqlDestination {
  /** Pool config with the database set. */
  readonly config: sql.config;
  readonly database: string;
  readonly displayName: string;
  readonly stage: StageOptions;
}

/** A bulk load runs under the pool's requestTimeout (mssql never sets one on the bulk itself). */
const REQUEST_TIMEOUT_MS = 600_000;

/** `a=1;b="x;y";c={p;q}` -> segments split on `;` outside quotes and braces. */
export function splitAdo(spec: string): string[] {
  const segments: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i] as string;
    if (quote !== null) {
      current += c;
      if (c === quote) {
        if (spec[i + 1] === quote) current += spec[++i] as string; // doubled quote inside a value
        else quote = null;
      }
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '{') quote = '}';
    if (c === ';') {
      segments.push(current);
      current = '';
    } else current += c;
  }
  if (current.trim() !== '') segments.push(current);
  return segments.filter((s) => s.trim() !== '');
}

function withDefaults(config: sql.config, database: string): sql.config {
  return {
    ...config,
    database,
    requestTimeout: config.requestTimeout ?? REQUEST_TIMEOUT_MS,
    pool: { ...config.pool, max: 1, min: 0 },
    options: { ...config.options, abortTransactionOnError: true, appName: 'sra-etl' },
  };
}

function fromAdo(spec: string): MssqlDestination {
  const displayName = redactAdo(spec);
  const ours: [string, string][] = [];
  const theirs: string[] = [];
  for (const segment of splitAdo(spec)) {
    const eq = segment.indexOf('=');
    const key = eq < 0 ? segment.trim() : segment.slice(0, eq).trim();
    if (isSinkOption(key)) ours.push([key, eq < 0 ? '' : segment.slice(eq + 1).trim()]);
    else theirs.push(segment);
  }
  let config: sql.config;
  try {
    config = sql.ConnectionPool.parseConnectionString(theirs.join(';')) as sql.config;
  } catch (error) {
    throw new ConfigError(`--to ${displayName}: cannot read the connection string: ${(error as Error).message}`, { code: 'usage', cause: error });
  }
  const database = config.database;
  if (database === undefined || database === '') throw new ConfigError(`--to ${displayName}: add Database=<name> (e.g. Database=BTSessions)`, { code: 'usage' });
  if (config.server === undefined || config.server === '') throw new ConfigError(`--to ${displayName}: add Server=<host>`, { code: 'usage' });
  return { config: withDefaults(config, database), database, displayName, stage: parseSinkOptions(ours, displayName) };
}

function flag(value: string, key: string, displayName: string): boolean {
  if (/^(true|yes|1)$/i.test(value)) return true;
  if (/^(false|no|0)$/i.test(value)) return false;
  throw new ConfigError(`--to ${displayName}: ${key} must be true or false`, { code: 'usage' });
}

function fromUrl(spec: string): MssqlDestination {
  const displayName = redactUrl(spec);
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new ConfigError(`--to ${displayName}: not a valid URL; expected mssql://user:pass@host:1433/database`, { code: 'usage' });
  }
  const database = decodeURIComponent(url.pathname.slice(1));
  if (database === '') throw new ConfigError(`--to ${displayName}: name the database, e.g. mssql://user:pass@host:1433/BTSessions`, { code: 'usage' });
  const { sink, driver } = splitQuery(url.searchParams);
  const options: NonNullable<sql.config['options']> = { encrypt: true, trustServerCertificate: false };
  let domain: string | undefined;
  for (const [key, value] of driver) {
    if (key === 'encrypt') options.encrypt = flag(value, key, displayName);
    else if (key === 'trustServerCertificate') options.trustServerCertificate = flag(value, key, displayName);
    else if (key === 'instanceName') options.instanceName = value;
    else if (key === 'domain') domain = value;
    else throw new ConfigError(`--to ${displayName}: unknown option ${key} (known: encrypt, trustServerCertificate, instanceName, domain, storeSystemInformation, defaultProduct)`, { code: 'usage' });
  }
  const config: sql.config = {
    server: decodeURIComponent(url.hostname.replace(/^\[|\]$/g, '')),
    ...(url.port === '' ? {} : { port: Number(url.port) }),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    ...(domain === undefined ? {} : { domain }),
    options,
  };
  return { config: withDefaults(config, database), database, displayName, stage: parseSinkOptions(sink, displayName) };
}

export function parseMssqlSpec(spec: string): MssqlDestination {
  return isAdoConnectionString(spec) ? fromAdo(spec) : fromUrl(spec);
}
