/**
 * The scheduler against the appliance simulator with the real pull, parser and destinations, in
 * child processes: SIGTERM in the middle of a window, then a rerun that resumes from the watermark
 * and ends with every session once; and failures with secrets configured, which never leak.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/simulator.ts';
import { SqliteRunHistory } from '../../sinks/state/sqlite-run-history.ts';
import { CLI, runCli } from '../helpers/run-cli.ts';

let dir = '';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

function logText(logs: string): string {
  return existsSync(logs) ? readdirSync(logs).map((name) => readFileSync(join(logs, name), 'utf8')).join('') : '';
}

describe('scheduler with the real pull (simulator)', () => {
  it('serve: SIGTERM mid-window rolls back, the rerun resumes from the watermark and loads every session once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sra-sched-e2e-'));
    const sim = await startSimulator({ product: 'pra', sessions: 240, days: 6, seed: 'sigterm' });
    cleanups.push(() => sim.close());
    // Windows after the first two arrive slowly, so SIGTERM lands in the middle of one.
    sim.faults.add({ match: { report: 'AccessSession' }, fault: { kind: 'slow', delayMs: 400 }, skip: 2, times: Infinity });
    const config = join(dir, 'sra-etl.yaml');
    writeFileSync(config, `
state: { path: state.db }
logs: { directory: logs, console: json }
sites:
  sim: { host: "${sim.url}", product: pra, clientId: ${sim.clientId}, clientSecret: { env: E2E_CLIENT_SECRET }, initialDays: 7, requestsPerSecond: 200 }
destinations:
  db: { type: sqlite, path: sra.db }
schedules:
  Sessions:
    every: 1 hour
    transfers:
      - { site: sim, destination: db }
`);
    const env = { ...process.env, E2E_CLIENT_SECRET: sim.clientSecret, NO_COLOR: '1' };
    const child = spawn(process.execPath, [CLI, 'serve', '--config', config, '--shutdown-timeout', '20'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const windowsLoaded = () => (stderr.match(/"msg":"window loaded"/g) ?? []).length;
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        if (windowsLoaded() >= 2) resolve();
      });
      child.on('exit', (code) => reject(new Error(`serve exited early (${code}):\n${stderr}`)));
    });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const db = () => new DatabaseSync(join(dir, 'sra.db'), { readOnly: true });
    const store = new SqliteRunHistory(join(dir, 'state.db'));
    try {
      const run = store.lastFinishedRun('Sessions');
      expect(run).toMatchObject({ result: 'cancelled', trigger: 'scheduled' });
      expect(run?.reason).toContain('stopped by SIGTERM');
      const [stream] = store.pullStreams();
      expect(stream?.watermark).toBeDefined();
      // Only committed windows are in the database, and the watermark does not pass them.
      const first = db();
      const loaded = first.prepare('SELECT COUNT(*) AS n, MAX(start_time) AS last FROM session').get() as { n: number; last: string };
      first.close();
      expect(loaded.n).toBeGreaterThan(0);
      expect(loaded.n).toBeLessThan(240);
      expect(Date.parse(stream!.watermark!)).toBeLessThanOrEqual(Date.parse(loaded.last) + 86_400_000);
    } finally {
      store.close();
    }
    expect(logText(join(dir, 'logs'))).toContain('"msg":"stop requested: cancelling running transfers"');

    // The next run (faults gone) resumes at the watermark and completes: every session once.
    sim.faults.clear();
    const rerun = await runCli(['run', '--config', config], { env });
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toMatch(/^Sessions: succeeded in .* \(run #2\)/);
    const after = db();
    const total = after.prepare('SELECT COUNT(*) AS n, COUNT(DISTINCT lsid) AS distinct_lsids FROM session').get() as { n: number; distinct_lsids: number };
    after.close();
    expect(total).toEqual({ n: 240, distinct_lsids: 240 });
  });

  it('run: an unreachable destination and a refused login are failed runs with reasons; the secrets appear nowhere', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sra-secrets-e2e-'));
    const sim = await startSimulator({ product: 'rs', sessions: 20, days: 2 });
    cleanups.push(() => sim.close());
    const clientSecret = 'Wr0ng-Client-Secret-4729';
    const dbPassword = 'Pg;Pass=word/8831';
    const config = join(dir, 'sra-etl.yaml');
    writeFileSync(config, `
state: { path: state.db }
logs: { directory: logs, console: json }
sites:
  support: { host: "${sim.url}", product: rs, clientId: ${sim.clientId}, clientSecret: { env: E2E_CLIENT_SECRET } }
  good: { host: "${sim.url}", product: rs, clientId: ${sim.clientId}, clientSecret: { file: good-secret.txt } }
destinations:
  db: { type: sqlite, path: sra.db }
  warehouse: { type: postgres, url: "postgres://sra@127.0.0.1:9/bt", password: { env: E2E_DB_PASSWORD } }
schedules:
  Sessions:
    every: 15 minutes
    transfers:
      - { site: support, destination: db }
      - { site: good, destination: warehouse }
`);
    writeFileSync(join(dir, 'good-secret.txt'), `${sim.clientSecret}\n`);
    const result = await runCli(['run', '--config', config, '--no-progress'], { env: { E2E_CLIENT_SECRET: clientSecret, E2E_DB_PASSWORD: dbPassword } });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^Sessions: failed in /);
    const store = new SqliteRunHistory(join(dir, 'state.db'));
    let reasons: string;
    try {
      const run = store.lastFinishedRun('Sessions');
      expect(run?.result).toBe('failed');
      expect(run?.transfers.map((t) => [t.result, t.errorCode])).toEqual([['failed', 'auth_failed'], ['failed', 'connection']]);
      reasons = run?.transfers.map((t) => t.reason ?? '').join('\n') ?? '';
      expect(reasons).toMatch(/401|refused|credentials|client/i);
      expect(reasons).toMatch(/127\.0\.0\.1:9/);
    } finally {
      store.close();
    }
    const everything = [result.stdout, result.stderr, logText(join(dir, 'logs')), readFileSync(join(dir, 'state.db')).toString('latin1'), reasons];
    for (const text of everything) {
      expect(text).not.toContain(clientSecret);
      expect(text).not.toContain(dbPassword);
      expect(text).not.toContain(encodeURIComponent(dbPassword));
      expect(text).not.toContain(sim.clientSecret);
    }
  });
});
