/**
 * The configuration after loading: paths made absolute (relative to the configuration file),
 * defaults applied, periods parsed and secrets resolved into {@link Secret}s. The file's shape is
 * described by `sra-etl.schema.json` beside this file; the README's "Configuration reference" is the
 * prose version.
 */
import type { Product } from '../records.ts';
import type { TelemetryConfig } from '../telemetry/settings.ts';
import type { Secret } from './secret.ts';
import type { ScheduleTiming } from './timing.ts';

/** The data types a transfer can move; names match `--types` of `pull` and `replay`. */
export const DATA_TYPES = ['sessions', 'recordings', 'shell-recordings', 'sms-recordings', 'backups'] as const;
export type DataType = (typeof DATA_TYPES)[number];

/** Data types only a file destination accepts (the guide: recordings and backups go to files only). */
export const FILE_ONLY_DATA_TYPES: ReadonlySet<DataType> = new Set(['recordings', 'shell-recordings', 'sms-recordings', 'backups']);

export interface SiteConfig {
  readonly name: string;
  /** Host name without scheme, optionally `host:port`. */
  readonly host: string;
  readonly product: Product;
  readonly clientId?: string;
  readonly clientSecret?: Secret;
  /** Legacy (before 16.1) credentials. */
  readonly username?: string;
  readonly password?: Secret;
  readonly backupPassword?: Secret;
  /** Absolute path of a PEM bundle of extra CAs. */
  readonly caFile?: string;
  /** Default 20. */
  readonly requestsPerSecond: number;
  /** Default 10. */
  readonly overlapMinutes: number;
  /** Default 1. */
  readonly windowDays: number;
  /** Default 7. */
  readonly initialDays: number;
  /** `YYYY-MM-DD`; overrides initialDays. */
  readonly startFrom?: string;
}

export type ConflictHandling = 'AppendNumber' | 'Overwrite' | 'Skip';

export interface FileDataTypeConfig {
  /** Absolute folder for this data type. */
  readonly directory: string;
  readonly fileNameFormat?: string;
  readonly conflictHandling: ConflictHandling;
}

export interface FileBackupsConfig extends FileDataTypeConfig {
  /** Keep this many newest backups; undefined keeps all. */
  readonly retentionCount?: number;
}

interface DestinationBase {
  readonly name: string;
}

export interface MssqlDestinationConfig extends DestinationBase {
  readonly type: 'mssql';
  /** ADO string or mssql:// URL, as written (normally without a password). */
  readonly connection: string;
  readonly password?: Secret;
  /** Default true. */
  readonly storeSystemInformation: boolean;
}

export interface PostgresDestinationConfig extends DestinationBase {
  readonly type: 'postgres';
  readonly url: string;
  readonly password?: Secret;
  readonly storeSystemInformation: boolean;
}

export interface SqliteDestinationConfig extends DestinationBase {
  readonly type: 'sqlite';
  /** Absolute path. */
  readonly path: string;
  readonly storeSystemInformation: boolean;
}

export interface FileDestinationConfig extends DestinationBase {
  readonly type: 'file';
  /** Absolute path or UNC path. */
  readonly directory: string;
  readonly sessions: FileDataTypeConfig;
  readonly recordings: FileDataTypeConfig;
  readonly shellRecordings: FileDataTypeConfig;
  readonly smsRecordings: FileDataTypeConfig;
  readonly backups: FileBackupsConfig;
}

export type DestinationConfig = MssqlDestinationConfig | PostgresDestinationConfig | SqliteDestinationConfig | FileDestinationConfig;

export interface TransferConfig {
  /** 0-based row in the schedule's transfers list. */
  readonly index: number;
  readonly site: string;
  readonly destination: string;
  readonly data: readonly DataType[];
}

export interface ScheduleConfig {
  readonly name: string;
  /** Default true. */
  readonly enabled: boolean;
  readonly timing: ScheduleTiming;
  readonly transfers: readonly TransferConfig[];
}

export interface LogsConfig {
  /** Absolute folder, or undefined for no log files. */
  readonly directory?: string;
  readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  readonly console: 'auto' | 'pretty' | 'json' | 'off';
  /** 0 keeps every file. Default 7. */
  readonly deleteAfterDays: number;
  readonly rotate: 'daily' | 'hourly';
  readonly maxFileMegabytes: number;
}

export interface SmtpConfig {
  readonly host: string;
  readonly port: number;
  readonly ssl: boolean;
  readonly requireTls: boolean;
  readonly username?: string;
  readonly password?: Secret;
  readonly caFile?: string;
  readonly timeoutSeconds: number;
}

export interface NotificationsConfig {
  readonly enabled: boolean;
  readonly smtp: SmtpConfig;
  readonly from: string;
  readonly to: readonly string[];
  readonly repeatAfterMinutes: number;
}

/** Something legal but unwise (an inline secret, an unused destination): printed by `config check`. */
export interface ConfigWarning {
  /** `path:line:column: key.path: message`. */
  readonly message: string;
}

export interface EtlConfig {
  /** Absolute path of the configuration file. */
  readonly path: string;
  /** Its folder: relative paths inside are resolved from here. */
  readonly directory: string;
  readonly state: { readonly path: string };
  readonly logs: LogsConfig;
  readonly notifications?: NotificationsConfig;
  /** OpenTelemetry switch and OTLP settings (src/telemetry/settings.ts); the OTEL_* variables win. */
  readonly telemetry?: TelemetryConfig;
  readonly sites: ReadonlyMap<string, SiteConfig>;
  readonly destinations: ReadonlyMap<string, DestinationConfig>;
  /** In file order. */
  readonly schedules: readonly ScheduleConfig[];
  readonly warnings: readonly ConfigWarning[];
}
