/**
 * A local stand-in for a BeyondTrust RS or PRA appliance, for tests, the demo and benchmarks:
 * `/oauth2/token`, `/api/reporting` (session reports, listings, recordings), `/api/backup` and the
 * legacy `.ns` endpoints, serving seeded synthetic sessions on a simulated clock, with fault
 * injection and request counting. It says it is a simulator in every response (`Server`,
 * `X-Simulator` headers and an XML comment) and never pretends otherwise.
 *
 *   const sim = await startSimulator({ product: 'pra', sessions: 200, days: 3, clock: 'manual' });
 *   sim.faults.add({ match: { report: 'AccessSession' }, fault: { kind: 'reset', afterBytes: 5000 } });
 *   sim.clock.advance(3_600_000);
 *   console.log(sim.stats.tokensIssued, sim.stats.maxRequestsPerSecond);
 *   await sim.close();
 *
 * Control endpoints (JSON, not counted in stats): `GET /__simulator`, `POST /__simulator/clock`
 * `{"advanceSeconds":3600}` or `{"set":"2024-12-05T00:00:00Z"}`, `POST /__simulator/faults` (a rule
 * or an array of rules), `POST /__simulator/faults/random` `{"rate":0.1}`, `DELETE /__simulator/faults`,
 * `POST /__simulator/reset-stats`.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Product } from '../records.ts';
import { errorXml } from '../../fixtures/generator/report-xml.ts';
import { Dataset } from './dataset.ts';
import { FaultPlan, type Fault, type FaultRule, type RandomFaults } from './faults.ts';
import { baseHeaders, readRequestBody, sendBody } from './http-io.ts';
import { answerBackup, answerReport, type ApiAnswer, type Locale, type ReportingOptions } from './reporting-api.ts';
import { bump, emptyStats, RateWindow, type SimulatorStats } from './request-stats.ts';
import { createClock, type SimulatedClock } from './simulated-clock.ts';

export interface SimulatorOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  readonly port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  readonly listen?: string;
  /** Default `pra`. */
  readonly product?: Product;
  /** Default 1. */
  readonly seed?: string | number;
  /** Sessions in the data set. Default 200. */
  readonly sessions?: number;
  /** Days the sessions' starts are spread over. Default 7. */
  readonly days?: number;
  /** Simulated time at start, ms. Default the real time now. */
  readonly now?: number;
  /** Start of the data set, ms. Default `now - days`, so the last sessions are still in progress. */
  readonly from?: number;
  /** `manual`: time moves only via `clock.advance()`; `real` (default): it runs from `now`. */
  readonly clock?: 'manual' | 'real';
  /** The appliance clock is this many seconds ahead (negative: behind) of the simulated time. */
  readonly clockSkewSeconds?: number;
  /** OAuth client. Defaults `sra-etl-simulator` / `simulator-secret`. */
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** Legacy login for `.ns` endpoints. Defaults `admin` / `simulator`. */
  readonly username?: string;
  readonly password?: string;
  /** Behave like an appliance before 16.1: no OAuth endpoint. Default false. */
  readonly legacyOnly?: boolean;
  /** Default 3600 s. */
  readonly tokenLifetimeSeconds?: number;
  /** Peers' mocks send `bearer`; real appliances `Bearer`. Default `Bearer`. */
  readonly tokenType?: string;
  /** Answer 429 once more than this many requests arrived within a second. Default: count only. */
  readonly rateLimit?: number;
  /** Language of the appliance's messages. Default `en`. */
  readonly locale?: Locale;
  /** Reports the API account may not read. */
  readonly deniedReports?: readonly string[];
  /** Recording sizes in bytes. Default 16 KiB to 512 KiB. */
  readonly recordingBytes?: { readonly min: number; readonly max: number };
  /** Share of recordings past retention. Default 0.1. */
  readonly expiredRecordingRate?: number;
  /** Backup size in bytes. Default 256 KiB. */
  readonly backupBytes?: number;
  /** Seeded random faults on API requests. Default none. */
  readonly faults?: RandomFaults;
  /** Serve HTTPS with the test certificate in fixtures/tls (or the given PEMs). Default false. */
  readonly tls?: boolean | { readonly cert: string; readonly key: string };
}

export interface SimulatorHandle {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  /** `127.0.0.1:41234`: the site address a client uses and the sessions' host. */
  readonly host: string;
  readonly product: Product;
  /** The simulated time (the appliance clock is this plus the skew). */
  readonly clock: SimulatedClock;
  readonly faults: FaultPlan;
  readonly stats: SimulatorStats;
  readonly dataset: Dataset;
  readonly reporting: ReportingOptions;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly username: string;
  readonly password: string;
  /** The appliance clock, ms. */
  applianceNow(): number;
  /** Invalidates every issued token (as regenerating the client secret does). */
  revokeTokens(): void;
  resetStats(): void;
  close(): Promise<void>;
}

const MAX_TOKENS_PER_ACCOUNT = 30;

function loadTls(option: SimulatorOptions['tls']): { cert: string; key: string } | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) {
    return {
      cert: readFileSync(new URL('../../fixtures/tls/server.pem', import.meta.url), 'utf8'),
      key: readFileSync(new URL('../../fixtures/tls/server.key', import.meta.url), 'utf8'),
    };
  }
  return option;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const product = options.product ?? 'pra';
  const days = options.days ?? 7;
  const count = options.sessions ?? 200;
  const start = options.now ?? Date.now();
  const from = Math.floor((options.from ?? start - days * 86_400_000) / 1000);
  const clock = createClock(start, options.clock ?? 'real');
  const skewMs = (options.clockSkewSeconds ?? 0) * 1000;
  const applianceNow = () => clock.now() + skewMs;
  const clientId = options.clientId ?? 'sra-etl-simulator';
  const clientSecret = options.clientSecret ?? 'simulator-secret';
  const username = options.username ?? 'admin';
  const password = options.password ?? 'simulator';
  const tokenLifetime = options.tokenLifetimeSeconds ?? 3600;
  const faults = new FaultPlan(options.faults);
  const stats = emptyStats();
  const rate = new RateWindow();
  /** token -> expiry on the appliance clock (ms); insertion order is issue order. */
  const tokens = new Map<string, number>();
  /** Requests each token has been presented on. */
  const tokenUses = new Map<string, number>();
  const tls = loadTls(options.tls);

  const handler = (request: http.IncomingMessage, response: http.ServerResponse) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        response.writeHead(500, { ...baseHeaders(applianceNow()), 'content-type': 'text/plain' });
        response.end(`simulator failure: ${error instanceof Error ? error.message : String(error)}\n`);
      } else {
        response.destroy();
      }
    });
  };
  const server = tls === undefined ? http.createServer(handler) : https.createServer({ cert: tls.cert, key: tls.key }, handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.listen ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = `${options.listen && options.listen !== '0.0.0.0' ? options.listen : '127.0.0.1'}:${port}`;
  const dataset = new Dataset({
    seed: options.seed ?? 1, product, host, count, from,
    spacingSeconds: Math.max(1, Math.floor((days * 86400) / Math.max(1, count))),
    expiredRecordingRate: options.expiredRecordingRate ?? 0.1,
  });
  const reporting: ReportingOptions = {
    dataset, product, locale: options.locale ?? 'en', deniedReports: new Set(options.deniedReports ?? []),
    recordingBytes: options.recordingBytes ?? { min: 16 * 1024, max: 512 * 1024 }, backupBytes: options.backupBytes ?? 256 * 1024,
  };

  const resetStats = () => {
    Object.assign(stats, emptyStats());
  };

  function send(response: http.ServerResponse, status: number, contentType: string, body: string, extra: Record<string, string> = {}): void {
    bump(stats.byStatus, String(status));
    response.writeHead(status, { ...baseHeaders(applianceNow()), 'content-type': contentType, ...extra });
    response.end(body);
  }

  function issueToken(): string {
    const token = randomBytes(24).toString('hex');
    tokens.set(token, applianceNow() + tokenLifetime * 1000);
    // An account holds at most 30 valid tokens: the 31st silently invalidates the oldest.
    while (tokens.size > MAX_TOKENS_PER_ACCOUNT) {
      const oldest = tokens.keys().next().value as string;
      tokens.delete(oldest);
      tokenUses.delete(oldest);
    }
    stats.tokensIssued++;
    return token;
  }

  function bearer(request: http.IncomingMessage): string | undefined {
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    return match?.[1];
  }

  async function answer(response: http.ServerResponse, result: ApiAnswer, fault: Fault | undefined): Promise<void> {
    bump(stats.byStatus, '200');
    if (result.kind === 'xml') {
      response.writeHead(200, { ...baseHeaders(applianceNow()), 'content-type': 'text/xml; charset=UTF-8' });
      const sent = await sendBody(response, result.chunks, fault);
      stats.bodyBytesSent += sent.bytes;
      return;
    }
    response.writeHead(200, {
      ...baseHeaders(applianceNow()), 'content-type': result.contentType, 'content-length': String(result.binary.size),
      'content-disposition': `attachment; filename="${result.fileName}"`,
    });
    const sent = await sendBody(response, result.binary.chunks(), fault);
    stats.bodyBytesSent += sent.bytes;
  }

  async function control(request: http.IncomingMessage, response: http.ServerResponse, path: string): Promise<void> {
    const json = (status: number, value: unknown) => {
      response.writeHead(status, { ...baseHeaders(applianceNow()), 'content-type': 'application/json' });
      response.end(`${JSON.stringify(value, null, 2)}\n`);
    };
    const body = request.method === 'POST' ? await readRequestBody(request) : '';
    const input = body === '' ? {} : (JSON.parse(body) as Record<string, unknown>);
    if (path === '/__simulator' && request.method === 'GET') {
      json(200, { simulator: true, product, seed: dataset.options.seed, sessions: count, simulatedTime: new Date(clock.now()).toISOString(), applianceTime: new Date(applianceNow()).toISOString(), pendingFaults: faults.pending, stats });
    } else if (path === '/__simulator/clock' && request.method === 'POST') {
      if (typeof input.advanceSeconds === 'number') clock.advance(input.advanceSeconds * 1000);
      if (typeof input.set === 'string' || typeof input.set === 'number') clock.set(new Date(input.set).getTime());
      json(200, { simulatedTime: new Date(clock.now()).toISOString(), applianceTime: new Date(applianceNow()).toISOString() });
    } else if (path === '/__simulator/faults' && request.method === 'POST') {
      const rules = (Array.isArray(input) ? input : [input]) as FaultRule[];
      for (const rule of rules) faults.add(rule);
      json(200, { pendingFaults: faults.pending });
    } else if (path === '/__simulator/faults/random' && request.method === 'POST') {
      faults.setRandom(input as unknown as RandomFaults);
      json(200, { ok: true });
    } else if (path === '/__simulator/faults' && request.method === 'DELETE') {
      faults.clear();
      json(200, { pendingFaults: 0 });
    } else if (path === '/__simulator/reset-stats' && request.method === 'POST') {
      resetStats();
      json(200, { ok: true });
    } else {
      json(404, { error: `unknown control endpoint ${request.method ?? ''} ${path}` });
    }
  }

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://simulator');
    const path = url.pathname;
    if (path.startsWith('/__simulator')) return control(request, response, path);

    stats.requests++;
    bump(stats.byPath, path);
    stats.maxRequestsPerSecond = Math.max(stats.maxRequestsPerSecond, rate.record());
    const bodyText = request.method === 'POST' ? await readRequestBody(request) : '';
    const isJson = (request.headers['content-type'] ?? '').includes('json');
    const params = new URLSearchParams(url.search);
    if (!isJson) for (const [key, value] of new URLSearchParams(bodyText)) params.append(key, value);
    const report = params.get('generate_report') ?? undefined;
    if (report !== undefined) bump(stats.byReport, report);

    if (options.rateLimit !== undefined && rate.current() > options.rateLimit) {
      stats.rateLimited++;
      return send(response, 429, 'text/plain', 'Too Many Requests\n', { 'retry-after': '1' });
    }
    let fault = faults.next({ path, report });
    // A token expires after it has been used, never on its first call: a random 401 only hits a token
    // that has already served a request (scheduled rules hit whatever they are told to).
    const presented = bearer(request);
    if (fault?.kind === 'unauthorized' && fault.random === true && (presented === undefined || (tokenUses.get(presented) ?? 0) === 0)) fault = undefined;
    if (presented !== undefined && tokens.has(presented)) tokenUses.set(presented, (tokenUses.get(presented) ?? 0) + 1);
    if (fault !== undefined) bump(stats.faultsInjected, fault.kind);
    if (fault?.kind === 'rate_limit') return send(response, 429, 'text/plain', 'Too Many Requests\n', { 'retry-after': String(fault.retryAfterSeconds ?? 1) });
    if (fault?.kind === 'server_error') return send(response, 500, 'text/html', '<html><body>500 Internal Server Error (injected by the sra-etl simulator)</body></html>\n');
    if (fault?.kind === 'unauthorized') {
      if (presented !== undefined) tokens.delete(presented);
      return send(response, 401, 'text/xml; charset=UTF-8', errorXml('Access token expired (injected by the sra-etl simulator).', { product }));
    }

    if (path === '/oauth2/token') {
      if (options.legacyOnly === true) return send(response, 404, 'text/html', '<html><body>404 Not Found</body></html>\n');
      const basic = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '');
      const [id, secret] = basic === null ? [] : Buffer.from(basic[1] as string, 'base64').toString('utf8').split(/:(.*)/s);
      if (request.method !== 'POST' || id !== clientId || secret !== clientSecret) {
        return send(response, 401, 'application/json', '{"error":"invalid_client"}\n');
      }
      if (params.get('grant_type') !== 'client_credentials') return send(response, 400, 'application/json', '{"error":"unsupported_grant_type"}\n');
      return send(response, 200, 'application/json', JSON.stringify({ access_token: issueToken(), token_type: options.tokenType ?? 'Bearer', expires_in: tokenLifetime }));
    }

    const legacyPath = path.endsWith('.ns');
    const api = legacyPath ? path.slice(0, -3) : path;
    if (api !== '/api/reporting' && api !== '/api/backup') return send(response, 404, 'text/html', '<html><body>404 Not Found</body></html>\n');
    if (legacyPath) {
      if (params.get('username') !== username || params.get('password') !== password) {
        return api === '/api/backup'
          ? send(response, 200, 'text/plain', 'Invalid credentials\n')
          : send(response, 200, 'text/xml; charset=UTF-8', errorXml('Login failed', { product }));
      }
    } else {
      if (options.legacyOnly === true) return send(response, 404, 'text/html', '<html><body>404 Not Found</body></html>\n');
      const token = bearer(request);
      const expiry = token === undefined ? undefined : tokens.get(token);
      if (expiry === undefined || expiry <= applianceNow()) {
        return send(response, 401, 'text/xml; charset=UTF-8', errorXml('Invalid or expired access token.', { product }));
      }
    }

    const now = Math.floor(applianceNow() / 1000);
    if (api === '/api/backup') {
      const backupPassword = isJson && bodyText !== '' ? (JSON.parse(bodyText) as { password?: string }).password : undefined;
      return answer(response, answerBackup(reporting, backupPassword, now, host), fault);
    }
    return answer(response, answerReport(params, reporting, now), fault);
  }

  return {
    url: `${tls === undefined ? 'http' : 'https'}://${host}`,
    port, host, product, clock, faults, stats, dataset, reporting, clientId, clientSecret, username, password,
    applianceNow,
    revokeTokens: () => tokens.clear(),
    resetStats,
    close: () => new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    }),
  };
}
