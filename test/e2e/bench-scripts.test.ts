/**
 * The benchmarks in bench/ run end to end at a tiny size: each exits 0, prints a figure for every
 * case it was asked for, and leaves nothing behind in its temporary folder. The figures themselves
 * are not judged here (speed goals live in bench/RESULTS.md, never in tests); this keeps the
 * scripts from rotting between the runs that record them.
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runNodeScript, type CliResult } from '../helpers/run-cli.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const benchScript = (name: string): string => fileURLToPath(new URL(`../../bench/${name}.bench.ts`, import.meta.url));

/** Runs a bench script with its temporary files under `tmp`. */
function runBench(name: string, args: readonly string[], tmp: string): Promise<CliResult> {
  // Without PG_URL the SQL bench starts its own server, whose CPU it can then measure.
  return runNodeScript(benchScript(name), args, { env: { TMPDIR: tmp, PG_URL: undefined } });
}

/** The cells of the markdown table row whose first cell starts with `label`. */
function tableRow(output: string, label: string): string[] {
  const line = output.split('\n').find((l) => l.startsWith(`| ${label}`));
  if (line === undefined) throw new Error(`no table row "${label}" in:\n${output}`);
  return line.split('|').slice(1, -1).map((cell) => cell.trim());
}

const positive = (cell: string | undefined): number => {
  const value = Number((cell ?? '').replace(/[,%]/g, ''));
  expect(value, `"${cell}" is a positive figure`).toBeGreaterThan(0);
  return value;
};

describe('bench scripts at a tiny size', { timeout: 120_000 }, () => {
  let tmp: { readonly dir: string; remove(): Promise<void> };
  beforeEach(async () => {
    tmp = await makeTempDir('sra-bench-smoke-');
  });
  afterEach(async () => {
    // Each bench cleans up after itself: its temporary folder is empty again.
    expect(await readdir(tmp.dir)).toEqual([]);
    await tmp.remove();
  });

  it('parse.bench.ts prints every case against raw saxes', async () => {
    const run = await runBench('parse', ['--mb', '1', '--rounds', '1', '--only', 'raw,parser,worker'], tmp.dir);
    expect(run.code, run.stderr).toBe(0);
    for (const label of ['raw saxes', 'parser (in thread)', 'parser in worker']) positive(tableRow(run.stdout, label)[1]);
    positive(tableRow(run.stdout, 'parser (in thread)')[4]); // % of raw saxes
  });

  it('sql-load.bench.ts loads SQLite and its own PostgreSQL, and the naive loaders, and compares them', async () => {
    const run = await runBench('sql-load', ['--mb', '1', '--naive-mb', '0.3', '--only', 'parser,sqlite,postgres,naive-sqlite,naive-postgres'], tmp.dir);
    expect(run.code, run.stderr).toBe(0);
    for (const label of ['parser', 'sqlite', 'postgres', 'naive-sqlite', 'naive-postgres']) {
      const row = tableRow(run.stdout, `${label} `);
      positive(row[1]); // MB/s
      positive(row[8]); // peak RSS
    }
    positive(tableRow(run.stdout, 'sqlite ')[3]); // rows/s
    positive(tableRow(run.stdout, 'postgres ')[6]); // the server's CPU, measured from /proc
    expect(run.stdout).toMatch(/sqlite: [\d.]+× the naive approach/);
    expect(run.stdout).toMatch(/postgres: [\d.]+× the naive approach/);
  });

  it('file-sink.bench.ts writes session files and downloads a recording', async () => {
    const run = await runBench('file-sink', ['--sessions', '20', '--recording-mb', '2', '--dir', tmp.dir], tmp.dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/session XML files: 20 sessions, .* [\d.]+ sessions\/s/);
    expect(run.stdout).toMatch(/recording download: 2 MiB in [\d.]+ s = [\d.]+ MB\/s; peak RSS [\d.]+ MB/);
  });

  it('telemetry-overhead.bench.ts loads with tracing off and on and exports to its receiver', async () => {
    const run = await runBench('telemetry-overhead', ['--sessions', '40', '--rounds', '1', '--dir', tmp.dir], tmp.dir);
    expect(run.code, run.stderr).toBe(0);
    const exported = /exported (\d+) spans, (\d+) metric points/.exec(run.stdout);
    expect(exported, run.stdout).not.toBeNull();
    positive(exported?.[1]);
    positive(exported?.[2]);
    expect(run.stdout).toMatch(/slowdown with tracing on: -?[\d.]+% throughput/);
  });
});
