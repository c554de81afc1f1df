import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteRunHistory } from '../../sinks/state/sqlite-run-history.ts';
import { REPO_ROOT, runCli } from '../helpers/run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'sra-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sra-etl demo (npm start)', () => {
  it('runs the demo schedule against the simulator and prints what landed and where to look', async () => {
    // examples/demo.yaml with its ../data paths moved into a temp dir, so the test leaves ./data alone
    const config = join(dir, 'demo.yaml');
    writeFileSync(config, readFileSync(join(REPO_ROOT, 'examples/demo.yaml'), 'utf8').replaceAll('../data/', `${dir}/data/`));
    const result = await runCli(['demo', '--config', config, '--sessions', '40']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/^sra-etl demo: a real run against the built-in SIMULATED appliance/);
    expect(out).toMatch(/simulator +http:\/\/127\.0\.0\.1:\d+ +\(Privileged Remote Access, 40 sessions over 3 days/);
    expect(out).toMatch(/Run #1 succeeded in \d+ s\n {2}simulator -> database: succeeded: 40 sessions, 0 files, [\d.]+ MB \(\d windows?, \d+ in progress\)\n {2}simulator -> folder: succeeded: 40 sessions, \d+ files/);
    expect(out).toMatch(/SQLite database .*sra\.db\n +table +rows\n +session +40\n +session_event +[\d,]+\n/);
    expect(out).toMatch(/Folder .*files\n +folder +files +size\n +backups +1 +[\d.]+ KB\n +recordings +\d+ +[\d.]+ [KM]B\n +sessions +40 +[\d.]+ [KM]B\n/);
    expect(out).toContain('Where to look');
    expect(out).toContain('status --config');

    const store = new SqliteRunHistory(join(dir, 'data/state.db'));
    try {
      expect(store.lastFinishedRun('Demo')).toMatchObject({ result: 'succeeded', trigger: 'manual' });
      expect(store.pullStreams().map((s) => s.target).sort()).toEqual([
        `file:${dir}/data/files?types=recordings,sessions,shell-recordings`,
        `sqlite:${dir}/data/sra.db`,
      ]);
    } finally {
      store.close();
    }
  });
});
