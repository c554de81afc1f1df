/**
 * `--to file:<dir>`: the spec of the file destination. Per-type settings may follow a `?`, joined by
 * `&`, taken literally (no percent-decoding, so formats keep their `%NAME%` values):
 *
 *   file:/srv/sra
 *   file:/srv/sra?sessions.format=%START_DATE%/%LSEQ%-%LSID%.xml&recordings.conflict=Skip
 *   file:/srv/sra?backups.retention=7&recordings.dir=/mnt/videos
 *   file:\\server\share\sra                      (on Windows)
 *
 * Keys: `types`, `<type>.dir`, `<type>.format`, `<type>.conflict`, `backups.retention`, with
 * <type> one of sessions, recordings, shell-recordings, sms-recordings, backups. The backup password
 * comes from the environment (SRA_ETL_BACKUP_PASSWORD), never from the command line.
 */
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../src/errors.ts';
import type { DestinationOptions } from '../destinations.ts';
import { parseConflictHandling } from './conflict.ts';
import { FileSink } from './file-sink.ts';
import { FILE_DATA_TYPES, parseDataTypes, type FileDataType, type FileSinkSettings, type FileTypeSettings } from './file-sink-options.ts';

export const BACKUP_PASSWORD_ENV = 'SRA_ETL_BACKUP_PASSWORD';

type MutableTypeSettings = { -readonly [K in keyof FileTypeSettings]?: FileTypeSettings[K] };

/** Parses `file:<dir>[?key=value&…]` into settings; every problem is a usage error naming the key. */
export function parseFileSpec(spec: string): FileSinkSettings {
  if (!spec.startsWith('file:')) throw new ConfigError(`--to ${JSON.stringify(spec)}: not a file destination (file:<dir>)`, { code: 'usage' });
  const body = spec.slice('file:'.length);
  const question = body.indexOf('?');
  let root = question < 0 ? body : body.slice(0, question);
  const query = question < 0 ? '' : body.slice(question + 1);
  // The URL form file:///srv/sra (or file://localhost/srv/sra) is accepted too.
  if (root.startsWith('///') || root.startsWith('//localhost/')) root = fileURLToPath(`file:${root}`);
  if (root.trim() === '') throw new ConfigError(`--to ${JSON.stringify(spec)}: no directory; use file:<dir>, e.g. file:./sra-data`, { code: 'usage' });

  const settings: Partial<Record<FileDataType, MutableTypeSettings>> = {};
  let types: FileDataType[] | undefined;
  let backupRetention: number | null | undefined;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq < 0) throw new ConfigError(`--to file:…?${pair}: expected key=value`, { code: 'usage' });
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    if (key === 'types') {
      types = parseDataTypes(value, `--to file:…?types`);
      continue;
    }
    if (key === 'backups.retention') {
      if (value.trim() === '') backupRetention = null;
      else if (/^\d+$/.test(value.trim())) backupRetention = Number(value.trim());
      else throw new ConfigError(`--to file:…?backups.retention=${value}: a whole number of backups to keep, or empty to keep all`, { code: 'usage' });
      continue;
    }
    const dot = key.lastIndexOf('.');
    const type = key.slice(0, dot) as FileDataType;
    const field = key.slice(dot + 1);
    if (dot < 0 || !FILE_DATA_TYPES.includes(type) || !['dir', 'format', 'conflict'].includes(field)) {
      throw new ConfigError(`--to file:…?${key}: unknown setting; use types, backups.retention or <type>.dir|format|conflict with <type> one of ${FILE_DATA_TYPES.join(', ')}`, { code: 'usage' });
    }
    const target = (settings[type] ??= {});
    if (field === 'dir') target.directory = value;
    else if (field === 'format') target.format = value;
    else target.conflict = parseConflictHandling(value, `--to file:…?${key}`);
  }
  return {
    root,
    ...(types === undefined ? {} : { types }),
    settings,
    ...(backupRetention === undefined ? {} : { backupRetention }),
  };
}

/**
 * Opens `file:<dir>` for `--to`. `options.types` (from `--types`) wins over `?types=`; the backup
 * password comes from SRA_ETL_BACKUP_PASSWORD.
 */
export async function openFileDestination(spec: string, options: DestinationOptions): Promise<FileSink> {
  const parsed = parseFileSpec(spec);
  const types = options.types === undefined ? parsed.types : parseDataTypes(options.types.join(','));
  const password = process.env[BACKUP_PASSWORD_ENV];
  return new FileSink(
    { ...parsed, ...(types === undefined ? {} : { types }), ...(password === undefined || password === '' ? {} : { backupPassword: password }) },
    { ...(options.fetcher === undefined ? {} : { fetcher: options.fetcher }), ...(options.logger === undefined ? {} : { logger: options.logger }) },
  );
}
