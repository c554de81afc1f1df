import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findDestination, openDestination } from '../../../../sinks/destinations.ts';
import { parseFileSpec } from '../../../../sinks/file/file-destination.ts';
import { FileSink } from '../../../../sinks/file/file-sink.ts';
import { innerSink } from '../../../../src/telemetry/sink-span.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';

describe('parseFileSpec', () => {
  it('takes the directory after file:, in plain, URL and UNC forms', () => {
    expect(parseFileSpec('file:/srv/sra').root).toBe('/srv/sra');
    expect(parseFileSpec('file:./out').root).toBe('./out');
    expect(parseFileSpec('file:///srv/sra').root).toBe('/srv/sra');
    expect(parseFileSpec('file:\\\\server\\share\\sra').root).toBe('\\\\server\\share\\sra');
    expect(parseFileSpec('file:C:\\data\\sra').root).toBe('C:\\data\\sra');
  });

  it('reads per-type settings literally, keeping the %NAME% values', () => {
    const settings = parseFileSpec('file:/srv/sra?types=sessions,recordings&sessions.format=%START_DATE%/%LSEQ%-%LSID%.xml&recordings.conflict=skip&recordings.dir=/mnt/videos&backups.retention=7');
    expect(settings).toEqual({
      root: '/srv/sra',
      types: ['sessions', 'recordings'],
      settings: { sessions: { format: '%START_DATE%/%LSEQ%-%LSID%.xml' }, recordings: { conflict: 'Skip', directory: '/mnt/videos' } },
      backupRetention: 7,
    });
    expect(parseFileSpec('file:/x?backups.retention=').backupRetention).toBeNull();
  });

  it('names what is wrong', () => {
    expect(() => parseFileSpec('file:')).toThrow(/no directory/);
    expect(() => parseFileSpec('file:/x?videos.dir=/y')).toThrow(/videos\.dir: unknown setting/);
    expect(() => parseFileSpec('file:/x?recordings.conflict=Rename')).toThrow(/recordings\.conflict.*AppendNumber, Overwrite, Skip/);
    expect(() => parseFileSpec('file:/x?types=sessions,videos')).toThrow(/unknown data type "videos"/);
    expect(() => parseFileSpec('file:/x?backups.retention=many')).toThrow(/backups\.retention/);
    expect(() => parseFileSpec('file:/x?format')).toThrow(/key=value/);
  });
});

describe('--to file:<dir>', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  beforeEach(async () => {
    tmp = await makeTempDir('sra-dest-');
  });
  afterEach(async () => {
    await tmp.remove();
  });

  it('is in the destination registry and opens a file sink; --types wins over ?types=', async () => {
    expect(findDestination(`file:${tmp.dir}`).name).toBe('file');
    const sink = await openDestination(`file:${tmp.dir}?types=recordings`, { types: ['sessions'] });
    const files = innerSink(sink); // openDestination wraps every sink in a TracedSink
    expect(files).toBeInstanceOf(FileSink);
    expect([...(files as FileSink).settings.types]).toEqual(['sessions']);
    expect(sink.needsRawXml).toBe(true); // passed through the wrapper
    expect(sink.type).toBe('file');
    await sink.close();
  });
});

describe('the configuration file\'s file destination', () => {
  it('maps folders, formats, conflict handling, retention and the backup password', async () => {
    const { fileSinkSettingsFromConfig } = await import('../../../../sinks/file/file-sink-config.ts');
    const { Secret } = await import('../../../../src/config/secret.ts');
    const sub = (directory: string, fileNameFormat?: string) => ({ directory, conflictHandling: 'AppendNumber' as const, ...(fileNameFormat === undefined ? {} : { fileNameFormat }) });
    const settings = fileSinkSettingsFromConfig(
      { name: 'files', type: 'file', directory: '/srv/sra', sessions: sub('/srv/sra/xml', '%LSID%.xml'), recordings: { ...sub('/srv/sra'), conflictHandling: 'Skip' }, shellRecordings: sub('/srv/sra'), smsRecordings: sub('/srv/sra'), backups: { ...sub('/srv/backups'), retentionCount: 3 } },
      ['sessions', 'backups'],
      { backupPassword: new Secret('hunter2', 'inline') },
    );
    expect(settings).toEqual({
      root: '/srv/sra',
      types: ['sessions', 'backups'],
      settings: {
        sessions: { directory: '/srv/sra/xml', conflict: 'AppendNumber', format: '%LSID%.xml' },
        recordings: { directory: '/srv/sra', conflict: 'Skip' },
        'shell-recordings': { directory: '/srv/sra', conflict: 'AppendNumber' },
        'sms-recordings': { directory: '/srv/sra', conflict: 'AppendNumber' },
        backups: { directory: '/srv/backups', conflict: 'AppendNumber' },
      },
      backupRetention: 3,
      backupPassword: 'hunter2',
    });
    const sink = new FileSink(settings);
    expect(sink.settings.byType.get('sessions')?.directory).toBe('/srv/sra/xml');
  });
});
