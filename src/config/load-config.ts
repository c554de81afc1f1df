/**
 * Loads the YAML configuration: parse (with line positions), validate against the published JSON
 * Schema, then check what a schema cannot (references between sections, periods, cron, time zones,
 * credentials, data types a destination accepts) and resolve secrets. Every problem is reported at
 * once, each naming its key path, line and column, and what is expected.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError } from '../errors.ts';
import type { Product } from '../records.ts';
import type {
  ConflictHandling, DataType, DestinationConfig, EtlConfig, FileDataTypeConfig, LogsConfig, NotificationsConfig, ScheduleConfig, SiteConfig,
} from './config-types.ts';
import { FILE_ONLY_DATA_TYPES } from './config-types.ts';
import type { TelemetryConfig } from '../telemetry/settings.ts';
import { schemaProblems, didYouMean } from './schema-errors.ts';
import { describeSecretRef, isInlineSecret, resolveSecret, Secret, type SecretRef } from './secret.ts';
import { cronProblem, isValidTimezone, MAX_PERIOD_MINUTES, MIN_PERIOD_MINUTES, parsePeriodMinutes, parseTimeOfDay, type ScheduleTiming } from './timing.ts';
import { YamlLocator, type KeyPath } from './yaml-locator.ts';

export interface LoadConfigOptions {
  /** Resolve `{ env }` / `{ file }` secrets (and fail on missing ones). Default true. */
  readonly resolveSecrets?: boolean;
  /** Environment used for `{ env }` secrets. Default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

/** File names tried, in order, when no --config is given and SRA_ETL_CONFIG is unset. */
export const DEFAULT_CONFIG_FILES = ['sra-etl.yaml', 'sra-etl.yml'];

/** `--config` if given, else `$SRA_ETL_CONFIG`, else ./sra-etl.yaml (or .yml). */
export function findConfigFile(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit !== undefined) return resolve(explicit);
  if (env.SRA_ETL_CONFIG) return resolve(env.SRA_ETL_CONFIG);
  for (const name of DEFAULT_CONFIG_FILES) if (existsSync(name)) return resolve(name);
  throw new ConfigError(
    'no configuration file: pass --config <file>, set SRA_ETL_CONFIG, or create ./sra-etl.yaml (start from examples/appliance-sqlserver.yaml)',
    { code: 'usage' },
  );
}

// The YAML as plain values, after the schema has accepted it (only the shapes we read are typed).
type Raw = Record<string, unknown>;

interface Problem {
  readonly text: string;
  readonly line: number;
  readonly column: number;
}

class Problems {
  readonly errors: Problem[] = [];
  readonly warnings: Problem[] = [];
  readonly locator: YamlLocator;

  constructor(locator: YamlLocator) {
    this.locator = locator;
  }

  #problem(path: KeyPath, message: string, atKey: boolean): Problem {
    const position = this.locator.position(path, { atKey });
    return { text: this.locator.describe(path, message, { atKey }), line: position?.line ?? 0, column: position?.column ?? 0 };
  }

  error(path: KeyPath, message: string, atKey = false): void {
    this.errors.push(this.#problem(path, message, atKey));
  }

  warn(path: KeyPath, message: string, atKey = false): void {
    this.warnings.push(this.#problem(path, message, atKey));
  }

  /** In file order. */
  sorted(list: readonly Problem[]): string[] {
    return [...list].sort((a, b) => a.line - b.line || a.column - b.column).map((problem) => problem.text);
  }
}

/** The file as messages show it: relative to the working directory when inside it. */
function displayPath(path: string): string {
  const shown = relative(process.cwd(), path);
  return shown === '' || shown.startsWith('..') || isAbsolute(shown) ? path : shown;
}

function configError(file: string, problems: readonly string[]): ConfigError {
  const count = problems.length === 1 ? 'an error' : `${problems.length} errors`;
  return new ConfigError(`configuration ${file} has ${count}:\n  ${problems.join('\n  ')}`);
}

/** Reads, validates and resolves a configuration file. Throws one ConfigError listing every problem. */
export function loadConfig(file: string, options: LoadConfigOptions = {}): EtlConfig {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(`cannot read configuration ${path} (${code}); pass --config <file>`, { cause: error, code: 'usage' });
  }
  return parseConfig(text, path, options);
}

/** Like {@link loadConfig} for text already in memory; `path` names the file in messages and anchors relative paths. */
export function parseConfig(text: string, path: string, options: LoadConfigOptions = {}): EtlConfig {
  const lines = new LineCounter();
  const shown = displayPath(path);
  const document = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) {
    throw configError(shown, document.errors.map((e) => {
      const at = lines.linePos(e.pos[0]);
      return `${shown}:${at.line}:${at.col}: ${e.message.split('\n')[0]} (YAML syntax; check indentation and quoting)`;
    }));
  }
  const data: unknown = document.toJS({ maxAliasCount: 100 });
  const locator = new YamlLocator(document, lines, shown);
  if (data === null || data === undefined) throw configError(shown, [`${shown}: the file is empty; it needs sites, destinations and schedules (see examples/)`]);
  const invalid = schemaProblems(data, locator);
  if (invalid.length > 0) throw configError(shown, invalid);
  const problems = new Problems(locator);
  const config = build(data as Raw, path, problems, options);
  if (problems.errors.length > 0) throw configError(shown, problems.sorted(problems.errors));
  return { ...config, warnings: problems.sorted(problems.warnings).map((message) => ({ message })) };
}

function build(raw: Raw, path: string, problems: Problems, options: LoadConfigOptions): EtlConfig {
  const directory = dirname(path);
  const at = (p: string) => (isAbsolute(p) || p.startsWith('\\\\') || p.startsWith('//') ? p : resolve(directory, p));
  const secret = (ref: SecretRef | undefined, key: KeyPath): Secret | undefined => {
    if (ref === undefined) return undefined;
    if (isInlineSecret(ref)) problems.warn(key, 'secret written inline; prefer { env: NAME } or { file: path } so the file can be shared and committed');
    if (options.resolveSecrets === false) return new Secret('', `${describeSecretRef(ref)} (not read)`);
    try {
      return resolveSecret(ref, directory, options.env);
    } catch (error) {
      problems.error(key, (error as Error).message);
      return undefined;
    }
  };

  const sites = new Map<string, SiteConfig>();
  for (const [name, value] of Object.entries(raw.sites as Record<string, Raw>)) {
    const key = ['sites', name];
    const hasOauth = value.clientId !== undefined || value.clientSecret !== undefined;
    const hasLegacy = value.username !== undefined || value.password !== undefined;
    if (!hasOauth && !hasLegacy) problems.error(key, 'needs credentials: clientId and clientSecret (API account, 16.1 and later) or username and password (before 16.1)');
    if (value.clientId !== undefined && value.clientSecret === undefined) problems.error([...key, 'clientId'], 'clientSecret is missing; add clientSecret: { env: NAME }');
    if (value.clientSecret !== undefined && value.clientId === undefined) problems.error([...key, 'clientSecret'], 'clientId is missing (the OAuth client id of the API account)');
    if (value.username !== undefined && value.password === undefined) problems.error([...key, 'username'], 'password is missing; add password: { env: NAME }');
    if (value.password !== undefined && value.username === undefined) problems.error([...key, 'password'], 'username is missing');
    sites.set(name, {
      name,
      host: value.host as string,
      product: value.product as Product,
      clientId: value.clientId as string | undefined,
      clientSecret: secret(value.clientSecret as SecretRef | undefined, [...key, 'clientSecret']),
      username: value.username as string | undefined,
      password: secret(value.password as SecretRef | undefined, [...key, 'password']),
      backupPassword: secret(value.backupPassword as SecretRef | undefined, [...key, 'backupPassword']),
      caFile: value.caFile === undefined ? undefined : at(value.caFile as string),
      requestsPerSecond: (value.requestsPerSecond as number | undefined) ?? 20,
      overlapMinutes: (value.overlapMinutes as number | undefined) ?? 10,
      windowDays: (value.windowDays as number | undefined) ?? 1,
      initialDays: (value.initialDays as number | undefined) ?? 7,
      startFrom: value.startFrom as string | undefined,
    });
  }

  const destinations = new Map<string, DestinationConfig>();
  for (const [name, value] of Object.entries(raw.destinations as Record<string, Raw>)) {
    const key = ['destinations', name];
    const storeSystemInformation = (value.storeSystemInformation as boolean | undefined) ?? true;
    switch (value.type) {
      case 'mssql': {
        const connection = value.connection as string;
        if (/(^|;)\s*(password|pwd)\s*=/i.test(connection) || /^mssql:\/\/[^/@]*:[^/@]*@/i.test(connection)) {
          problems.warn([...key, 'connection'], 'contains a password; move it to password: { env: NAME }');
        }
        destinations.set(name, { name, type: 'mssql', connection, password: secret(value.password as SecretRef | undefined, [...key, 'password']), storeSystemInformation });
        break;
      }
      case 'postgres': {
        const url = value.url as string;
        if (/^postgres(ql)?:\/\/[^/@]*:[^/@]*@/i.test(url)) problems.warn([...key, 'url'], 'contains a password; move it to password: { env: NAME }');
        destinations.set(name, { name, type: 'postgres', url, password: secret(value.password as SecretRef | undefined, [...key, 'password']), storeSystemInformation });
        break;
      }
      case 'sqlite':
        destinations.set(name, { name, type: 'sqlite', path: at(value.path as string), storeSystemInformation });
        break;
      case 'file': {
        const root = at(value.directory as string);
        const sub = (raw: Raw | undefined): FileDataTypeConfig => ({
          directory: raw?.directory === undefined ? root : isAbsolute(raw.directory as string) || (raw.directory as string).startsWith('\\\\') ? (raw.directory as string) : resolve(root, raw.directory as string),
          fileNameFormat: raw?.fileNameFormat as string | undefined,
          conflictHandling: (raw?.conflictHandling as ConflictHandling | undefined) ?? 'AppendNumber',
        });
        const backups = value.backups as Raw | undefined;
        destinations.set(name, {
          name,
          type: 'file',
          directory: root,
          sessions: sub(value.sessions as Raw | undefined),
          recordings: sub(value.recordings as Raw | undefined),
          shellRecordings: sub(value.shellRecordings as Raw | undefined),
          smsRecordings: sub(value.smsRecordings as Raw | undefined),
          backups: { ...sub(backups), retentionCount: backups?.retentionCount as number | undefined },
        });
        break;
      }
    }
  }

  const schedules: ScheduleConfig[] = [];
  const usedSites = new Set<string>();
  const usedDestinations = new Set<string>();
  const pairs = new Map<string, { schedule: string; data: readonly DataType[] }[]>();
  for (const [name, value] of Object.entries(raw.schedules as Record<string, Raw>)) {
    const key = ['schedules', name];
    const timing = scheduleTiming(value, key, problems);
    const transfers = (value.transfers as Raw[]).map((transfer, index) => {
      const tKey = [...key, 'transfers', index];
      const site = transfer.site as string;
      const destination = transfer.destination as string;
      const data = (transfer.data as DataType[] | undefined) ?? ['sessions'];
      if (!sites.has(site)) problems.error([...tKey, 'site'], unknownName('site', site, [...sites.keys()]));
      const target = destinations.get(destination);
      if (!target) problems.error([...tKey, 'destination'], unknownName('destination', destination, [...destinations.keys()]));
      else if (target.type !== 'file') {
        const fileOnly = data.filter((type) => FILE_ONLY_DATA_TYPES.has(type));
        if (fileOnly.length > 0) {
          problems.error([...tKey, 'data'], `${fileOnly.join(', ')} can only go to a file destination ("${destination}" is ${target.type}); as in the guide, send them to a destination of type: file in a transfer of their own`);
        }
      }
      if (data.includes('sms-recordings') && sites.get(site)?.product === 'pra') {
        problems.warn([...tKey, 'data'], `sms-recordings (Show My Screen) exist in Remote Support only; site "${site}" is pra, so there will be none`);
      }
      usedSites.add(site);
      usedDestinations.add(destination);
      const pair = `${site}\u0000${destination}`;
      const earlier = pairs.get(pair) ?? [];
      const sameSchedule = earlier.find((entry) => entry.schedule === name);
      const overlapping = earlier.find((entry) => entry.schedule !== name && entry.data.some((type) => data.includes(type)));
      if (sameSchedule) {
        problems.error(tKey, `repeats the transfer ${site} -> ${destination} of this schedule; list every data type in one transfer`);
      } else if (overlapping) {
        const shared = overlapping.data.filter((type) => data.includes(type)).join(', ');
        problems.warn(tKey, `schedule "${overlapping.schedule}" also transfers ${shared} from ${site} to ${destination}; both are safe (loads are idempotent) but they repeat work`);
      }
      pairs.set(pair, [...earlier, { schedule: name, data }]);
      return { index, site, destination, data };
    });
    if (timing) schedules.push({ name, enabled: (value.enabled as boolean | undefined) ?? true, timing, transfers });
    if (value.enabled === false) problems.warn([...key, 'enabled'], 'schedule is disabled: `sra-etl serve` will not run it (`sra-etl run --schedule` still can)');
  }
  for (const name of sites.keys()) if (!usedSites.has(name)) problems.warn(['sites', name], 'site is not used by any schedule', true);
  for (const name of destinations.keys()) if (!usedDestinations.has(name)) problems.warn(['destinations', name], 'destination is not used by any schedule', true);

  return {
    path,
    directory,
    state: { path: at(((raw.state as Raw | undefined)?.path as string | undefined) ?? 'data/state.db') },
    logs: logsConfig(raw.logs as Raw | undefined, at),
    notifications: notificationsConfig(raw.notifications as Raw | undefined, at, secret),
    // The schema has checked its shape; the settings are applied by src/telemetry/settings.ts.
    telemetry: raw.telemetry as TelemetryConfig | undefined,
    sites,
    destinations,
    schedules,
    warnings: [],
  };
}

function unknownName(kind: string, name: string, known: readonly string[]): string {
  const guess = didYouMean(name, known);
  const list = known.length > 0 ? `; ${kind}s are: ${known.join(', ')}` : '';
  return `no ${kind} named "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}${list}`;
}

function scheduleTiming(value: Raw, key: KeyPath, problems: Problems): ScheduleTiming | undefined {
  const timezone = value.timezone as string | undefined;
  if (timezone !== undefined && !isValidTimezone(timezone)) {
    problems.error([...key, 'timezone'], `unknown time zone ${JSON.stringify(timezone)}; use an IANA name such as Europe/Berlin or America/New_York`);
    return undefined;
  }
  const every = value.every as string | undefined;
  const cronText = value.cron as string | undefined;
  const at = value.at as string | undefined;
  if (every !== undefined && cronText !== undefined) {
    problems.error([...key, 'cron'], 'give either every (with at) or cron, not both', true);
    return undefined;
  }
  if (every === undefined && cronText === undefined) {
    problems.error(key, 'needs when to run: every (e.g. every: 1 hour, or every: 1 day with at: "02:30") or cron (e.g. cron: "*/15 * * * *")');
    return undefined;
  }
  if (cronText !== undefined) {
    if (at !== undefined) {
      problems.error([...key, 'at'], 'at only goes with every; put the time into the cron expression instead', true);
      return undefined;
    }
    const problem = cronProblem(cronText);
    if (problem) {
      problems.error([...key, 'cron'], problem);
      return undefined;
    }
    return { kind: 'cron', expression: cronText.trim().split(/\s+/).join(' '), timezone };
  }
  const minutes = parsePeriodMinutes(every as string);
  if (minutes === undefined || minutes < MIN_PERIOD_MINUTES || minutes > MAX_PERIOD_MINUTES) {
    problems.error([...key, 'every'], `must be a period from 1 minute to 7 days, such as "15 minutes", "2 hours" or "1 day" (got ${JSON.stringify(every)}); use cron for anything else`);
    return undefined;
  }
  if (at === undefined) return { kind: 'every', minutes, timezone };
  if (minutes % 1440 !== 0) {
    problems.error([...key, 'at'], `a time of day needs a period in whole days (every is ${JSON.stringify(every)}); use cron for times within a day`, true);
    return undefined;
  }
  const time = parseTimeOfDay(at);
  if (!time) {
    problems.error([...key, 'at'], `must be a time of day HH:MM such as "02:30" (got ${JSON.stringify(at)})`);
    return undefined;
  }
  return { kind: 'every', minutes, at: time, timezone };
}

function logsConfig(raw: Raw | undefined, at: (p: string) => string): LogsConfig {
  const directory = raw?.directory;
  return {
    directory: directory === false ? undefined : at((directory as string | undefined) ?? 'data/logs'),
    level: (raw?.level as LogsConfig['level'] | undefined) ?? 'info',
    console: (raw?.console as LogsConfig['console'] | undefined) ?? 'auto',
    deleteAfterDays: (raw?.deleteAfterDays as number | undefined) ?? 7,
    rotate: (raw?.rotate as LogsConfig['rotate'] | undefined) ?? 'daily',
    maxFileMegabytes: (raw?.maxFileMegabytes as number | undefined) ?? 50,
  };
}

function notificationsConfig(
  raw: Raw | undefined,
  at: (p: string) => string,
  secret: (ref: SecretRef | undefined, key: KeyPath) => Secret | undefined,
): NotificationsConfig | undefined {
  if (!raw) return undefined;
  const smtp = raw.smtp as Raw;
  const ssl = (smtp.ssl as boolean | undefined) ?? false;
  const to = raw.to as string | string[];
  return {
    enabled: (raw.enabled as boolean | undefined) ?? true,
    smtp: {
      host: smtp.host as string,
      port: (smtp.port as number | undefined) ?? (ssl ? 465 : 25),
      ssl,
      requireTls: (smtp.requireTls as boolean | undefined) ?? false,
      username: smtp.username as string | undefined,
      password: secret(smtp.password as SecretRef | undefined, ['notifications', 'smtp', 'password']),
      caFile: smtp.caFile === undefined ? undefined : at(smtp.caFile as string),
      timeoutSeconds: (smtp.timeoutSeconds as number | undefined) ?? 30,
    },
    from: raw.from as string,
    to: Array.isArray(to) ? to : [to],
    repeatAfterMinutes: (raw.repeatAfterMinutes as number | undefined) ?? 60,
  };
}
