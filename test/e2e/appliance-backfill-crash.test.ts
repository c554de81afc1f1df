import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/simulator.ts';
import { readStored } from '../helpers/replace-by-key-sink.ts';

const CHILD = fileURLToPath(new URL('../helpers/pull-child.ts', import.meta.url));
const FROM = Date.UTC(2024, 11, 1) / 1000;
const WINDOW = 2 * 3600;
const TO = FROM + 2 * 86_400; // 24 windows

let sim: SimulatorHandle;
let dir: string;

beforeAll(async () => {
  // The data set runs past the pull's end, so the last windows hold sessions still in progress.
  sim = await startSimulator({ product: 'pra', seed: 'crash', sessions: 200, days: 2, from: FROM * 1000, now: (TO - 3600) * 1000, clock: 'manual' });
  // Every report trickles out slowly, so the kill lands in the middle of the backfill.
  sim.faults.add({ match: { report: 'AccessSession' }, fault: { kind: 'slow', delayMs: 25 }, times: Number.POSITIVE_INFINITY });
  dir = mkdtempSync(join(tmpdir(), 'sra-crash-'));
});

afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

function runChild(name: string): { done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>; kill(): void; exited(): boolean } {
  const args = { url: sim.url, clientId: sim.clientId, clientSecret: sim.clientSecret, statePath: join(dir, `${name}-state.db`), dbPath: join(dir, `${name}.db`), from: FROM, to: TO, windowSeconds: WINDOW };
  const child = spawn(process.execPath, [CHILD, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exited = false;
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { done, kill: () => child.kill('SIGKILL'), exited: () => exited };
}

/** How far the backfill job in a state file has got (UNIX seconds), or undefined. */
function jobProgress(statePath: string): number | undefined {
  if (!existsSync(statePath)) return undefined;
  try {
    const db = new DatabaseSync(statePath, { readOnly: true });
    try {
      const row = db.prepare('SELECT done_until FROM backfill_job').get() as { done_until?: number } | undefined;
      return row?.done_until;
    } finally {
      db.close();
    }
  } catch {
    return undefined; // not created yet
  }
}

describe('a backfill killed midway', () => {
  it('resumes on rerun and ends with the same database as a clean run', async () => {
    const clean = await runChild('clean').done;
    expect(clean.code, clean.stderr).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ windows: 24 });

    const crashing = runChild('crashed');
    const statePath = join(dir, 'crashed-state.db');
    for (;;) {
      const progress = jobProgress(statePath);
      if (progress !== undefined && progress >= FROM + 5 * WINDOW) break;
      if (crashing.exited()) throw new Error(`the pull ended before it could be killed: ${(await crashing.done).stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await new Promise((resolve) => setTimeout(resolve, 150)); // somewhere inside the next window
    crashing.kill();
    const killed = await crashing.done;
    expect(killed.signal).toBe('SIGKILL');
    const reachedBeforeKill = jobProgress(statePath) as number;
    expect(reachedBeforeKill).toBeLessThan(TO);
    expect(readStored(join(dir, 'crashed.db')).sessions.length).toBeLessThan(readStored(join(dir, 'clean.db')).sessions.length);

    const rerun = await runChild('crashed').done;
    expect(rerun.code, rerun.stderr).toBe(0);
    // It resumed at the first uncommitted window instead of starting over.
    expect(JSON.parse(rerun.stdout).windows).toBe((TO - reachedBeforeKill) / WINDOW);
    expect(jobProgress(statePath)).toBeUndefined(); // the finished job is cleared

    const expected = readStored(join(dir, 'clean.db')).sessions;
    expect(expected.length).toBeGreaterThan(150);
    expect(readStored(join(dir, 'crashed.db')).sessions).toEqual(expected);
  });
});
