/**
 * What the file destination needs from an appliance to store recordings and backups: a streaming
 * download per artifact. The appliance client (stages/sources/appliance) provides it; tests can give
 * any HTTP server. Kept as a small interface so the sink never depends on the client's internals.
 */
import type { Readable } from 'node:stream';
import type { Product } from '../../src/records.ts';

/** The recording reports of the reporting API, by the sink's data type names. */
export type RecordingKind = 'recording' | 'shell-recording' | 'sms-recording';

export interface RecordingRequest {
  readonly kind: RecordingKind;
  readonly lsid: string;
  /** `@instance` of a command-shell or Show My Screen recording; null for the session recording. */
  readonly instance: number | null;
  /** Which report to ask for: RS `SupportSessionRecording`, PRA `AccessSessionRecording`. Null: the site's own. */
  readonly product: Product | null;
}

/** A response whose body has not been read yet. */
export interface Download {
  /**
   * The bytes, streamed; the sink is its only reader: it reads it to the end or destroys it, and
   * may release each chunk's memory once the chunk is on disk. Do not tee it elsewhere.
   */
  readonly body: Readable;
  /** Content-Length, when the appliance sent one: the download is complete only at exactly this many bytes. */
  readonly contentLength?: number;
  /** Content-Type, used to choose `%EXTENSION%` (`video/mp4` → `mp4`). */
  readonly contentType?: string;
  /** The file name from Content-Disposition, when sent; its extension wins for `%EXTENSION%`. */
  readonly fileName?: string;
}

export interface ArtifactFetcher {
  /** The site's hostname: `%SUPPORT_SITE_HOST%` of backups. */
  readonly host: string;
  /**
   * Starts downloading a recording. Rejects with a ReportError (code `recording_expired`) when the
   * appliance answers "This recording has expired…", with another ReportError for other `<error>`
   * answers, and with a SourceError for transport failures (retried by the client first).
   */
  fetchRecording(request: RecordingRequest, signal: AbortSignal): Promise<Download>;
  /** Starts downloading a site backup (`/api/backup`), password-protected when `password` is given. */
  fetchBackup(options: { readonly password?: string }, signal: AbortSignal): Promise<Download>;
}

const TYPE_EXTENSIONS: Readonly<Record<string, string>> = {
  'video/x-flv': 'flv',
  'video/flv': 'flv',
  'video/mp4': 'mp4',
  'video/x-m4v': 'm4v',
  'video/webm': 'webm',
  'text/html': 'html',
  'text/plain': 'txt',
  'application/zip': 'zip',
};

/**
 * `%EXTENSION%` for a download: the extension of the Content-Disposition file name, else one known
 * for its Content-Type, else `fallback` (`flv` for recordings, as the Integration Client stores them;
 * `nsb` for backups).
 */
export function extensionFor(download: Pick<Download, 'contentType' | 'fileName'>, fallback: string): string {
  const fromName = download.fileName === undefined ? undefined : /\.([A-Za-z0-9]{1,10})$/.exec(download.fileName)?.[1];
  if (fromName !== undefined) return fromName.toLowerCase();
  const type = download.contentType?.split(';')[0]?.trim().toLowerCase();
  return (type === undefined ? undefined : TYPE_EXTENSIONS[type]) ?? fallback;
}
