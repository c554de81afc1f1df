/**
 * Session, command-shell and Show My Screen recordings: which a session has, and storing one.
 *
 * A recording is requested only when the session's XML says it exists (a recording URL, a
 * `command_shell_recording` or Show My Screen instance); sessions in progress carry none. A recording
 * the manifest lists as complete, and whose file is still there at its size, is not downloaded again
 * whatever name AppendNumber gave it; one the appliance said has expired is not asked for again.
 */
import { mkdir, stat } from 'node:fs/promises';
import { EtlError, ReportError, SourceError } from '../../src/errors.ts';
import type { SessionBundle, SessionRecord } from '../../src/records.ts';
import { extensionFor, type ArtifactFetcher, type Download, type RecordingKind } from './artifact-fetcher.ts';
import { appendNumberCandidates, placeFile, type ConflictHandling } from './conflict.ts';
import type { FileDataType, ResolvedTypeSettings } from './file-sink-options.ts';
import type { ArtifactId, Manifest } from './manifest.ts';
import { containedJoin, pathModule, type PathFlavor } from './path-safety.ts';
import { sessionValues } from './replacement-values.ts';
import { sameFileContent } from './same-content.ts';
import type { TempFiles, WrittenTemp } from './temp-files.ts';

/**
 * Runs on which a recording the appliance answered for with an `<error>` other than "expired" is
 * requested (the text is localized and not every phrasing is known, so one odd answer is not final).
 */
export const UNAVAILABLE_ATTEMPTS = 3;

/** Error codes that are about the API account rather than one recording (`forbidden` comes from the appliance client). */
const ACCOUNT_ERRORS: ReadonlySet<string> = new Set(['auth_failed', 'forbidden']);

export interface RecordingJob {
  readonly kind: RecordingKind;
  readonly session: SessionRecord;
  /** 0-based instance of a command-shell or Show My Screen recording; null for the session recording. */
  readonly instance: number | null;
}

/** The sink's data type of each recording kind (they differ only for the session recording). */
export const RECORDING_TYPE: Readonly<Record<RecordingKind, FileDataType>> = {
  recording: 'recordings',
  'shell-recording': 'shell-recordings',
  'sms-recording': 'sms-recordings',
};

/** The recordings a session has, for the enabled types. */
export function recordingJobs(bundle: SessionBundle, types: ReadonlySet<FileDataType>): RecordingJob[] {
  const session = bundle.session;
  const jobs: RecordingJob[] = [];
  if (types.has('recordings') && (session.recordingDownloadUrl !== null || session.recordingViewUrl !== null)) {
    jobs.push({ kind: 'recording', session, instance: null });
  }
  if (types.has('shell-recordings')) {
    for (const r of session.commandShellRecordings) jobs.push({ kind: 'shell-recording', session, instance: r.instance });
  }
  if (types.has('sms-recordings')) {
    for (const r of session.showMyScreenRecordings) jobs.push({ kind: 'sms-recording', session, instance: r.instance });
  }
  return jobs;
}

export type RecordingOutcome =
  | { readonly outcome: 'created' | 'overwritten' | 'skipped'; readonly path: string; readonly bytes: number }
  | { readonly outcome: 'already-complete'; readonly path: string }
  /** Downloaded, and found identical to a file already there: that file is kept and recorded. */
  | { readonly outcome: 'unchanged'; readonly path: string }
  /** `known`: the manifest already said so (nothing was requested this time). */
  | { readonly outcome: 'expired' | 'unavailable'; readonly message: string; readonly known: boolean };

export interface RecordingContext {
  readonly settings: ResolvedTypeSettings;
  readonly temps: TempFiles;
  readonly manifest: Manifest;
  readonly fetcher: ArtifactFetcher;
  readonly flavor: PathFlavor;
  readonly now: Date;
  readonly signal: AbortSignal;
}

export function describeRecording(job: RecordingJob): string {
  const what = job.kind === 'recording' ? 'session recording' : job.kind === 'shell-recording' ? `command shell recording ${job.instance}` : `Show My Screen recording ${job.instance}`;
  return `${what} of lsid ${job.session.key.lsid} (${job.session.key.host})`;
}

/** `/`-separated path of `file` relative to `dir`, as the manifest stores it. */
export function relativeName(dir: string, file: string, flavor: PathFlavor): string {
  return pathModule(flavor).relative(dir, file).split(pathModule(flavor).sep).join('/');
}

/**
 * A failed transfer, said with what was being fetched and that nothing partial was kept. Errors of
 * the destination (disk full) and cancellation pass through as they are.
 */
export function transferFailure(what: string, error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted || (error instanceof EtlError && error.stage === 'sending')) return error;
  const message = (error as Error).message;
  if (error instanceof EtlError && /fetched again/.test(message)) return error;
  const code = error instanceof EtlError ? error.code : 'network';
  return new SourceError(`${what}: ${message}; nothing partial was kept, it will be fetched again on the next run`, code, { cause: error });
}

/**
 * Receives `download` into a temporary file bound for `finalPath` (its folder is created), or, when
 * the conflict handling is Skip and `finalPath` is taken, drops the body unread and returns
 * undefined. A transfer that fails throws {@link transferFailure}'s error; nothing partial is kept.
 */
export async function receiveUnlessSkipped(
  download: Download,
  finalPath: string,
  options: { readonly conflict: ConflictHandling; readonly temps: TempFiles; readonly flavor: PathFlavor; readonly signal: AbortSignal; readonly what: string },
): Promise<WrittenTemp | undefined> {
  if (options.conflict === 'Skip' && (await stat(finalPath).catch(() => undefined)) !== undefined) {
    download.body.destroy();
    return undefined;
  }
  await mkdir(pathModule(options.flavor).dirname(finalPath), { recursive: true });
  try {
    return await options.temps.writeStream(download.body, {
      ...(download.contentLength === undefined ? {} : { expectedLength: download.contentLength }),
      signal: options.signal,
      what: options.what,
    });
  } catch (error) {
    throw transferFailure(options.what, error, options.signal);
  }
}

export async function downloadRecording(job: RecordingJob, context: RecordingContext): Promise<RecordingOutcome> {
  const { settings, manifest, flavor } = context;
  const id: ArtifactId = { kind: job.kind, host: job.session.key.host, lsid: job.session.key.lsid, instance: job.instance };
  const what = describeRecording(job);

  const known = manifest.get(id);
  if (known?.status === 'expired' || (known?.status === 'unavailable' && (known.attempts ?? 1) >= UNAVAILABLE_ATTEMPTS)) {
    return { outcome: known.status, message: known.message, known: true };
  }
  if (known?.status === 'done') {
    let file: string | undefined;
    try {
      file = containedJoin(settings.directory, known.path.split('/'), flavor);
    } catch {
      file = undefined; // a hand-edited manifest pointing outside the folder: ignore the entry
    }
    const info = file === undefined ? undefined : await stat(file).catch(() => undefined);
    if (file !== undefined && info?.isFile() === true && info.size === known.bytes) return { outcome: 'already-complete', path: file };
    // Removed or damaged since: fetch it again.
  }

  let download;
  try {
    download = await context.fetcher.fetchRecording({ kind: job.kind, lsid: job.session.key.lsid, instance: job.instance, product: job.session.product }, context.signal);
  } catch (error) {
    // The appliance's answer about this one recording: record it so it is not asked for forever.
    // A refused login or a missing permission is about the account, not the recording: it fails the run.
    if (error instanceof ReportError && !ACCOUNT_ERRORS.has(error.code)) {
      const expired = error.code === 'recording_expired' || /recording has expired/i.test(error.applianceMessage);
      const message = error.applianceMessage;
      const at = context.now.toISOString();
      if (expired) {
        await manifest.record({ ...id, status: 'expired', message, at });
        return { outcome: 'expired', message, known: false };
      }
      const attempts = (known?.status === 'unavailable' ? (known.attempts ?? 1) : 0) + 1;
      await manifest.record({ ...id, status: 'unavailable', message, attempts, at });
      return { outcome: 'unavailable', message, known: false };
    }
    throw transferFailure(what, error, context.signal);
  }

  const extension = extensionFor(download, 'flv');
  const components = settings.format.render(sessionValues(job.session, { extension, instance: job.instance, now: context.now }));
  const finalPath = containedJoin(settings.directory, components, flavor);
  const temp = await receiveUnlessSkipped(download, finalPath, { conflict: settings.conflict, temps: context.temps, flavor, signal: context.signal, what });
  if (temp === undefined) return { outcome: 'skipped', path: finalPath, bytes: 0 };
  // The same bytes already stored under this name (or an AppendNumber variant of it) — a recording
  // from an earlier tool, or one whose manifest line a crash lost — are not stored a second time.
  const candidates = settings.conflict === 'AppendNumber' ? appendNumberCandidates(finalPath) : [finalPath];
  for (const candidate of candidates) {
    const same = await sameFileContent(candidate, temp.path);
    if (same === undefined) break;
    if (same) {
      await context.temps.remove(temp.path);
      await manifest.record({ ...id, status: 'done', path: relativeName(settings.directory, candidate, flavor), bytes: temp.bytes, at: context.now.toISOString() });
      return { outcome: 'unchanged', path: candidate };
    }
  }
  const placed = await placeFile(temp.path, finalPath, settings.conflict);
  context.temps.release(temp.path);
  if (placed.outcome === 'skipped') return { outcome: 'skipped', path: placed.path, bytes: 0 };
  await manifest.record({ ...id, status: 'done', path: relativeName(settings.directory, placed.path, flavor), bytes: temp.bytes, at: context.now.toISOString() });
  return { outcome: placed.outcome, path: placed.path, bytes: temp.bytes };
}
