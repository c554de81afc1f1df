/**
 * The file destination (the guide's File System plugin): session XML files, session / command-shell
 * / Show My Screen recordings and site backups, each type in its own folder with its own File Name
 * Format and conflict handling. Everything is written to a temporary file in the type's folder,
 * fsynced and moved into place, so a crash never leaves a partial file under a final name.
 *
 * Layout of a type folder:
 *   <folder>/<files named by the format>
 *   <folder>/.sra-etl/tmp/        downloads in progress (cleaned at connect when their writer is gone)
 *   <folder>/.sra-etl/manifest.jsonl   recordings and backups stored, expired recordings (see manifest.ts)
 */
import { open } from 'node:fs/promises';
import { ConfigError, EtlError } from '../../src/errors.ts';
import type { SessionBundle } from '../../src/records.ts';
import type { BatchResult, BundleSink, Logger, StageContext } from '../../src/stage.ts';
import { ATTR } from '../../src/telemetry/attributes.ts';
import { traceDownload } from '../../src/telemetry/download-span.ts';
import { silentLogger } from '../../src/stage.ts';
import type { ArtifactFetcher } from './artifact-fetcher.ts';
import { storeBackup, type BackupOutcome } from './backup-writer.ts';
import { resolveFileSinkSettings, type FileDataType, type FileSinkSettings, type ResolvedFileSinkSettings, type ResolvedTypeSettings } from './file-sink-options.ts';
import { Manifest } from './manifest.ts';
import { mapLimit } from './map-limit.ts';
import { pathModule } from './path-safety.ts';
import { describeRecording, downloadRecording, recordingJobs, RECORDING_TYPE, type RecordingJob } from './recording-downloader.ts';
import { writeSessionXml } from './session-xml-writer.ts';
import { TempFiles } from './temp-files.ts';

export interface FileSinkOptions {
  /** Where recordings and backups come from; required when those types are enabled. */
  readonly fetcher?: ArtifactFetcher;
  readonly logger?: Logger;
  /** Clock for `%DOWNLOAD_DATE%`, manifest times and backup order. Default: the system clock. */
  readonly now?: () => Date;
  /** Default: `process.platform`; tests use it to check Windows path handling. */
  readonly platform?: NodeJS.Platform;
}

/** A recording the appliance would not give (expired, or another `<error>` answer). */
export interface MissingRecording {
  readonly what: string;
  readonly lsid: string;
  readonly host: string;
  readonly status: 'expired' | 'unavailable';
  readonly message: string;
}

/** What the sink did during this run. */
export interface FileSinkReport {
  readonly sessionFiles: Record<'created' | 'overwritten' | 'skipped' | 'unchanged', number>;
  /** `unchanged`: downloaded and found identical to a file already there, which was kept. */
  readonly recordings: Record<'created' | 'overwritten' | 'skipped' | 'alreadyComplete' | 'unchanged', number> & { bytes: number };
  /** Recordings found missing this run (not those already known from earlier runs). */
  readonly missing: MissingRecording[];
  /** Recordings skipped because an earlier run found them expired or unavailable. */
  knownMissing: number;
  readonly backups: BackupOutcome[];
  staleTempsRemoved: number;
}

interface TypeState {
  readonly settings: ResolvedTypeSettings;
  readonly temps: TempFiles;
  readonly manifest: Manifest;
}

export class FileSink implements BundleSink {
  readonly type = 'file';
  readonly settings: ResolvedFileSinkSettings;
  readonly #fetcher: ArtifactFetcher | undefined;
  readonly #logger: Logger;
  readonly #now: () => Date;
  readonly #platform: NodeJS.Platform;
  readonly #states = new Map<FileDataType, TypeState>();
  #connected = false;
  #closed = false;
  readonly report: FileSinkReport = {
    sessionFiles: { created: 0, overwritten: 0, skipped: 0, unchanged: 0 },
    recordings: { created: 0, overwritten: 0, skipped: 0, alreadyComplete: 0, unchanged: 0, bytes: 0 },
    missing: [],
    knownMissing: 0,
    backups: [],
    staleTempsRemoved: 0,
  };

  constructor(settings: FileSinkSettings, options: FileSinkOptions = {}) {
    this.#platform = options.platform ?? process.platform;
    this.settings = resolveFileSinkSettings(settings, this.#platform);
    this.#fetcher = options.fetcher;
    this.#logger = (options.logger ?? silentLogger).child({ sink: 'file' });
    this.#now = options.now ?? (() => new Date());
  }

  /** True when sessions are stored: the parser must then keep each session's XML (`captureRawXml`). */
  get needsRawXml(): boolean {
    return this.settings.types.has('sessions');
  }

  /** True when some enabled type must be fetched from an appliance. */
  get needsFetcher(): boolean {
    return [...this.settings.types].some((type) => type !== 'sessions');
  }

  async connect(_ctx: StageContext): Promise<void> {
    if (this.#connected) return;
    const { flavor, root } = this.settings;
    if (flavor === 'win32' && this.#platform !== 'win32') {
      throw new ConfigError(`file:${root}: a UNC or drive-letter destination is written on Windows; on this system mount the share (mount -t cifs //server/share /mnt/share) and use file:/mnt/share/…`);
    }
    if (this.needsFetcher && this.#fetcher === undefined) {
      const types = [...this.settings.types].filter((type) => type !== 'sessions').join(', ');
      throw new ConfigError(`--types ${types}: recordings and backups are downloaded from an appliance; use \`pull --site <host>\`, or give \`replay\` a --site to fetch them from`, { code: 'usage' });
    }
    const p = pathModule(flavor);
    const byDirectory = new Map<string, { temps: TempFiles; manifest: Manifest }>();
    for (const type of this.settings.types) {
      const settings = this.settings.byType.get(type) as ResolvedTypeSettings;
      let shared = byDirectory.get(settings.directory);
      if (shared === undefined) {
        const stateDir = p.join(settings.directory, '.sra-etl');
        shared = { temps: new TempFiles(p.join(stateDir, 'tmp')), manifest: new Manifest(stateDir) };
        try {
          await shared.temps.prepare();
          const removed = await shared.temps.cleanStale();
          this.report.staleTempsRemoved += removed.length;
          if (removed.length > 0) this.#logger.info({ directory: shared.temps.dir, removed: removed.length }, 'removed unfinished downloads left by an earlier run');
          if (type !== 'sessions') await shared.manifest.load();
        } catch (error) {
          throw new EtlError(`file destination ${settings.directory} (${type}): ${(error as Error).message}; check that the folder exists or can be created and is writable`, 'io', 'sending', { cause: error });
        }
        if (shared.manifest.ignoredLines > 0) this.#logger.warn({ manifest: shared.manifest.file, ignored: shared.manifest.ignoredLines }, 'ignored unreadable manifest lines (a crash can tear the last one)');
        byDirectory.set(settings.directory, shared);
      } else if (type !== 'sessions') {
        await shared.manifest.load();
      }
      this.#states.set(type, { settings, ...shared });
    }
    this.#connected = true;
  }

  #state(type: FileDataType): TypeState {
    const state = this.#states.get(type);
    if (state === undefined) throw new EtlError(`file destination: ${type} is not enabled or the sink is not connected`, 'internal', 'sending');
    return state;
  }

  async writeBatch(batch: readonly SessionBundle[], ctx: StageContext): Promise<BatchResult> {
    if (!this.#connected) await this.connect(ctx);
    const p = pathModule(this.settings.flavor);
    const now = this.#now();
    const touched = new Set<string>();

    if (this.settings.types.has('sessions')) {
      const state = this.#state('sessions');
      await mapLimit(batch, this.settings.writeConcurrency, async (bundle) => {
        ctx.signal.throwIfAborted();
        const stored = await writeSessionXml(bundle, state.settings, state.temps, { flavor: this.settings.flavor, now });
        this.report.sessionFiles[stored.outcome]++;
        if (stored.outcome === 'created' || stored.outcome === 'overwritten') touched.add(p.dirname(stored.path));
      });
    }

    const jobs: RecordingJob[] = batch.flatMap((bundle) => recordingJobs(bundle, this.settings.types));
    if (jobs.length > 0) {
      const fetcher = this.#fetcher as ArtifactFetcher;
      await mapLimit(jobs, this.settings.downloadConcurrency, async (job) => {
        ctx.signal.throwIfAborted();
        const state = this.#state(RECORDING_TYPE[job.kind]);
        const result = await traceDownload(job.kind, { [ATTR.lsid]: job.session.key.lsid }, () =>
          downloadRecording(job, { settings: state.settings, temps: state.temps, manifest: state.manifest, fetcher, flavor: this.settings.flavor, now, signal: ctx.signal }));
        const what = describeRecording(job);
        switch (result.outcome) {
          case 'created':
          case 'overwritten':
            this.report.recordings[result.outcome]++;
            this.report.recordings.bytes += result.bytes;
            touched.add(p.dirname(result.path));
            this.#logger.debug({ path: result.path, bytes: result.bytes }, `stored ${what}`);
            break;
          case 'skipped':
            this.report.recordings.skipped++;
            break;
          case 'already-complete':
            this.report.recordings.alreadyComplete++;
            break;
          case 'unchanged':
            this.report.recordings.unchanged++;
            break;
          default:
            if (result.known) {
              this.report.knownMissing++;
            } else {
              this.report.missing.push({ what, lsid: job.session.key.lsid, host: job.session.key.host, status: result.outcome, message: result.message });
              this.#logger.warn({ lsid: job.session.key.lsid, status: result.outcome }, `${what}: the appliance answered "${result.message}"; recorded, it will not be requested again`);
            }
        }
      });
    }

    await Promise.all([...touched].map(syncDirectory));
    return { written: batch.length, rejected: [] };
  }

  /** Downloads one site backup, then applies the retention count. Needs `backups` in the types. */
  async storeBackup(ctx: StageContext): Promise<BackupOutcome> {
    if (!this.#connected) await this.connect(ctx);
    const state = this.#state('backups');
    const outcome = await traceDownload('backup', {}, () => storeBackup({
      settings: state.settings,
      temps: state.temps,
      manifest: state.manifest,
      fetcher: this.#fetcher as ArtifactFetcher,
      flavor: this.settings.flavor,
      now: this.#now(),
      signal: ctx.signal,
      password: this.settings.backupPassword,
      retention: this.settings.backupRetention,
    }));
    await syncDirectory(pathModule(this.settings.flavor).dirname(outcome.path));
    this.report.backups.push(outcome);
    this.#logger.info({ path: outcome.path, bytes: outcome.bytes, outcome: outcome.outcome, removed: outcome.removed.length }, 'site backup stored');
    return outcome;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...new Set([...this.#states.values()].map((state) => state.manifest))].map((manifest) => manifest.close()));
  }

  async abort(_reason: unknown): Promise<void> {
    await Promise.all([...new Set([...this.#states.values()].map((state) => state.temps))].map((temps) => temps.removeOwned()));
    await this.close();
  }
}

/** Makes renames in `dir` durable. Not every system can fsync a folder (Windows cannot); that is not an error. */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // EISDIR/EPERM/EINVAL where folders cannot be synced.
  } finally {
    await handle?.close().catch(() => {});
  }
}
