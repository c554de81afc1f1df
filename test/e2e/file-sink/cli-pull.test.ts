// `sra-etl pull --to file:<dir> --types …` in a child process against the simulator: every data type
// lands in its folder, a second run downloads nothing again, and types that only a folder can hold
// are refused for a database destination.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/simulator.ts';
import { runCli } from '../../helpers/run-cli.ts';
import { listFiles, makeTempDir } from '../../helpers/temp-dir.ts';

let sim: SimulatorHandle;
let tmp: Awaited<ReturnType<typeof makeTempDir>>;
beforeAll(async () => {
  tmp = await makeTempDir('sra-cli-pull-');
  sim = await startSimulator({ product: 'rs', seed: 'cli-pull', sessions: 24, days: 0.25, clock: 'manual', expiredRecordingRate: 0.2, recordingBytes: { min: 1000, max: 50_000 }, backupBytes: 10_000 });
});
afterAll(async () => {
  await sim.close();
  await tmp.remove();
});

const dayBefore = () => new Date(sim.applianceNow() - 2 * 86_400_000).toISOString().slice(0, 10);

function pull(...extra: string[]) {
  return runCli([
    'pull', '--site', sim.url, '--product', 'rs', '--from', dayBefore(), '--days', '3', '--state', path.join(tmp.dir, 'state.db'), ...extra,
  ], { env: { SRA_CLIENT_ID: sim.clientId, SRA_CLIENT_SECRET: sim.clientSecret, SRA_ETL_BACKUP_PASSWORD: 'pw' } });
}

describe('sra-etl pull --to file:', () => {
  it('stores sessions, every kind of recording and a backup, and downloads nothing twice', async () => {
    const to = `file:${path.join(tmp.dir, 'out')}?backups.retention=1`;
    const first = await pull('--to', to, '--types', 'sessions,recordings,shell-recordings,sms-recordings,backups');
    expect(first.code, first.stderr).toBe(0);
    // stderr carries only the warnings about expired recordings (the summary repeats them).
    expect(first.stderr.trim().split('\n').every((line) => /^warning: .* recording .*This recording has expired/.test(line))).toBe(true);
    expect(first.stdout).toMatch(/pulled \d+ session\(s\)/);
    expect(first.stdout).toMatch(/XML files {5}\d+ written/);
    expect(first.stdout).toMatch(/recordings {4}\d+ downloaded/);
    expect(first.stdout).toMatch(/expired {7}.*This recording has expired/);
    expect(first.stdout).toMatch(/backup {8}created .*\.nsb/);
    const files = await listFiles(path.join(tmp.dir, 'out'));
    for (const folder of ['sessions/', 'recordings/', 'shell-recordings/', 'sms-recordings/', 'backups/']) expect(files.some((f) => f.startsWith(folder)), folder).toBe(true);
    const xml = files.find((f) => f.startsWith('sessions/')) as string;
    expect(await readFile(path.join(tmp.dir, 'out', xml), 'utf8')).toMatch(/^<\?xml[^>]*>\s*(<!--[^>]*-->\s*)?<session_list xmlns="http:\/\/www\.bomgar\.com\/namespaces\/API\/reporting"/);

    const recordingsBefore = sim.stats.requests;
    const second = await pull('--to', to, '--types', 'sessions,recordings,shell-recordings,sms-recordings', '--json');
    expect(second.code).toBe(0);
    const report = (JSON.parse(second.stdout) as { files: { recordings: { created: number; alreadyComplete: number }; knownMissing: number } }).files;
    expect(report.recordings.created).toBe(0);
    expect(report.recordings.alreadyComplete).toBeGreaterThan(0);
    expect(report.knownMissing).toBeGreaterThan(0);
    expect(sim.stats.requests - recordingsBefore).toBeLessThan(10); // the reports only, no recording
    expect((await listFiles(path.join(tmp.dir, 'out'))).filter((f) => !f.includes('.sra-etl/'))).toEqual(files.filter((f) => !f.includes('.sra-etl/')));

    // Sessions in progress had no recordings to fetch; once they have ended, the next run gets them.
    expect(first.stdout).toMatch(/\((?!0 )\d+ still in progress\)/);
    sim.clock.advance(5 * 3_600_000);
    const third = await pull('--to', to, '--types', 'sessions,recordings,shell-recordings,sms-recordings', '--json');
    expect(third.code, third.stderr).toBe(0);
    const later = (JSON.parse(third.stdout) as { files: { sessionFiles: { created: number }; recordings: { created: number } } }).files;
    expect(later.sessionFiles.created).toBeGreaterThan(0); // the ended versions, as ….1.xml
    expect(later.recordings.created).toBeGreaterThan(0);
  });

  it('refuses recordings and backups for a database destination, naming the option', async () => {
    const result = await pull('--to', `sqlite:${path.join(tmp.dir, 'x.db')}`, '--types', 'sessions,recordings');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--types recordings: recordings and backups can only be stored in a folder \(--to file:<dir>\)/);
  });

  it('names an unknown data type', async () => {
    const result = await pull('--to', `file:${path.join(tmp.dir, 'y')}`, '--types', 'sessions,videos');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--types: unknown data type "videos"/);
  });
});
