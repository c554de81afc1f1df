/**
 * Streaming binary downloads: session recordings (`SupportSessionRecording` / `AccessSessionRecording`),
 * command-shell and Show My Screen recordings (by instance), and site backups (`/api/backup`). The
 * appliance answers either the binary or, with HTTP 200, a small `<error>` document ("This recording
 * has expired…"), so the first bytes are inspected before the body is handed over; an error document
 * becomes a typed ReportError (code `recording_expired`, `not_found`, `auth_failed`, `forbidden` or
 * `report_error`). Bodies are never buffered: the caller pipes `body` to a file.
 */
import { Readable } from 'node:stream';
import { ConfigError, SourceError } from '../../../src/errors.ts';
import type { Product } from '../../../src/records.ts';
import type { ApiCall, ApiResponse, ApplianceClient } from './appliance-client.ts';
import { applianceReportError, findApplianceError } from './appliance-error.ts';

/** `session`: the screen recording; `command_shell` and `show_my_screen` need an `instance`. */
export type RecordingKind = 'session' | 'command_shell' | 'show_my_screen';

export interface RecordingRequest {
  readonly product: Product;
  readonly lsid: string;
  /** Default `session`. */
  readonly kind?: RecordingKind;
  /** 0-based instance for command-shell and Show My Screen recordings (as in the session XML). */
  readonly instance?: number;
  readonly signal?: AbortSignal;
}

export interface BackupRequest {
  /** Protects the backup file; needed again to restore it. Sent as `{"password": …}`. */
  readonly password?: string;
  readonly signal?: AbortSignal;
}

export interface Download {
  /** The binary, streamed. Read it to the end (errors mid-body are SourceErrors) or destroy it. */
  readonly body: Readable;
  /** Bytes announced by the appliance, when it announced them. */
  readonly contentLength: number | undefined;
  readonly contentType: string | undefined;
  /** The file name from Content-Disposition, when the appliance sent one. */
  readonly fileName: string | undefined;
}

const RECORDING_REPORTS: Readonly<Record<RecordingKind, Readonly<Record<Product, string | null>>>> = {
  session: { rs: 'SupportSessionRecording', pra: 'AccessSessionRecording' },
  command_shell: { rs: 'CommandShellRecording', pra: 'CommandShellRecording' },
  show_my_screen: { rs: 'ShowMyScreenRecording', pra: null },
};

/** The reporting call that fetches a recording (exported for tests and the simulator's docs). */
export function recordingCall(request: RecordingRequest): ApiCall {
  const kind = request.kind ?? 'session';
  const report = RECORDING_REPORTS[kind][request.product];
  if (report === null) throw new ConfigError(`${kind} recordings exist only on Remote Support sites`, { code: 'usage' });
  const fields: Record<string, string> = { generate_report: report, lsid: request.lsid };
  if (kind !== 'session') {
    if (request.instance === undefined || !Number.isInteger(request.instance) || request.instance < 0) {
      throw new ConfigError(`${report} for lsid ${request.lsid} needs a 0-based instance number`, { code: 'usage' });
    }
    fields.instance = String(request.instance);
  }
  const label = `${report} lsid=${request.lsid}${fields.instance === undefined ? '' : ` instance=${fields.instance}`}`;
  return { path: 'api/reporting', method: 'GET', fields, label };
}

/** Streams one recording, or throws a ReportError when the appliance answers with an `<error>`. */
export async function downloadRecording(client: ApplianceClient, request: RecordingRequest): Promise<Download> {
  const call = recordingCall(request);
  return binaryOrError(client, await client.open(call, request.signal), call.label);
}

/** Streams a site backup (`.nsb`), optionally password-protected. */
export async function downloadBackup(client: ApplianceClient, request: BackupRequest = {}): Promise<Download> {
  if (request.password !== undefined && client.legacy) {
    throw new ConfigError(`${client.site.host}: a backup password needs OAuth API credentials (appliances 16.1 and later); drop the backup password or use an API account`, { code: 'usage' });
  }
  const call: ApiCall = request.password === undefined
    ? { path: 'api/backup', method: 'GET', label: 'site backup' }
    : { path: 'api/backup', method: 'POST', json: { password: request.password }, label: 'site backup (password-protected)' };
  return binaryOrError(client, await client.open(call, request.signal), call.label);
}

const SNIFF_BYTES = 512;
const ERROR_DOCUMENT_LIMIT = 64 * 1024;

function looksLikeText(head: Buffer, contentType: string | undefined): boolean {
  if (contentType !== undefined && /\b(xml|html|text\/)/i.test(contentType)) return true;
  const start = head.subarray(0, 64).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  return start.startsWith('<?xml') || start.startsWith('<error') || start.startsWith('Invalid credentials');
}

async function binaryOrError(client: ApplianceClient, response: ApiResponse, label: string): Promise<Download> {
  const iterator = (response.body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headBytes = 0;
  let ended = false;
  while (headBytes < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    head.push(next.value);
    headBytes += next.value.length;
  }
  const first = Buffer.concat(head);
  if (looksLikeText(first, response.contentType)) {
    let text = first.toString('utf8');
    while (!ended && Buffer.byteLength(text) < ERROR_DOCUMENT_LIMIT) {
      const next = await iterator.next();
      if (next.done) break;
      text += next.value.toString('utf8');
    }
    response.body.destroy();
    const error = findApplianceError(text);
    if (error !== undefined) throw applianceReportError(error, client.site.host, label);
    if (/^\s*Invalid credentials/.test(text)) {
      throw applianceReportError({ message: 'Invalid credentials', code: null }, client.site.host, label);
    }
    throw new SourceError(`${client.site.host}: ${label}: expected a binary file but the appliance sent a ${response.contentType ?? 'text'} document: ${text.replace(/\s+/g, ' ').slice(0, 200)}`, 'http_status');
  }
  async function* replay(): AsyncGenerator<Buffer> {
    let complete = false;
    try {
      yield* head;
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        yield next.value;
      }
      complete = true;
    } finally {
      if (!complete) response.body.destroy();
    }
  }
  const body = Readable.from(replay(), { objectMode: false, highWaterMark: 64 * 1024 });
  return { body, contentLength: response.contentLength, contentType: response.contentType, fileName: fileNameOf(response.headers['content-disposition']) };
}

function fileNameOf(disposition: string | undefined): string | undefined {
  if (disposition === undefined) return undefined;
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
  if (star?.[1] !== undefined) return decodeURIComponent(star[1]);
  const plain = /filename\s*=\s*(?:"([^"]*)"|([^;]+))/i.exec(disposition);
  const name = plain?.[1] ?? plain?.[2];
  // Only the last path segment: a file name must never walk out of the destination folder.
  return name === undefined ? undefined : name.trim().split(/[\\/]/).pop();
}
