/**
 * A tiny loopback HTTP server that answers the recording reports and `/api/backup` like an
 * appliance (binary bodies, or an `<error>` document with HTTP 200), with the faults a download must
 * survive: a body cut short of its Content-Length, a connection reset mid-body, no Content-Length.
 * Bodies are generated 64 KiB at a time, so a multi-gigabyte recording costs the server no memory.
 * Plus a minimal ArtifactFetcher over it, so the file sink can be tested on its own.
 */
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ReportError, SourceError } from '../../src/errors.ts';
import type { ArtifactFetcher, Download, RecordingRequest } from '../../sinks/file/artifact-fetcher.ts';

export type Reply =
  | { readonly size: number; readonly contentType?: string; readonly fileName?: string; readonly fault?: 'truncate' | 'reset' | 'no-length'; readonly faultAt?: number; readonly name?: string }
  | { readonly error: string };

export interface ArtifactRequest {
  readonly report: string;
  readonly lsid: string;
  readonly instance: number | null;
}

export interface ArtifactServerOptions {
  recording?(request: ArtifactRequest): Reply;
  backup?(password: string | undefined): Reply;
}

const BLOCK = 64 * 1024;

/** The bytes of synthetic file `name`, from `offset`, `length` long: fast, deterministic, different per name. */
export function syntheticBlock(name: string, index: number): Buffer {
  const seed = createHash('sha256').update(`${name}/${index}`).digest();
  const block = Buffer.allocUnsafe(BLOCK);
  for (let offset = 0; offset < BLOCK; offset += seed.length) seed.copy(block, offset);
  return block;
}

/** The whole synthetic file (small sizes only: tests compare it with what was written). */
export function syntheticFile(name: string, size: number): Buffer {
  const blocks: Buffer[] = [];
  for (let offset = 0, index = 0; offset < size; offset += BLOCK, index++) blocks.push(syntheticBlock(name, index).subarray(0, Math.min(BLOCK, size - offset)));
  return Buffer.concat(blocks);
}

export function errorDocument(message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<error >${message}</error>\n`;
}

export interface ArtifactServer {
  readonly url: string;
  readonly requests: ArtifactRequest[];
  readonly backupRequests: (string | undefined)[];
  close(): Promise<void>;
}

export async function startArtifactServer(options: ArtifactServerOptions): Promise<ArtifactServer> {
  const requests: ArtifactRequest[] = [];
  const backupRequests: (string | undefined)[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      let reply: Reply | undefined;
      let name = url.pathname;
      if (url.pathname === '/api/reporting') {
        const instance = url.searchParams.get('instance');
        const request: ArtifactRequest = { report: url.searchParams.get('generate_report') ?? '', lsid: url.searchParams.get('lsid') ?? '', instance: instance === null ? null : Number(instance) };
        requests.push(request);
        name = `${request.report}/${request.lsid}/${request.instance ?? ''}`;
        reply = options.recording?.(request);
      } else if (url.pathname === '/api/backup') {
        let body = '';
        for await (const chunk of req as AsyncIterable<Buffer>) body += chunk.toString('utf8');
        const password = body === '' ? undefined : (JSON.parse(body) as { password?: string }).password;
        backupRequests.push(password);
        reply = options.backup?.(password);
        name = `backup/${backupRequests.length}`;
      }
      if (reply === undefined) {
        res.writeHead(404).end();
        return;
      }
      if ('error' in reply) {
        res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8', connection: 'close' }).end(errorDocument(reply.error));
        return;
      }
      name = reply.name ?? name;
      const headers: Record<string, string | number> = { 'content-type': reply.contentType ?? 'application/octet-stream', connection: 'close' };
      if (reply.fault !== 'no-length') headers['content-length'] = reply.size;
      if (reply.fileName !== undefined) headers['content-disposition'] = `attachment; filename="${reply.fileName}"`;
      res.writeHead(200, headers);
      const stopAt = reply.fault === 'truncate' || reply.fault === 'reset' ? (reply.faultAt ?? Math.floor(reply.size / 2)) : reply.size;
      let sent = 0;
      for (let index = 0; sent < stopAt; index++) {
        const chunk = syntheticBlock(name, index).subarray(0, Math.min(BLOCK, stopAt - sent));
        sent += chunk.length;
        if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
        if (res.destroyed) return;
      }
      if (reply.fault === 'reset') req.socket.resetAndDestroy();
      else if (reply.fault === 'truncate') req.socket.end();
      else res.end();
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    backupRequests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const REPORTS: Readonly<Record<RecordingRequest['kind'], string>> = {
  recording: 'AccessSessionRecording',
  'shell-recording': 'CommandShellRecording',
  'sms-recording': 'ShowMyScreenRecording',
};

function open(url: string, signal: AbortSignal, body?: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { signal, method: body === undefined ? 'GET' : 'POST', headers: body === undefined ? {} : { 'content-type': 'application/json' } }, resolve);
    request.on('error', reject);
    request.end(body);
  });
}

async function binaryOrError(response: IncomingMessage, what: string): Promise<Download> {
  const contentType = response.headers['content-type'];
  if (contentType?.includes('xml') === true) {
    let text = '';
    for await (const chunk of response as AsyncIterable<Buffer>) text += chunk.toString('utf8');
    const message = /<error\b[^>]*>([\s\S]*?)<\/error>/.exec(text)?.[1] ?? text;
    throw new ReportError(`${what}: the appliance answered "${message}"`, message, null, { code: /recording has expired/i.test(message) ? 'recording_expired' : 'report_error' });
  }
  if (response.statusCode !== 200) throw new SourceError(`${what}: HTTP ${response.statusCode}`, 'http_status');
  const length = response.headers['content-length'];
  const fileName = /filename="([^"]*)"/.exec(response.headers['content-disposition'] ?? '')?.[1];
  return {
    body: response,
    ...(length === undefined ? {} : { contentLength: Number(length) }),
    ...(contentType === undefined ? {} : { contentType }),
    ...(fileName === undefined ? {} : { fileName }),
  };
}

/** An ArtifactFetcher for {@link startArtifactServer}. */
export function artifactFetcher(baseUrl: string, host = 'support.example.com'): ArtifactFetcher {
  return {
    host,
    async fetchRecording(request, signal) {
      const params = new URLSearchParams({ generate_report: REPORTS[request.kind], lsid: request.lsid });
      if (request.instance !== null) params.set('instance', String(request.instance));
      return binaryOrError(await open(`${baseUrl}/api/reporting?${params}`, signal), `${request.kind} ${request.lsid}`);
    },
    async fetchBackup(options, signal) {
      return binaryOrError(await open(`${baseUrl}/api/backup`, signal, options.password === undefined ? undefined : JSON.stringify({ password: options.password })), 'backup');
    },
  };
}
