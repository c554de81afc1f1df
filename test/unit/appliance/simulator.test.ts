import { afterEach, describe, expect, it } from 'vitest';
import { reportErrorKind } from '../../../src/report-error-kind.ts';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/simulator.ts';
import { findApplianceError } from '../../../stages/sources/appliance/appliance-error.ts';

const NOW = Date.UTC(2024, 11, 4, 12);
let sim: SimulatorHandle | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function call(params: Record<string, string>, init: RequestInit = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const s = sim as SimulatorHandle;
  const token = await fetch(`${s.url}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${s.clientId}:${s.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  }).then((r) => r.json() as Promise<{ access_token: string }>);
  const response = await fetch(`${s.url}/api/reporting?${new URLSearchParams(params)}`, { ...init, headers: { authorization: `Bearer ${token.access_token}` } });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

const lsidsIn = (xml: string) => [...xml.matchAll(/<session lsid="([0-9a-f]+)"/g)].map((m) => m[1]);

describe('simulator reporting API', () => {
  it('start_time windows include sessions in progress; end_time windows only closed ones', async () => {
    sim = await startSimulator({ sessions: 100, days: 2, now: NOW, from: NOW - 2 * 86_400_000, clock: 'manual' });
    const now = NOW / 1000;
    const recent = { start_time: String(now - 6 * 3600), duration: '0' };
    const started = await call({ generate_report: 'AccessSession', ...recent });
    expect(started.status).toBe(200);
    expect(started.headers.get('x-simulator')).toMatch(/simulator/);
    expect(started.text).toContain('<!-- sra-etl simulator');
    const inProgress = started.text.match(/<end_time><\/end_time>/g)?.length ?? 0;
    expect(inProgress).toBeGreaterThan(0);
    const ended = await call({ generate_report: 'AccessSession', end_time: String(now - 6 * 3600), duration: '0' });
    expect(ended.text).not.toContain('<end_time></end_time>');

    // Time moves on: the sessions in progress close and their end appears.
    sim.clock.advance(5 * 3600_000);
    const later = await call({ generate_report: 'AccessSession', ...recent });
    expect(lsidsIn(later.text).slice(0, lsidsIn(started.text).length)).toEqual(lsidsIn(started.text));
    expect(later.text.match(/<end_time><\/end_time>/g)?.length ?? 0).toBeLessThan(inProgress);
  });

  it('answers lsids, listings and unknown reports like an appliance', async () => {
    sim = await startSimulator({ sessions: 50, days: 2, now: NOW, clock: 'manual', product: 'rs' });
    const wanted = [sim.dataset.lsid(3), sim.dataset.lsid(7), 'ffffffffffffffffffffffffffffffff'];
    const byLsid = await call({ generate_report: 'SupportSession', lsids: wanted.join(',') });
    expect(lsidsIn(byLsid.text)).toEqual(wanted.slice(0, 2));
    expect(byLsid.text).toContain('http://www.bomgar.com/namespaces/API/reporting');

    const listing = await call({ generate_report: 'SupportSessionListing', start_time: String(sim.dataset.options.from), duration: '86400' });
    expect(listing.text).toMatch(/<session_summary lsid="[0-9a-f]{32}" has_recording="[01]"/);

    const wrongProduct = await call({ generate_report: 'AccessSession', start_time: '0', duration: '60' });
    expect(findApplianceError(wrongProduct.text)?.message).toMatch(/Invalid value for parameter generate_report/);
    expect(reportErrorKind(findApplianceError(wrongProduct.text)?.message ?? '')).toBe('other');
  });

  it('reports "no data" as a localized <error > document', async () => {
    sim = await startSimulator({ sessions: 10, days: 1, now: NOW, clock: 'manual', locale: 'fr' });
    const empty = await call({ generate_report: 'AccessSession', start_time: '86400', duration: '60' });
    expect(empty.status).toBe(200);
    expect(empty.text).toMatch(/<error[^>]* >/);
    const error = findApplianceError(empty.text);
    expect(error?.message).toMatch(/correspondant à vos critères n’est disponible/);
    expect(reportErrorKind(error?.message ?? '', error?.code ?? null)).toBe('no_data');
  });

  it('serves its clock, counters and faults on the control endpoints', async () => {
    sim = await startSimulator({ sessions: 10, days: 1, now: NOW, clock: 'manual', clockSkewSeconds: -120 });
    const s = sim;
    await fetch(`${s.url}/__simulator/clock`, { method: 'POST', body: JSON.stringify({ advanceSeconds: 60 }) });
    expect(s.clock.now()).toBe(NOW + 60_000);
    expect(s.applianceNow()).toBe(NOW - 60_000);
    await fetch(`${s.url}/__simulator/faults`, { method: 'POST', body: JSON.stringify({ match: { report: 'AccessSession' }, fault: { kind: 'server_error' } }) });
    const failed = await call({ generate_report: 'AccessSession', start_time: '0', duration: '0' });
    expect(failed.status).toBe(500);
    expect(new Date(failed.headers.get('date') ?? '').getTime()).toBe(Math.floor((NOW - 60_000) / 1000) * 1000);
    const state = await fetch(`${s.url}/__simulator`).then((r) => r.json() as Promise<{ simulator: boolean; stats: { tokensIssued: number; faultsInjected: Record<string, number> } }>);
    expect(state.simulator).toBe(true);
    expect(state.stats.tokensIssued).toBe(1);
    expect(state.stats.faultsInjected).toEqual({ server_error: 1 });
  });
});

describe('reportErrorKind', () => {
  it.each([
    ['No Support report information matching your chosen criteria is available.', null, 'no_data'],
    ['Aucune information de rapport d’assistance correspondant à vos critères n’est disponible.', null, 'no_data'],
    ['No archives found for the given search criteria.', null, 'no_data'],
    ['This recording has expired and can no longer be viewed or downloaded.', null, 'expired'],
    ['Login failed', null, 'auth'],
    ['Authentication failed. Please check your credentials.', 'authentication_failed', 'auth'],
    ['You do not have permission to access the SupportSession report.', null, 'forbidden'],
    ['Invalid value for parameter duration', null, 'other'],
  ] as const)('%s -> %s', (message, code, kind) => {
    expect(reportErrorKind(message, code)).toBe(kind);
  });
});
