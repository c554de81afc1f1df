/**
 * Flat memory: a generated 200 MB report replays (`sra-etl replay <file> --to jsonl:<file>` in a
 * child process started as the `sra-etl` executable starts node) with a peak RSS under 200 MB
 * measured in the child, and every session arrives; into SQLite with two pipelines (one per core,
 * src/pipeline/partitioned-load.ts) under 250 MB. The input is generated from a seed into a
 * temporary folder and removed afterwards.
 */
import { createReadStream } from 'node:fs';
import { spawn } from 'node:child_process';
import { DatabaseSync } from 'node:sqlite';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../../fixtures/generator/generate-report.ts';
import { CLI_NODE_ENV, CLI_NODE_FLAGS, REPO_ROOT } from '../../helpers/run-cli.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

const HELPER = path.join(REPO_ROOT, 'test/helpers/cli-with-peak-rss.ts');
const LIMIT_KB = 200 * 1024;

let tmp: Awaited<ReturnType<typeof makeTempDir>>;
let report: { path: string; bytes: number; sessions: number };

beforeAll(async () => {
  tmp = await makeTempDir('sra-memory-');
  const file = path.join(tmp.dir, 'big-report.xml');
  const written = await writeReport(file, { seed: 'memory-test', product: 'pra', targetBytes: 200 * 1024 * 1024 });
  report = { path: file, ...written };
}, 300_000);

afterAll(async () => {
  await tmp?.remove();
});

function run(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI_NODE_FLAGS, HELPER, ...args], { cwd: REPO_ROOT, env: CLI_NODE_ENV, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

async function countLines(file: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
  }
  return lines;
}

describe('replay memory', () => {
  it('replays a 200 MB report with peak RSS under 200 MB, every session included', async () => {
    expect(report.bytes).toBeGreaterThanOrEqual(200 * 1024 * 1024);
    const out = path.join(tmp.dir, 'out.jsonl');
    const { code, stderr } = await run(['replay', report.path, '--to', `jsonl:${out}`]);
    expect(code, stderr).toBe(0);
    const peakKb = Number(/SRA_ETL_PEAK_RSS_KB=(\d+)/.exec(stderr)?.[1]);
    const summary = /replayed 1 file: ([\d,]+) sessions \(([\d,]+) records\)/.exec(stderr);
    expect(summary, stderr).not.toBeNull();
    const [sessions, records] = [Number(summary?.[1]?.replaceAll(',', '')), Number(summary?.[2]?.replaceAll(',', ''))];
    process.stdout.write(`replay of ${(report.bytes / 1048576).toFixed(0)} MB (${sessions} sessions, ${records} records): peak RSS ${(peakKb / 1024).toFixed(0)} MB\n`);
    expect(sessions).toBe(report.sessions);
    expect(await countLines(out)).toBe(records);
    expect(peakKb).toBeGreaterThan(0);
    expect(peakKb).toBeLessThan(LIMIT_KB);
  }, 600_000);

  it('replays it into SQLite with two pipelines under 250 MB, every session stored', async () => {
    const db = path.join(tmp.dir, 'sra.db');
    const { code, stderr } = await run(['replay', report.path, '--to', `sqlite:${db}`, '--jobs', '2']);
    expect(code, stderr).toBe(0);
    const peakKb = Number(/SRA_ETL_PEAK_RSS_KB=(\d+)/.exec(stderr)?.[1]);
    process.stdout.write(`replay of ${(report.bytes / 1048576).toFixed(0)} MB into SQLite, 2 pipelines: peak RSS ${(peakKb / 1024).toFixed(0)} MB\n`);
    const database = new DatabaseSync(db, { readOnly: true });
    try {
      expect(database.prepare('SELECT count(*) AS n FROM session').get()?.n).toBe(report.sessions);
    } finally {
      database.close();
    }
    expect(peakKb).toBeGreaterThan(0);
    expect(peakKb).toBeLessThan(250 * 1000);
  }, 600_000);
});
