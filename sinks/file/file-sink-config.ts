/**
 * A `type: file` destination of the configuration file (src/config) as file sink settings, for the
 * scheduler's transfers: the destination's folders, formats and conflict handling, the transfer's
 * data types and the site's backup password.
 */
import type { DataType, FileDataTypeConfig, FileDestinationConfig, SiteConfig } from '../../src/config/config-types.ts';
import type { FileDataType, FileSinkSettings, FileTypeSettings } from './file-sink-options.ts';

function typeSettings(config: FileDataTypeConfig): Partial<FileTypeSettings> {
  return {
    directory: config.directory,
    conflict: config.conflictHandling,
    ...(config.fileNameFormat === undefined ? {} : { format: config.fileNameFormat }),
  };
}

/** Settings for one transfer of `data` from `site` into the file destination `destination`. */
export function fileSinkSettingsFromConfig(destination: FileDestinationConfig, data: readonly DataType[], site?: Pick<SiteConfig, 'backupPassword'>): FileSinkSettings {
  const password = site?.backupPassword?.reveal();
  return {
    root: destination.directory,
    types: data as readonly FileDataType[],
    settings: {
      sessions: typeSettings(destination.sessions),
      recordings: typeSettings(destination.recordings),
      'shell-recordings': typeSettings(destination.shellRecordings),
      'sms-recordings': typeSettings(destination.smsRecordings),
      backups: typeSettings(destination.backups),
    },
    backupRetention: destination.backups.retentionCount ?? null,
    ...(password === undefined ? {} : { backupPassword: password }),
  };
}
