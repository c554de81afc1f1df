/**
 * Settings of the file destination, per data type as in the guide's File System plugin: a
 * destination directory, a File Name Format and a File Name Conflict Handling, plus the backups'
 * Retention Count. Validated once, up front, into {@link ResolvedFileSinkSettings}.
 */
import { ConfigError } from '../../src/errors.ts';
import type { ConflictHandling } from './conflict.ts';
import { compileFileNameFormat, type FileNameFormat, type ReplacementName } from './file-name-format.ts';
import { containedJoin, destinationFlavor, pathModule, type PathFlavor } from './path-safety.ts';

/** `--types` help: the data types a command may store (parseDataTypes reads them). */
export const TYPES_HELP = 'data types to store, comma-separated: sessions, recordings, shell-recordings, sms-recordings (RS), backups; all but sessions need a file: destination';

/** The data types the file destination stores (`--types`). */
export const FILE_DATA_TYPES = ['sessions', 'recordings', 'shell-recordings', 'sms-recordings', 'backups'] as const;
export type FileDataType = (typeof FILE_DATA_TYPES)[number];

export interface FileTypeSettings {
  /** Destination directory of this type: absolute, or relative to the destination root. */
  readonly directory: string;
  readonly format: string;
  readonly conflict: ConflictHandling;
}

/**
 * Defaults. Session data follows the guide (`%LSEQ%-%LSID%.xml`, AppendNumber); recordings follow
 * the guide's example name `support.example.com-support-1234.flv`; each type has its own folder.
 */
export const DEFAULT_TYPE_SETTINGS: Readonly<Record<FileDataType, FileTypeSettings>> = {
  sessions: { directory: 'sessions', format: '%LSEQ%-%LSID%.xml', conflict: 'AppendNumber' },
  recordings: { directory: 'recordings', format: '%SUPPORT_SITE_HOST%-%SESSION_TYPE%-%LSID%.%EXTENSION%', conflict: 'AppendNumber' },
  'shell-recordings': { directory: 'shell-recordings', format: '%SUPPORT_SITE_HOST%-%SESSION_TYPE%-%LSID%-%INSTANCE%.%EXTENSION%', conflict: 'AppendNumber' },
  'sms-recordings': { directory: 'sms-recordings', format: '%SUPPORT_SITE_HOST%-%SESSION_TYPE%-%LSID%-%INSTANCE%.%EXTENSION%', conflict: 'AppendNumber' },
  backups: { directory: 'backups', format: '%SUPPORT_SITE_HOST%-%DOWNLOAD_DATE%-%DOWNLOAD_TIME%.%EXTENSION%', conflict: 'AppendNumber' },
};

const SESSION_VALUES: readonly ReplacementName[] = [
  'LSEQ', 'LSID', 'EXTERNAL_KEY', 'SESSION_TYPE', 'SUPPORT_SITE_HOST', 'EXTENSION',
  'START_DATE', 'START_TIME', 'START_YEAR', 'START_MONTH', 'START_DAY', 'END_DATE', 'DOWNLOAD_DATE', 'DOWNLOAD_TIME',
];

/** Which replacement values each data type may use. */
export const TYPE_VALUES: Readonly<Record<FileDataType, readonly ReplacementName[]>> = {
  sessions: SESSION_VALUES,
  recordings: SESSION_VALUES,
  'shell-recordings': [...SESSION_VALUES, 'INSTANCE'],
  'sms-recordings': [...SESSION_VALUES, 'INSTANCE'],
  backups: ['SUPPORT_SITE_HOST', 'EXTENSION', 'DOWNLOAD_DATE', 'DOWNLOAD_TIME'],
};

export interface FileSinkSettings {
  /** The destination root: a local directory or (on Windows) a UNC path such as `\\server\share\sra`. */
  readonly root: string;
  /** Data types to store. Default: sessions only. */
  readonly types?: Iterable<FileDataType>;
  /** Per-type overrides of {@link DEFAULT_TYPE_SETTINGS}. */
  readonly settings?: Partial<Record<FileDataType, Partial<FileTypeSettings>>>;
  /** Backups to keep, newest first; null or undefined keeps all (the guide's empty Retention Count). */
  readonly backupRetention?: number | null;
  /** Password applied to site backups (sent to `/api/backup`); never logged. */
  readonly backupPassword?: string;
  /** Recordings downloaded at the same time. Default 2. */
  readonly downloadConcurrency?: number;
  /** Session XML files written at the same time. Default 8. */
  readonly writeConcurrency?: number;
}

export interface ResolvedTypeSettings {
  readonly type: FileDataType;
  /** Absolute directory of this type. */
  readonly directory: string;
  readonly format: FileNameFormat;
  readonly conflict: ConflictHandling;
}

export interface ResolvedFileSinkSettings {
  readonly root: string;
  readonly flavor: PathFlavor;
  readonly types: ReadonlySet<FileDataType>;
  readonly byType: ReadonlyMap<FileDataType, ResolvedTypeSettings>;
  readonly backupRetention: number | null;
  readonly backupPassword: string | undefined;
  readonly downloadConcurrency: number;
  readonly writeConcurrency: number;
}

export function parseDataTypes(list: string, configKey = '--types'): FileDataType[] {
  const types: FileDataType[] = [];
  for (const raw of list.split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    if (!(FILE_DATA_TYPES as readonly string[]).includes(name)) throw new ConfigError(`${configKey}: unknown data type ${JSON.stringify(name)}; use a comma-separated list of ${FILE_DATA_TYPES.join(', ')}`, { code: 'usage' });
    if (!types.includes(name as FileDataType)) types.push(name as FileDataType);
  }
  if (types.length === 0) throw new ConfigError(`${configKey}: no data type given; use a comma-separated list of ${FILE_DATA_TYPES.join(', ')}`, { code: 'usage' });
  return types;
}

function positiveInteger(value: number | undefined, fallback: number, key: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(`${key} ${value}: must be a whole number of at least 1`);
  return value;
}

/** Validates settings and compiles the formats; every problem is a ConfigError naming its key. */
export function resolveFileSinkSettings(settings: FileSinkSettings, platform: NodeJS.Platform = process.platform): ResolvedFileSinkSettings {
  if (settings.root.trim() === '') throw new ConfigError('file destination: the destination directory is empty; use file:<dir>', { code: 'usage' });
  const flavor = destinationFlavor(settings.root, platform);
  const p = pathModule(flavor);
  const root = p.resolve(settings.root);
  const types = new Set(settings.types ?? ['sessions']);
  const byType = new Map<FileDataType, ResolvedTypeSettings>();
  for (const type of FILE_DATA_TYPES) {
    const merged = { ...DEFAULT_TYPE_SETTINGS[type], ...settings.settings?.[type] };
    const format = compileFileNameFormat(merged.format, { configKey: `${type}.format`, allowed: TYPE_VALUES[type] });
    if (merged.directory.trim() === '') throw new ConfigError(`${type}.directory: empty; use a folder name or "." for the destination root`);
    // A relative type folder is an operator's setting, but it still may not climb out of the root.
    if (!p.isAbsolute(merged.directory) && merged.directory.split(/[\\/]/).includes('..')) throw new ConfigError(`${type}.directory ${JSON.stringify(merged.directory)}: ".." is not allowed; give an absolute path to store this type elsewhere`);
    const directory = p.isAbsolute(merged.directory) ? p.resolve(merged.directory) : merged.directory === '.' ? root : containedJoin(root, merged.directory.split(/[\\/]/), flavor);
    byType.set(type, { type, directory, format, conflict: merged.conflict });
  }
  const retention = settings.backupRetention;
  if (retention !== undefined && retention !== null && (!Number.isInteger(retention) || retention < 1)) {
    throw new ConfigError(`backups.retention ${retention}: keep at least 1 backup, or leave it empty to keep all`);
  }
  return {
    root,
    flavor,
    types,
    byType,
    backupRetention: retention ?? null,
    backupPassword: settings.backupPassword,
    downloadConcurrency: positiveInteger(settings.downloadConcurrency, 2, 'downloadConcurrency'),
    writeConcurrency: positiveInteger(settings.writeConcurrency, 8, 'writeConcurrency'),
  };
}
