// A 2 GiB recording from the appliance simulator through the real client: memory stays flat (peak
// RSS of the downloading process under 150 MB), and a SIGKILL mid-download leaves no final file, only
// a temporary one the rerun removes before it downloads the recording completely. One download is
// killed, one completes: 2.5 GiB moved in all.
import { spawn } from 'node:child_process';
import { open, readdir, stat, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingBinary } from '../../../src/simulator/reporting-api.ts';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/simulator.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

const SIZE = 2 * 1024 ** 3;
const KILL_AFTER_BYTES = 512 * 1024 ** 2;
const child = path.join(import.meta.dirname, 'download-child.ts');

const free = await statfs(tmpdir());
const freeBytes = free.bavail * free.bsize;
const enoughDisk = freeBytes > SIZE * 1.5;
if (!enoughDisk) console.warn(`SKIPPED big-recording tests: ${tmpdir()} has ${(freeBytes / 1e9).toFixed(1)} GB free, they need ${((SIZE * 1.5) / 1e9).toFixed(1)} GB`);

let tmp: Awaited<ReturnType<typeof makeTempDir>>;
let sim: SimulatorHandle;
let LSID: string;
beforeAll(async () => {
  tmp = await makeTempDir('sra-bigrec-');
  // Every recording of this simulator is 2 GiB, streamed 64 KiB at a time (the simulator holds none of it).
  sim = await startSimulator({ product: 'pra', seed: 'big', sessions: 20, days: 1, clock: 'manual', expiredRecordingRate: 0, recordingBytes: { min: SIZE, max: SIZE } });
  const now = sim.applianceNow() / 1000;
  const index = [...sim.dataset.startedBetween(0, now, now)].find((i) => sim.dataset.hasRecording(i, now));
  if (index === undefined) throw new Error('the simulator data set has no recording');
  LSID = sim.dataset.lsid(index);
});
afterAll(async () => {
  await sim.close();
  await tmp.remove();
});

function runChild(onProgress?: (kill: () => void) => Promise<void>): Promise<{ code: number | null; signal: NodeJS.Signals | null; lines: Record<string, unknown>[] }> {
  // The compile cache keeps Node's TypeScript stripper out of the measured process after the first
  // run, as it would be for an installed CLI; the figure is then the download's, not the stripper's.
  const env = { ...process.env, NODE_COMPILE_CACHE: path.join(tmp.dir, 'compile-cache') };
  const args = ['--url', sim.url, '--client-id', sim.clientId, '--client-secret', sim.clientSecret, '--dest', path.join(tmp.dir, 'dest'), '--lsid', LSID];
  const proc = spawn(process.execPath, [child, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const watching = onProgress?.(() => proc.kill('SIGKILL'));
  return Promise.all([exited, watching]).then(([exit]) => {
    if (exit.code !== 0 && exit.signal === null) throw new Error(`child failed (${exit.code}): ${stderr}`);
    return { ...exit, lines: stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) };
  });
}

const tempDir = () => path.join(tmp.dir, 'dest', 'recordings', '.sra-etl', 'tmp');

async function tempBytes(): Promise<number> {
  const names = await readdir(tempDir()).catch(() => []);
  let total = 0;
  for (const name of names) total += (await stat(path.join(tempDir(), name)).catch(() => ({ size: 0 }))).size;
  return total;
}

describe.skipIf(!enoughDisk)('a 2 GiB recording', () => {
  it('SIGKILL mid-download leaves no final file; the rerun cleans up and completes it with flat memory', async () => {
    // 1. Killed once 512 MiB are on disk.
    const killed = await runChild(async (kill) => {
      while ((await tempBytes()) < KILL_AFTER_BYTES) await new Promise((resolve) => setTimeout(resolve, 50));
      kill();
    });
    expect(killed.signal).toBe('SIGKILL');
    const userFiles = async () => (await readdir(path.join(tmp.dir, 'dest', 'recordings'))).filter((name) => name !== '.sra-etl');
    expect(await userFiles()).toEqual([]);
    const leftovers = await readdir(tempDir());
    expect(leftovers).toHaveLength(1);
    expect(leftovers[0]).toMatch(/\.partial$/);
    const partialSize = (await stat(path.join(tempDir(), leftovers[0] as string))).size;
    expect(partialSize).toBeGreaterThanOrEqual(KILL_AFTER_BYTES);
    expect(partialSize).toBeLessThan(SIZE);

    // 2. The rerun removes the leftover and downloads the whole recording.
    const rerun = await runChild();
    const result = rerun.lines.at(-1) as { report: { staleTempsRemoved: number; recordings: { created: number; bytes: number } }; maxRssBytes: number };
    const lsid = LSID;
    const atStart = (rerun.lines[0] as { maxRssAtStartBytes: number }).maxRssAtStartBytes;
    console.log(`2 GiB recording: peak RSS of the downloading process ${(result.maxRssBytes / 1e6).toFixed(1)} MB (${(atStart / 1e6).toFixed(1)} MB before the download)`);
    expect(result.report.staleTempsRemoved).toBe(1);
    expect(result.report.recordings).toMatchObject({ created: 1, bytes: SIZE });
    expect(result.maxRssBytes).toBeLessThan(150e6);
    const name = `support.example.com-support-${lsid}.flv`;
    expect(await userFiles()).toEqual([name]);
    expect(await readdir(tempDir())).toEqual([]);
    const file = path.join(tmp.dir, 'dest', 'recordings', name);
    expect((await stat(file)).size).toBe(SIZE);
    // Spot-check the bytes: the first blocks, and every 512th block, are the ones the appliance sent.
    const handle = await open(file, 'r');
    try {
      let index = 0;
      for (const expected of recordingBinary(sim.reporting, lsid, 'AccessSessionRecording', 0).chunks()) {
        if (index < 4 || index % 512 === 0) {
          const block = Buffer.alloc(expected.length);
          await handle.read(block, 0, expected.length, index * 65536);
          expect(block.equals(expected), `block ${index}`).toBe(true);
        }
        index++;
      }
    } finally {
      await handle.close();
    }
  }, 300_000);
});
