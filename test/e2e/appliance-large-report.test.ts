import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/simulator.ts';
import { CLI_NODE_ENV, CLI_NODE_FLAGS } from '../helpers/run-cli.ts';

const CHILD = fileURLToPath(new URL('../helpers/large-pull-child.ts', import.meta.url));
const FROM = Date.UTC(2024, 11, 1);
// Synthetic sessions average about 39 KB of XML: 13 500 of them make a report of about 520 MB.
const SESSIONS = 13_500;

let sim: SimulatorHandle;

beforeAll(async () => {
  sim = await startSimulator({ product: 'pra', seed: 'large', sessions: SESSIONS, days: 1, from: FROM, now: FROM + 2 * 86_400_000, clock: 'manual' });
});

afterAll(async () => {
  await sim.close();
});

describe('a report larger than 500 MB pulled over HTTP', () => {
  it('streams through with peak RSS under 250 MB', { timeout: 600_000 }, async () => {
    const args = { url: sim.url, clientId: sim.clientId, clientSecret: sim.clientSecret, from: FROM / 1000, seconds: 86_400 };
    expect(CLI_NODE_FLAGS.length).toBeGreaterThan(0);
    const { stdout } = await promisify(execFile)(process.execPath, [...CLI_NODE_FLAGS, CHILD, JSON.stringify(args)], { maxBuffer: 1 << 20, env: CLI_NODE_ENV });
    const result = JSON.parse(stdout) as { windows: number; sessions: number; bodyBytes: number; maxRssBytes: number };
    process.stdout.write(`large report: ${(result.bodyBytes / 1e6).toFixed(0)} MB, ${result.sessions} sessions, peak RSS ${(result.maxRssBytes / 2 ** 20).toFixed(0)} MiB (node ${CLI_NODE_FLAGS.join(' ')})\n`);
    expect(result.windows).toBe(1);
    expect(result.sessions).toBe(SESSIONS);
    expect(result.bodyBytes).toBeGreaterThanOrEqual(500e6);
    expect(result.bodyBytes).toBe(sim.stats.bodyBytesSent);
    expect(result.maxRssBytes).toBeLessThan(250 * 2 ** 20);
  });
});
