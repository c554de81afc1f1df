/**
 * The HTTP client for a BeyondTrust RS/PRA appliance's APIs, the way the vendor requires them called:
 *
 * - OAuth2 client credentials with one cached token per client (renewed shortly before `expires_in`,
 *   re-fetched once when a call gets 401), or the legacy username/password parameters of appliances
 *   before 16.1 (`/api/reporting.ns`);
 * - TLS verified by default, optionally against a custom CA bundle;
 * - a new connection per call, closed afterwards (vendor requirement: no keep-alive);
 * - a rate limit (default 20 requests/s, the API's per-account limit; requests are paced evenly) and
 *   a bound on calls being set up at once, both through one p-queue;
 * - retries with jittered exponential backoff on 429, 5xx and network failures, honouring
 *   Retry-After; connect, response-start and idle timeouts;
 * - bodies handed to the caller as streams, never buffered whole.
 *
 * The client knows calls, not report semantics: see report-source.ts and downloads.ts.
 */
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { Readable } from 'node:stream';
import got from 'got';
import PQueue from 'p-queue';
import { SourceError } from '../../../src/errors.ts';
import { noteHttpResponse, withHttpSpan } from '../../../src/telemetry/http-span.ts';
import { addRateLimitWaitEvent, addRetryEvent, type Span } from '../../../src/telemetry/tracing.ts';
import type { Logger } from '../../../src/stage.ts';
import { silentLogger } from '../../../src/stage.ts';
import { backoffDelay, retryAfterMs, sleep, type BackoffOptions } from './backoff.ts';
import { guardBody } from './guarded-body.ts';
import { isTransientNetworkError, isTransientStatus, networkFailure, statusFailure } from './http-failure.ts';
import { parseSiteAddress, type SiteAddress } from './site-address.ts';
import { TokenCache, type IssuedToken } from './token-cache.ts';

/** OAuth client credentials (appliances 16.1 and later) or a legacy user login (before 16.1). */
export type ApplianceCredentials =
  | { readonly kind: 'oauth'; readonly clientId: string; readonly clientSecret: string }
  | { readonly kind: 'legacy'; readonly username: string; readonly password: string };

export interface ApplianceClientOptions {
  /** `support.example.com`, `host:port`, or `http://127.0.0.1:port` for the simulator. */
  readonly site: string | SiteAddress;
  readonly credentials: ApplianceCredentials;
  /** Extra trusted CA certificates (PEM text), added to Node's bundle. */
  readonly ca?: string | readonly string[];
  /** Skip certificate verification. Only for test appliances; logged as a warning. Default false. */
  readonly insecure?: boolean;
  /** Requests started per second, token calls and retries included. Default 20. */
  readonly rateLimit?: number;
  /** Calls being set up (connect to response headers) at once. Default 4. */
  readonly concurrency?: number;
  /** Retries after the first attempt on 429, 5xx and network failures. Default 5. */
  readonly retries?: number;
  readonly backoff?: BackoffOptions;
  /** A Retry-After longer than this fails the call instead of waiting. Default 120 000 ms. */
  readonly maxRetryAfterMs?: number;
  /** TCP connect and TLS handshake, each. Default 15 000 ms. */
  readonly connectTimeoutMs?: number;
  /** From request sent to response headers (the appliance builds big reports before answering). Default 300 000 ms. */
  readonly responseTimeoutMs?: number;
  /** Longest wait for the next body chunk while the reader is waiting for it. Default 60 000 ms. */
  readonly idleTimeoutMs?: number;
  /** Local clock in ms since the epoch (tests skew it). Default Date.now. */
  readonly now?: () => number;
  readonly logger?: Logger;
}

/** One API call. `fields` go in the query string (GET) or a form body (POST). */
export interface ApiCall {
  /** Path under the site root without a leading slash: `api/reporting`, `api/backup`, `oauth2/token`. */
  readonly path: string;
  readonly method: 'GET' | 'POST';
  readonly fields?: Readonly<Record<string, string>>;
  /** A JSON body (POST only), e.g. the backup password. Not combined with `fields`. */
  readonly json?: unknown;
  /** What the call is, for messages: `AccessSession start_time=1733011200 duration=86400`. */
  readonly label: string;
}

/** A successful (2xx) response whose body has not been read yet. */
export interface ApiResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** Content-Length when the server sent one and the body is not content-encoded. */
  readonly contentLength: number | undefined;
  readonly contentType: string | undefined;
  /** The body as a byte stream; read it to the end or destroy it. */
  readonly body: Readable;
}

export interface ClientStats {
  /** HTTP requests sent, token requests and retries included. */
  requests: number;
  retries: number;
  tokensFetched: number;
  /** Calls repeated with a new token after a 401. */
  reauthentications: number;
}

interface OpenResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly stream: Readable;
}

const USER_AGENT = 'sra-etl (+https://github.com/) appliance-client';

export class ApplianceClient {
  readonly site: SiteAddress;
  readonly stats: ClientStats = { requests: 0, retries: 0, tokensFetched: 0, reauthentications: 0 };
  readonly #credentials: ApplianceCredentials;
  readonly #queue: PQueue;
  readonly #tokens: TokenCache;
  readonly #agents: { http: http.Agent; https: https.Agent };
  readonly #now: () => number;
  readonly #logger: Logger;
  readonly #retries: number;
  readonly #backoff: BackoffOptions;
  readonly #maxRetryAfterMs: number;
  readonly #timeouts: { connect: number; secureConnect: number; send: number; response: number };
  readonly #idleTimeoutMs: number;
  readonly #tls: { rejectUnauthorized: boolean; certificateAuthority?: string[] };
  #clockOffsetMs: number | undefined;

  constructor(options: ApplianceClientOptions) {
    this.site = typeof options.site === 'string' ? parseSiteAddress(options.site) : options.site;
    this.#credentials = options.credentials;
    this.#now = options.now ?? Date.now;
    this.#logger = (options.logger ?? silentLogger).child({ site: this.site.host });
    this.#retries = options.retries ?? 5;
    this.#backoff = options.backoff ?? {};
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? 120_000;
    const connect = options.connectTimeoutMs ?? 15_000;
    this.#timeouts = { connect, secureConnect: connect, send: 60_000, response: options.responseTimeoutMs ?? 300_000 };
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
    const rate = options.rateLimit ?? 20;
    const concurrency = options.concurrency ?? 4;
    // Requests are paced evenly (never a burst), 15% further apart than the limit needs: the server
    // sees each request a variable few ms after it starts, and that slack absorbs up to 150 ms of such
    // jitter before it could count more than `rate` requests within one second.
    this.#queue = new PQueue({ concurrency, intervalCap: 1, interval: Math.ceil(1150 / Math.max(0.01, rate)), strict: true });
    // No keep-alive: the vendor asks for the connection to be closed after each call.
    this.#agents = { http: new http.Agent({ keepAlive: false }), https: new https.Agent({ keepAlive: false }) };
    const ca = options.ca === undefined ? undefined : typeof options.ca === 'string' ? [options.ca] : [...options.ca];
    this.#tls = { rejectUnauthorized: options.insecure !== true, ...(ca === undefined ? {} : { certificateAuthority: [...tlsRootCertificates(), ...ca] }) };
    if (options.insecure === true) this.#logger.warn('TLS certificate verification is OFF for this site (--insecure): use only with a test appliance');
    this.#tokens = new TokenCache((signal) => this.#fetchToken(signal), this.#now);
  }

  /** Whether calls use username/password parameters (appliances before 16.1). */
  get legacy(): boolean {
    return this.#credentials.kind === 'legacy';
  }

  /**
   * Appliance clock minus local clock, in ms, from the `Date` header of the latest response
   * (1 s resolution); `undefined` before the first response.
   */
  get clockOffsetMs(): number | undefined {
    return this.#clockOffsetMs;
  }

  /** The appliance's current time in ms as far as the latest `Date` header tells; `undefined` before any response. */
  applianceNow(): number | undefined {
    return this.#clockOffsetMs === undefined ? undefined : this.#now() + this.#clockOffsetMs;
  }

  /** Fetches the OAuth token now (or does nothing with legacy credentials), so auth problems surface early. */
  async authenticate(signal?: AbortSignal): Promise<void> {
    if (this.#credentials.kind === 'oauth') await this.#tokens.get(signal);
  }

  /**
   * Sends a call with auth, rate limit and retries; resolves with a 2xx response whose body the caller
   * must consume or destroy. Non-2xx answers that are not retried become SourceErrors.
   */
  async open(call: ApiCall, signal?: AbortSignal): Promise<ApiResponse> {
    const response = await this.#send(call, true, signal);
    const encoded = response.headers['content-encoding'] !== undefined && response.headers['content-encoding'] !== 'identity';
    const lengthHeader = response.headers['content-length'];
    const contentLength = !encoded && lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
    const body = guardBody(response.stream, { idleTimeoutMs: this.#idleTimeoutMs, expectedBytes: contentLength, site: this.site.host, call: call.label });
    return { status: response.status, headers: response.headers, contentLength, contentType: response.headers['content-type'], body };
  }

  /** Waits for calls in flight to be set up, then releases sockets. The client can still be used afterwards. */
  async close(): Promise<void> {
    await this.#queue.onIdle();
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }

  /** One logical call in its HTTP CLIENT span (retries and rate-limit waits are events on it). */
  #send(call: ApiCall, withAuth: boolean, signal?: AbortSignal): Promise<OpenResponse> {
    const url = new URL(call.path, this.site.baseUrl);
    return withHttpSpan({ method: call.method, url, report: call.fields?.generate_report }, (span) => this.#sendWithRetries(call, withAuth, span, signal));
  }

  async #sendWithRetries(call: ApiCall, withAuth: boolean, span: Span, signal?: AbortSignal): Promise<OpenResponse> {
    let reauthenticated = false;
    let sent = 0;
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      const token = withAuth && this.#credentials.kind === 'oauth' ? await this.#tokens.get(signal) : undefined;
      let response: OpenResponse;
      try {
        const queuedAt = performance.now();
        response = await this.#queue.add(() => {
          // Time held back by the client's own pacing (rate limit and setup concurrency).
          const waited = performance.now() - queuedAt;
          if (waited >= 1) addRateLimitWaitEvent('client', waited, span);
          sent++;
          return this.#attempt(call, withAuth, token, signal);
        }, { signal });
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        const failure = networkFailure(error, this.site.host, call.label);
        if (attempt < this.#retries && isTransientNetworkError(error)) {
          await this.#wait(attempt + 1, undefined, call, failure.message, signal);
          continue;
        }
        throw failure;
      }
      noteHttpResponse(span, response.status, sent - 1);
      if (response.status >= 200 && response.status < 300) return response;

      const excerpt = await readExcerpt(response.stream);
      if (response.status === 401 && token !== undefined && !reauthenticated) {
        // The token expired early or was pushed out by a 31st token of the same account: get one more.
        this.#tokens.invalidate(token);
        reauthenticated = true;
        this.stats.reauthentications++;
        this.#logger.info({ call: call.label }, 'token refused (401); fetching a new one and trying again');
        attempt--;
        continue;
      }
      if (attempt < this.#retries && isTransientStatus(response.status)) {
        const asked = retryAfterMs(response.headers['retry-after'], response.headers.date, this.#now());
        if (asked !== undefined && asked > this.#maxRetryAfterMs) {
          throw new SourceError(
            `${this.site.host}: ${call.label}: the appliance asks to wait ${Math.ceil(asked / 1000)} s before the next call (HTTP ${response.status} Retry-After), more than the ${Math.round(this.#maxRetryAfterMs / 1000)} s this run will wait: the account's hourly quota is probably used up; run again later or lower --rate-limit`,
            response.status === 429 ? 'rate_limited' : 'http_status',
          );
        }
        await this.#wait(attempt + 1, asked, call, `HTTP ${response.status}`, signal, response.status);
        continue;
      }
      throw statusFailure(response.status, excerpt, this.site.host, call.label, this.legacy);
    }
  }

  async #wait(retry: number, askedMs: number | undefined, call: ApiCall, why: string, signal?: AbortSignal, status?: number): Promise<void> {
    const delay = askedMs ?? backoffDelay(retry, this.#backoff);
    this.stats.retries++;
    // Events on the call's span (the active one): a retry, and for a 429 the wait the appliance imposed.
    addRetryEvent({ attempt: retry, delayMs: delay, reason: why, ...(status === undefined ? {} : { status }) });
    if (status === 429) addRateLimitWaitEvent('server', delay);
    this.#logger.warn({ call: call.label, retry, delayMs: delay }, `${why}; retrying`);
    await sleep(delay, signal);
  }

  /** One HTTP request, resolved when the response headers arrive. */
  #attempt(call: ApiCall, withAuth: boolean, token: string | undefined, signal?: AbortSignal): Promise<OpenResponse> {
    this.stats.requests++;
    const headers: Record<string, string> = { connection: 'close', 'user-agent': USER_AGENT };
    let path = call.path;
    let fields = call.fields;
    if (withAuth) {
      if (this.#credentials.kind === 'oauth') {
        headers.authorization = `Bearer ${token ?? ''}`;
      } else {
        // Appliances before 16.1: the `.ns` endpoints take the login as request parameters. A POST
        // keeps them out of URLs that proxies log.
        path = path.endsWith('.ns') ? path : `${path}.ns`;
        fields = { ...fields, username: this.#credentials.username, password: this.#credentials.password };
      }
    } else if (call.path === 'oauth2/token' && this.#credentials.kind === 'oauth') {
      const basic = Buffer.from(`${this.#credentials.clientId}:${this.#credentials.clientSecret}`).toString('base64');
      headers.authorization = `Basic ${basic}`;
    }
    const url = new URL(path, this.site.baseUrl);
    const method = this.#credentials.kind === 'legacy' && withAuth && call.json === undefined ? 'POST' : call.method;
    const stream = got.stream(url, {
      method,
      headers,
      ...(method === 'GET' && fields !== undefined ? { searchParams: fields } : {}),
      ...(method === 'POST' && call.json !== undefined ? { json: call.json } : {}),
      ...(method === 'POST' && call.json === undefined ? { form: fields ?? {} } : {}),
      agent: this.#agents,
      https: this.#tls,
      timeout: this.#timeouts,
      retry: { limit: 0 },
      throwHttpErrors: false,
      followRedirect: false,
      ...(signal === undefined ? {} : { signal }),
    });
    // Errors after the response started are delivered to whoever reads the body; this listener only
    // keeps an unread stream's error from becoming an uncaught exception.
    stream.on('error', () => {});
    return new Promise<OpenResponse>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      stream.once('error', onError);
      stream.once('response', (response: http.IncomingMessage) => {
        stream.off('error', onError);
        this.#noteDate(response.headers.date);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, stream });
      });
    });
  }

  #noteDate(date: string | undefined): void {
    if (date === undefined) return;
    const server = Date.parse(date);
    if (!Number.isNaN(server)) this.#clockOffsetMs = server - this.#now();
  }

  async #fetchToken(signal?: AbortSignal): Promise<IssuedToken> {
    const call: ApiCall = { path: 'oauth2/token', method: 'POST', fields: { grant_type: 'client_credentials' }, label: 'OAuth token request' };
    const response = await this.#send(call, false, signal);
    const text = await readAll(response.stream, 64 * 1024);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new SourceError(`${this.site.host}: ${call.label}: the answer is not JSON; is this a BeyondTrust appliance (16.1 or later)? Older appliances need --legacy-auth with a username and password.`, 'auth_failed');
    }
    const { access_token: accessToken, token_type: tokenType, expires_in: expiresIn } = (parsed ?? {}) as Record<string, unknown>;
    if (typeof accessToken !== 'string' || accessToken === '') {
      throw new SourceError(`${this.site.host}: ${call.label}: the answer carries no access_token`, 'auth_failed');
    }
    if (typeof tokenType === 'string' && tokenType.toLowerCase() !== 'bearer') {
      throw new SourceError(`${this.site.host}: ${call.label}: unsupported token_type ${JSON.stringify(tokenType)} (expected Bearer)`, 'auth_failed');
    }
    const lifetime = typeof expiresIn === 'number' ? expiresIn : typeof expiresIn === 'string' && /^\d+$/.test(expiresIn) ? Number(expiresIn) : 3600;
    this.stats.tokensFetched++;
    this.#logger.debug({ expiresIn: lifetime }, 'OAuth token issued');
    return { accessToken, expiresInSeconds: lifetime };
  }
}

/** Reads a whole small body (token JSON, error excerpt) up to `limit` bytes. */
export async function readAll(stream: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > limit) {
      stream.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, limit);
}

/** The first KB of an error body; never fails (the body only decorates a message). */
async function readExcerpt(stream: Readable): Promise<string> {
  try {
    return await readAll(stream, 1024);
  } catch {
    return '';
  } finally {
    stream.destroy();
  }
}

/** A custom CA is added to, not substituted for, Node's bundled public roots. */
function tlsRootCertificates(): readonly string[] {
  return tls.rootCertificates;
}
