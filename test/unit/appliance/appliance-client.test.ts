import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { EtlError } from '../../../src/errors.ts';
import { startSimulator, type SimulatorHandle, type SimulatorOptions } from '../../../src/simulator/simulator.ts';
import { backupBinary, recordingBinary } from '../../../src/simulator/reporting-api.ts';
import { ApplianceClient, readAll, type ApplianceClientOptions } from '../../../stages/sources/appliance/appliance-client.ts';
import { downloadBackup, downloadRecording } from '../../../stages/sources/appliance/downloads.ts';
import { sessionReportCall } from '../../../stages/sources/appliance/report-source.ts';

const NOW = Date.UTC(2024, 11, 4, 12);
const running: { close(): Promise<void> }[] = [];

async function simulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const sim = await startSimulator({ sessions: 60, days: 3, now: NOW, clock: 'manual', ...options });
  running.push(sim);
  return sim;
}

function clientFor(sim: SimulatorHandle, options: Partial<ApplianceClientOptions> = {}): ApplianceClient {
  const client = new ApplianceClient({
    site: sim.url,
    credentials: { kind: 'oauth', clientId: sim.clientId, clientSecret: sim.clientSecret },
    now: () => sim.clock.now(),
    backoff: { baseDelayMs: 20, maxDelayMs: 100 },
    ...options,
  });
  running.push(client);
  return client;
}

/** One small session report call, its body read to the end. */
async function fetchWindow(client: ApplianceClient, sim: SimulatorHandle, hour = 0): Promise<string> {
  const response = await client.open(sessionReportCall({ product: sim.product, window: { start: sim.dataset.options.from + hour * 3600, seconds: 3600 } }));
  return readAll(response.body, 50e6);
}

async function rejection(promise: Promise<unknown>): Promise<EtlError> {
  const error: unknown = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(EtlError);
  return error as EtlError;
}

afterEach(async () => {
  while (running.length > 0) await running.pop()?.close();
});

describe('ApplianceClient against the simulator', () => {
  it('fetches one OAuth token for many concurrent calls and reuses it', async () => {
    const sim = await simulator({ tokenType: 'bearer' });
    const client = clientFor(sim, { rateLimit: 1000, concurrency: 8 });
    const bodies = await Promise.all(Array.from({ length: 40 }, (_, i) => fetchWindow(client, sim, i % 24)));
    expect(bodies.filter((body) => body.includes('<session_list')).length).toBeGreaterThan(20);
    expect(sim.stats.tokensIssued).toBe(1);
    expect(sim.stats.byPath['/api/reporting']).toBe(40);
    expect(client.stats.tokensFetched).toBe(1);
  });

  it('renews the token shortly before expires_in, not per call', async () => {
    const sim = await simulator({ tokenLifetimeSeconds: 600 });
    const client = clientFor(sim);
    for (let i = 0; i < 5; i++) await fetchWindow(client, sim, i);
    expect(sim.stats.tokensIssued).toBe(1);
    sim.clock.advance(500_000); // within the last fifth of the lifetime: renew before it fails
    for (let i = 0; i < 5; i++) await fetchWindow(client, sim, i);
    expect(sim.stats.tokensIssued).toBe(2);
    expect(sim.stats.byStatus['401']).toBeUndefined();
  });

  it('re-authenticates once when a call gets 401, and fails clearly when the new token is refused too', async () => {
    const sim = await simulator();
    const client = clientFor(sim);
    await fetchWindow(client, sim);
    sim.faults.add({ match: { path: '/api/reporting' }, fault: { kind: 'unauthorized' } });
    await fetchWindow(client, sim, 1);
    expect(sim.stats.tokensIssued).toBe(2);
    expect(client.stats.reauthentications).toBe(1);

    sim.faults.add({ match: { path: '/api/reporting' }, fault: { kind: 'unauthorized' }, times: 2 });
    const error = await rejection(fetchWindow(client, sim, 2));
    expect(error.code).toBe('auth_failed');
    expect(error.message).toMatch(/HTTP 401.*client ID and secret/);
  });

  it('says plainly when the client secret is wrong, without printing it', async () => {
    const sim = await simulator();
    const client = clientFor(sim, { credentials: { kind: 'oauth', clientId: sim.clientId, clientSecret: 'wrong-secret-123' } });
    const error = await rejection(fetchWindow(client, sim));
    expect(error.code).toBe('auth_failed');
    expect(error.message).toContain('OAuth token request');
    expect(error.message).not.toContain('wrong-secret-123');
  });

  it('retries 429 (honouring Retry-After), 500 and connection failures, then succeeds', async () => {
    const sim = await simulator();
    const client = clientFor(sim);
    sim.faults.add({ match: { report: 'AccessSession' }, fault: { kind: 'rate_limit', retryAfterSeconds: 1 } });
    sim.faults.add({ match: { report: 'AccessSession' }, fault: { kind: 'server_error' } });
    const started = performance.now();
    const body = await fetchWindow(client, sim);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950); // waited what Retry-After asked
    expect(body).toContain('<session_list');
    expect(client.stats.retries).toBe(2);
    expect(sim.stats.faultsInjected).toEqual({ rate_limit: 1, server_error: 1 });
  });

  it('gives up after the configured retries with the status and what to do', async () => {
    const sim = await simulator();
    const client = clientFor(sim, { retries: 2 });
    sim.faults.add({ match: { report: 'AccessSession' }, fault: { kind: 'server_error' }, times: 3 });
    const error = await rejection(fetchWindow(client, sim));
    expect(error.code).toBe('http_status');
    expect(error.message).toMatch(/AccessSession start_time=\d+ duration=3600: the appliance answered HTTP 500/);
    expect(sim.stats.byReport.AccessSession).toBe(3);
  });

  it('refuses to wait for a Retry-After beyond its limit', async () => {
    const sim = await simulator();
    const client = clientFor(sim, { maxRetryAfterMs: 5000 });
    sim.faults.add({ match: { report: 'AccessSession' }, fault: { kind: 'rate_limit', retryAfterSeconds: 3600 } });
    const error = await rejection(fetchWindow(client, sim));
    expect(error.code).toBe('rate_limited');
    expect(error.message).toMatch(/wait 3600 s/);
  });

  it('keeps under its rate limit as counted by the simulator, token calls included', async () => {
    const sim = await simulator({ rateLimit: 10 });
    const client = clientFor(sim, { rateLimit: 10, concurrency: 10 });
    await Promise.all(Array.from({ length: 35 }, (_, i) => fetchWindow(client, sim, i % 48)));
    expect(sim.stats, JSON.stringify({ sim: sim.stats, client: client.stats })).toMatchObject({ requests: 36 });
    expect(sim.stats.maxRequestsPerSecond).toBeLessThanOrEqual(10);
    expect(sim.stats.rateLimited).toBe(0);
  });

  it('fails a body cut by a connection reset instead of ending it quietly', async () => {
    const sim = await simulator();
    const client = clientFor(sim);
    sim.faults.add({ match: { report: 'AccessSession' }, fault: { kind: 'reset', afterBytes: 3000 } });
    const error = await rejection(fetchWindow(client, sim, 5));
    expect(error.code).toBe('network');
    expect(error.message).toMatch(/after \d+ bytes/);
  });

  it('fails a binary body shorter than its Content-Length', async () => {
    const sim = await simulator({ expiredRecordingRate: 0 });
    const client = clientFor(sim);
    const index = [...Array(40).keys()].find((i) => sim.dataset.hasRecording(i, sim.applianceNow() / 1000)) as number;
    sim.faults.add({ match: { report: 'AccessSessionRecording' }, fault: { kind: 'truncate', afterBytes: 1000 } });
    const download = await downloadRecording(client, { product: 'pra', lsid: sim.dataset.lsid(index) });
    const error = await rejection(readAll(download.body, 1e9));
    expect(error.code).toBe('network');
    expect(error.message).toMatch(/incomplete: expected \d+ bytes, received 1000 bytes/);
  });

  it('times out a body that stalls while the reader waits', async () => {
    const sim = await simulator();
    const client = clientFor(sim, { idleTimeoutMs: 150 });
    sim.faults.add({ match: { report: 'AccessSession' }, fault: { kind: 'slow', delayMs: 1000 } });
    const error = await rejection(fetchWindow(client, sim, 3));
    expect(error.code).toBe('timeout');
    expect(error.message).toMatch(/idle timeout/);
  });

  it('reports the appliance clock offset from the Date header', async () => {
    const sim = await simulator({ clockSkewSeconds: 300 });
    const client = clientFor(sim);
    expect(client.clockOffsetMs).toBeUndefined();
    await fetchWindow(client, sim);
    expect(Math.abs((client.clockOffsetMs as number) - 300_000)).toBeLessThanOrEqual(1000);
  });
});

describe('TLS', () => {
  const ca = readFileSync(new URL('../../../fixtures/tls/ca.pem', import.meta.url), 'utf8');

  it('verifies certificates by default and explains a failure', async () => {
    const sim = await simulator({ tls: true });
    const error = await rejection(fetchWindow(clientFor(sim, { site: sim.host }), sim));
    expect(error.code).toBe('tls');
    expect(error.message).toMatch(/--ca/);
  });

  it('trusts a custom CA bundle, or skips verification on request', async () => {
    const sim = await simulator({ tls: true });
    expect(await fetchWindow(clientFor(sim, { site: sim.host, ca }), sim)).toContain('<session_list');
    expect(await fetchWindow(clientFor(sim, { site: sim.host, insecure: true }), sim)).toContain('<session_list');
  });

  it('explains that a plain-HTTP server does not speak TLS', async () => {
    const sim = await simulator();
    const error = await rejection(fetchWindow(clientFor(sim, { site: sim.host }), sim));
    expect(error.code).toBe('tls');
    expect(error.message).toMatch(/plain HTTP/);
  });
});

describe('legacy username/password (appliances before 16.1)', () => {
  it('uses the .ns endpoints with the login as parameters', async () => {
    const sim = await simulator({ legacyOnly: true });
    const client = clientFor(sim, { credentials: { kind: 'legacy', username: sim.username, password: sim.password } });
    expect(await fetchWindow(client, sim)).toContain('<session_list');
    expect(sim.stats.byPath['/api/reporting.ns']).toBe(1);
    expect(sim.stats.tokensIssued).toBe(0);
  });

  it('turns a refused legacy login into auth_failed', async () => {
    const sim = await simulator({ legacyOnly: true });
    const client = clientFor(sim, { credentials: { kind: 'legacy', username: sim.username, password: 'nope' } });
    const error = await rejection(downloadBackup(client));
    expect(error.code).toBe('auth_failed');
  });
});

describe('downloads', () => {
  async function sha256(stream: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<{ digest: string; bytes: number }> {
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of stream) {
      hash.update(chunk);
      bytes += chunk.length;
    }
    return { digest: hash.digest('hex'), bytes };
  }

  it('streams recordings byte for byte and types the appliance errors', async () => {
    const sim = await simulator({ expiredRecordingRate: 0.3 });
    const client = clientFor(sim);
    const now = sim.applianceNow() / 1000;
    const outcomes = { ok: 0, expired: 0, none: 0 };
    for (let index = 0; index < 30; index++) {
      const lsid = sim.dataset.lsid(index);
      try {
        const download = await downloadRecording(client, { product: 'pra', lsid });
        const expected = recordingBinary(sim.reporting, lsid, 'AccessSessionRecording', 0);
        const got = await sha256(download.body);
        expect(got.bytes).toBe(expected.size);
        expect(download.contentLength).toBe(expected.size);
        expect(got.digest).toBe((await sha256(expected.chunks())).digest);
        outcomes.ok++;
      } catch (error) {
        const code = (error as EtlError).code;
        if (code === 'recording_expired') {
          expect((error as Error).message).toContain('This recording has expired');
          outcomes.expired++;
        } else {
          expect(code).toBe('not_found');
          expect(sim.dataset.hasRecording(index, now)).toBe(false);
          outcomes.none++;
        }
      }
    }
    expect(outcomes.ok).toBeGreaterThan(3);
    expect(outcomes.expired).toBeGreaterThan(0);
    expect(outcomes.none).toBeGreaterThan(0);
  });

  it('downloads command-shell recordings by instance and password-protected backups', async () => {
    const sim = await simulator({ expiredRecordingRate: 0 });
    const client = clientFor(sim);
    const now = sim.applianceNow() / 1000;
    const index = [...Array(60).keys()].find((i) => sim.dataset.render(i, now).session.commandShellRecordings.length > 0);
    expect(index).toBeDefined();
    const lsid = sim.dataset.lsid(index as number);
    const shell = await downloadRecording(client, { product: 'pra', lsid, kind: 'command_shell', instance: 0 });
    expect((await sha256(shell.body)).bytes).toBe(recordingBinary(sim.reporting, lsid, 'CommandShellRecording', 0).size);
    const missing = await rejection(downloadRecording(client, { product: 'pra', lsid, kind: 'command_shell', instance: 99 }));
    expect(missing.code).toBe('not_found');

    const backup = await downloadBackup(client, { password: 'restore-me' });
    expect(backup.fileName).toMatch(/^127\.0\.0\.1-2024-12-04\.nsb$/);
    const body = await sha256(backup.body);
    expect(body.bytes).toBe(256 * 1024);
    expect(body.digest).toBe((await sha256(backupBinary(sim.reporting, 'restore-me', now).chunks())).digest);
  });
});
