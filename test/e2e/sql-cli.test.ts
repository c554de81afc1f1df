/**
 * The SQL commands as users run them, in child processes: `db init` on a new SQLite file and a new
 * PostgreSQL database, a refused login (exit 1, password masked), and `bench` printing its figures.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { postgresHarness, sqliteHarness, tableCounts, type SqlHarness } from '../helpers/sql-harness.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('sra-etl db init and bench', () => {
  let dir: string;
  let sqlite: SqlHarness;
  let postgres: SqlHarness;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sra-sql-cli-'));
    sqlite = sqliteHarness();
    postgres = postgresHarness(inject('postgresUrl'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await sqlite.dispose();
    await postgres.dispose();
  });

  it('db init creates a new SQLite file with the schema, then finds it up to date', async () => {
    const spec = `sqlite:${join(dir, 'sub', 'init.db')}`;
    const first = await cli('db', 'init', '--to', spec);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(`${spec}: created the database; applied schema migration 1 (schema version 1)\n`);
    const again = await cli('db', 'init', '--to', spec);
    expect(again.stdout).toBe(`${spec}: already up to date (schema version 1)\n`);
    expect(Object.keys(await tableCounts(sqlite, spec))).toContain('session_event_data');
  });

  it('db init creates a PostgreSQL database and prints it with the password masked', async () => {
    const spec = postgres.freshSpec();
    const result = await cli('db', 'init', '--to', spec);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/sra_test_\w+: created the database; applied schema migration 1/);
    expect(await tableCounts(postgres, spec)).toMatchObject({ session: 0, user: 0, representative: 0 });
  });

  it('db init with a wrong password fails with exit 1 and never prints the password', async () => {
    const url = new URL(postgres.freshSpec());
    url.password = 'wrong-Secret-42';
    const result = await cli('db', 'init', '--to', url.toString());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('password authentication failed');
    expect(result.stderr).toContain('check the user name and password');
    expect(result.stderr).not.toContain('wrong-Secret-42');
  });

  it('bench loads a generated report and prints MB/s, sessions/s, rows per table and peak RSS', async () => {
    const spec = `sqlite:${join(dir, 'bench.db')}`;
    const result = await cli('bench', '--to', spec, '--sessions', '15', '--product', 'rs', '--seed', '3');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('generated 15 RS sessions');
    expect(result.stdout).toMatch(/^loaded 15 sessions \(\d+\.\d MB of report XML\) into sqlite:/);
    expect(result.stdout).toMatch(/\d+\.\d MB\/s, [\d,]+ sessions\/s, [\d,]+ rows\/s/);
    expect(result.stdout).toMatch(/ {2}session {15}\s+15 /);
    expect(result.stdout).toMatch(/peak RSS \d+ MB/);
    const counts = await tableCounts(sqlite, spec);
    expect(counts.session).toBe(15);
    expect(counts.representative).toBeGreaterThan(0);
  });

  it('bench refuses contradictory options', async () => {
    const result = await cli('bench', '--to', 'sqlite:/tmp/never.db', '--sessions', '5', '--mb', '1');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('give --sessions or --mb, not both');
  });
});
