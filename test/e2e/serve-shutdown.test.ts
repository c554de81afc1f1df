import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteRunHistory } from '../../sinks/state/sqlite-run-history.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/serve-batch-writer.ts', import.meta.url));
const SECRET = 'serve-e2e-secret-4411';

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

function setup(): { config: string; rows: string; state: string; logs: string } {
  dir = mkdtempSync(join(tmpdir(), 'sra-serve-'));
  const config = join(dir, 'sra-etl.yaml');
  writeFileSync(config, `
state: { path: state.db }
logs: { directory: logs, console: json }
sites:
  support: { host: support.example.com, product: rs, clientId: id, clientSecret: { env: SERVE_TEST_SECRET } }
destinations:
  db: { type: sqlite, path: out.db }
schedules:
  Sessions:
    every: 1 hour
    transfers:
      - { site: support, destination: db }
`);
  return { config, rows: join(dir, 'rows.db'), state: join(dir, 'state.db'), logs: join(dir, 'logs') };
}

interface Child {
  readonly stdout: () => string;
  readonly stderr: () => string;
  waitForStdout(pattern: RegExp, count?: number): Promise<void>;
  kill(signal: NodeJS.Signals): void;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startServe(paths: ReturnType<typeof setup>, mode: 'normal' | 'stubborn' | 'fail', timeoutSeconds: number): Child {
  const child = spawn(process.execPath, [FIXTURE, paths.config, paths.rows, mode, String(timeoutSeconds)], { env: { ...process.env, SERVE_TEST_SECRET: SECRET }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    stdout: () => out,
    stderr: () => err,
    async waitForStdout(pattern, count = 1) {
      const global = new RegExp(pattern.source, 'g');
      while ((out.match(global) ?? []).length < count) {
        if (child.exitCode !== null) throw new Error(`serve exited early (${child.exitCode}):\n${out}\n${err}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    kill: (signal) => child.kill(signal),
    exited,
  };
}

function logText(logs: string): string {
  return readdirSync(logs).map((name) => readFileSync(join(logs, name), 'utf8')).join('');
}

describe('sra-etl serve in a child process', () => {
  it('on SIGTERM rolls back the open batch, records the run as cancelled and exits 0', async () => {
    const paths = setup();
    const child = startServe(paths, 'normal', 30);
    await child.waitForStdout(/batch committed/, 3);
    child.kill('SIGTERM');
    const { code, signal } = await child.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });

    const rows = new DatabaseSync(paths.rows);
    const perBatch = rows.prepare('SELECT batch, COUNT(*) AS n FROM row GROUP BY batch').all() as { batch: number; n: number }[];
    rows.close();
    expect(perBatch.length).toBeGreaterThanOrEqual(3);
    expect(perBatch.every((b) => b.n === 100)).toBe(true); // only whole batches: the open one was rolled back

    const store = new SqliteRunHistory(paths.state);
    try {
      const run = store.lastFinishedRun('Sessions');
      expect(run).toMatchObject({ result: 'cancelled', trigger: 'scheduled' });
      expect(run?.reason).toContain('stopped by SIGTERM');
      expect(store.lockHolder('Sessions')).toBeUndefined();
      expect(store.schedulerState()).toMatchObject({ state: 'stopped' });
      expect(store.runningRuns()).toEqual([]);
    } finally {
      store.close();
    }
    const logs = logText(paths.logs);
    expect(logs).toContain('"msg":"stop requested: cancelling running transfers"');
    expect(logs).toContain('"msg":"scheduler stopped"');
  });

  it('exits within --shutdown-timeout even when a transfer ignores cancellation', async () => {
    const paths = setup();
    const child = startServe(paths, 'stubborn', 1);
    await child.waitForStdout(/batch committed/, 2);
    child.kill('SIGTERM');
    const { code } = await child.exited;
    expect(code).toBe(1);
    const store = new SqliteRunHistory(paths.state);
    try {
      const run = store.lastFinishedRun('Sessions');
      expect(run?.result).toBe('cancelled');
      expect(run?.reason).toMatch(/did not stop within 1 s/);
      expect(store.lockHolder('Sessions')).toBeUndefined();
    } finally {
      store.close();
    }
  });

  it('records a failed transfer with its reason, never the secret, in logs, state and output', async () => {
    const paths = setup();
    const child = startServe(paths, 'fail', 5);
    const store = new SqliteRunHistory(paths.state);
    try {
      // wait for the failure to be recorded
      for (let i = 0; i < 600 && !store.lastFinishedRun('Sessions'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      child.kill('SIGINT');
      expect((await child.exited).code).toBe(0);
      const run = store.lastFinishedRun('Sessions');
      expect(run).toMatchObject({ result: 'failed' });
      expect(run?.reason).toBe('transfer 1 (support -> db): cannot reach support.example.com: login refused for client secret ***');
      expect(store.scheduleState('Sessions')).toMatchObject({ consecutiveFailures: 1, nextTrigger: 'retry' });
    } finally {
      store.close();
    }
    const everything = [logText(paths.logs), child.stdout(), child.stderr(), readFileSync(paths.state).toString('latin1')].join('\n');
    expect(everything).toContain('login refused for client secret ***');
    expect(everything).not.toContain(SECRET);
  });
});
