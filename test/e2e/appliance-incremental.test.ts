import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/simulator.ts';
import { ApplianceClient } from '../../stages/sources/appliance/appliance-client.ts';
import { pullSite, type PullMode, type PullResult } from '../../stages/sources/appliance/pull-site.ts';
import { parseReport } from '../../stages/parsers/session-report-parser.ts';
import { SqliteStateStore } from '../../sinks/state/sqlite-state-store.ts';
import { comparable, readStored, ReplaceByKeySink } from '../helpers/replace-by-key-sink.ts';

const DAY = 86_400_000;
const FROM = Date.UTC(2024, 11, 1);
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sra-pull-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Rig {
  readonly sim: SimulatorHandle;
  readonly dbPath: string;
  readonly state: SqliteStateStore;
  pull(mode: PullMode, extra?: { useApplianceClock?: boolean; windowSeconds?: number; overlapSeconds?: number }): Promise<PullResult>;
}

async function rig(options: { skewMs: number; faultRate: number; sessions: number; days: number; startAfterMs: number; rateLimit?: number }): Promise<Rig> {
  const sim = await startSimulator({
    product: 'pra', seed: 'incremental', sessions: options.sessions, days: options.days, from: FROM, now: FROM + options.startAfterMs, clock: 'manual',
    expiredRecordingRate: 0, ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
    ...(options.faultRate > 0 ? { faults: { rate: options.faultRate, seed: 7, kinds: ['rate_limit', 'server_error', 'unauthorized', 'reset', 'truncate', 'slow'] } } : {}),
  });
  cleanups.push(() => sim.close());
  const dir = tempDir();
  const state = new SqliteStateStore(join(dir, 'state.db'));
  cleanups.push(() => state.close());
  const dbPath = join(dir, 'sessions.db');
  const clientNow = () => sim.clock.now() + options.skewMs;
  // A new client per pull, as each CLI run has its own.
  const newClient = () => {
    const client = new ApplianceClient({
      site: sim.url, credentials: { kind: 'oauth', clientId: sim.clientId, clientSecret: sim.clientSecret },
      now: clientNow, rateLimit: options.rateLimit ?? 200, retries: 8, idleTimeoutMs: 2000, backoff: { baseDelayMs: 5, maxDelayMs: 20 },
    });
    cleanups.push(() => client.close());
    return client;
  };
  return {
    sim, dbPath, state,
    pull: (mode, extra = {}) => pullSite({
      client: newClient(), product: 'pra', sink: new ReplaceByKeySink(dbPath), state, target: 'test-db', parse: parseReport, mode,
      now: clientNow, windowSeconds: extra.windowSeconds ?? 6 * 3600, overlapSeconds: extra.overlapSeconds ?? 600, windowAttempts: 6, useApplianceClock: extra.useApplianceClock ?? true,
    }),
  };
}

/** Runs incremental pulls every `stepMs` of simulated time until every session has ended, then checks the destination. */
async function runUntilAllClosed(r: Rig, stepMs: number, useApplianceClock: boolean, overlapSeconds = 600): Promise<PullResult[]> {
  const results: PullResult[] = [];
  const { dataset } = r.sim;
  const lastEnd = Math.max(...Array.from({ length: dataset.options.count }, (_, i) => dataset.plan(i).end)) * 1000;
  for (;;) {
    results.push(await r.pull({ kind: 'incremental', initialLookbackSeconds: 2 * 86_400 }, { useApplianceClock, overlapSeconds }));
    if (r.sim.applianceNow() > lastEnd + 15 * 60_000) break;
    r.sim.clock.advance(stepMs);
  }
  return results;
}

function expectExactlyTheSimulatorsSessions(r: Rig): void {
  const { dataset } = r.sim;
  const expected = Array.from({ length: dataset.options.count }, (_, i) => dataset.final(i)).sort((a, b) => a.session.key.lsid.localeCompare(b.session.key.lsid));
  const stored = readStored(r.dbPath);
  expect(stored.sessions.map((s) => s.lsid)).toEqual(expected.map((b) => b.session.key.lsid));
  // Each session holds its final, closed state, exactly as the appliance reports it.
  for (const [i, bundle] of expected.entries()) {
    const row = stored.sessions[i];
    expect(row?.endTime, `lsid ${bundle.session.key.lsid}`).toBe(bundle.session.endTime);
    expect(row?.bundle).toBe(comparable({ ...bundle, session: { ...bundle.session, key: { ...bundle.session.key, host: r.sim.host } } }));
  }
}

describe('incremental pulls against the simulator', () => {
  it.each([
    ['client clock 5 min ahead', 5 * 60_000, true],
    ['client clock 5 min behind', -5 * 60_000, true],
    ['client clock 5 min ahead, appliance clock not used (the overlap alone covers it)', 5 * 60_000, false],
  ])('with faults on and the %s: loads exactly the simulator\'s sessions, in-progress ones updated when they end', async (_name, skewMs, useApplianceClock) => {
    const r = await rig({ skewMs, faultRate: 0.3, sessions: 120, days: 3, startAfterMs: DAY });
    const results = await runUntilAllClosed(r, 3 * 3600_000, useApplianceClock);

    expectExactlyTheSimulatorsSessions(r);
    const { writes } = readStored(r.dbPath);
    const firstSeenOpen = new Set(writes.filter((w) => w.endTime === null).map((w) => w.lsid));
    expect(firstSeenOpen.size).toBeGreaterThan(3); // sessions really were loaded while in progress…
    const closedLater = results.reduce((n, result) => n + result.closedSinceLastRun, 0);
    expect(closedLater).toBeGreaterThan(0); // …and re-fetched by lsid once they closed
    expect(await r.state.listInProgress({ site: r.sim.host, product: 'pra', target: 'test-db' })).toEqual([]);
    // The faults really happened and were survived.
    const injected = Object.values(r.sim.stats.faultsInjected).reduce((a, b) => a + b, 0);
    expect(injected).toBeGreaterThan(5);
    expect((r.sim.stats.faultsInjected.reset ?? 0) + (r.sim.stats.faultsInjected.truncate ?? 0)).toBeGreaterThan(0);
  });

  it('would lose sessions to a clock 5 min ahead without the overlap or the appliance clock (the guide\'s warning)', async () => {
    const r = await rig({ skewMs: 5 * 60_000, faultRate: 0, sessions: 120, days: 3, startAfterMs: DAY });
    await runUntilAllClosed(r, 3 * 3600_000, false, 0);
    const stored = new Set(readStored(r.dbPath).sessions.map((s) => s.lsid));
    const lost = Array.from({ length: r.sim.dataset.options.count }, (_, i) => r.sim.dataset.lsid(i)).filter((lsid) => !stored.has(lsid));
    expect(lost.length).toBeGreaterThan(0);
  });

  it('never moves the watermark past the appliance clock when the local clock runs ahead', async () => {
    const r = await rig({ skewMs: 30 * 60_000, faultRate: 0, sessions: 50, days: 2, startAfterMs: DAY });
    const result = await r.pull({ kind: 'incremental', initialLookbackSeconds: 86_400 });
    expect(result.watermark).toBe(Math.floor(r.sim.applianceNow() / 1000));
  });

  it('tokens per run stay constant whatever the number of calls, and the rate limit holds', async () => {
    const r = await rig({ skewMs: 0, faultRate: 0, sessions: 200, days: 4, startAfterMs: 5 * DAY, rateLimit: 20 });
    const few = await r.pull({ kind: 'range', from: FROM / 1000, to: FROM / 1000 + 2 * 86_400 }, { windowSeconds: 86_400 });
    const tokensForFew = r.sim.stats.tokensIssued;
    const many = await r.pull({ kind: 'range', from: FROM / 1000, to: FROM / 1000 + 4 * 86_400 }, { windowSeconds: 2 * 3600 });
    const tokensForMany = r.sim.stats.tokensIssued - tokensForFew;
    expect([few.windows, many.windows]).toEqual([2, 48]);
    expect([tokensForFew, tokensForMany]).toEqual([1, 1]);
    // The simulator enforces 20 requests/s; the client's own limit (the default 20) kept every call under it.
    expect(r.sim.stats.byReport.AccessSession).toBe(50);
    expect(r.sim.stats.rateLimited).toBe(0);
    expect(r.sim.stats.maxRequestsPerSecond).toBeLessThanOrEqual(20);
  });
});
