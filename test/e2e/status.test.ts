import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusReport } from '../../src/scheduler/status.ts';
import { SqliteRunHistory } from '../../sinks/state/sqlite-run-history.ts';
import { runCli } from '../helpers/run-cli.ts';

let dir: string;
let config: string;

const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();
const minutesAhead = (n: number) => new Date(Date.now() + n * 60_000).toISOString();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sra-status-'));
  config = join(dir, 'sra-etl.yaml');
  writeFileSync(config, `
state: { path: state.db }
logs: { directory: false }
sites:
  support: { host: support.example.com, product: rs, clientId: id, clientSecret: { env: NOT_NEEDED_FOR_STATUS } }
destinations:
  db: { type: sqlite, path: out.db }
  files: { type: file, directory: files }
schedules:
  Sessions:
    every: 15 minutes
    transfers:
      - { site: support, destination: db }
      - { site: support, destination: files, data: [sessions, recordings] }
  Nightly backup:
    every: 1 day
    at: "02:30"
    transfers:
      - { site: support, destination: files, data: [backups] }
  Paused:
    enabled: false
    cron: "0 * * * *"
    transfers:
      - { site: support, destination: db }
`);
  const store = new SqliteRunHistory(join(dir, 'state.db'));
  const transfers = [
    { index: 0, site: 'support', destination: 'db', data: ['sessions' as const] },
    { index: 1, site: 'support', destination: 'files', data: ['sessions' as const, 'recordings' as const] },
  ];
  const ok = store.startRun({ schedule: 'Sessions', trigger: 'scheduled', scheduledFor: minutesAgo(20), startedAt: minutesAgo(20), process: { host: 'h', pid: 1, instance: 'old' }, transfers });
  store.finishTransfer({ runId: ok, index: 0, startedAt: minutesAgo(20), finishedAt: minutesAgo(19), result: 'succeeded', sessions: 120, bytes: 3_500_000 });
  store.finishTransfer({ runId: ok, index: 1, startedAt: minutesAgo(20), finishedAt: minutesAgo(19), result: 'succeeded', sessions: 120, files: 37, bytes: 80_000_000 });
  store.finishRun(ok, 'succeeded', minutesAgo(19));
  const bad = store.startRun({ schedule: 'Sessions', trigger: 'scheduled', scheduledFor: minutesAgo(5), startedAt: minutesAgo(5), process: { host: 'h', pid: 1, instance: 'old' }, transfers });
  store.finishTransfer({ runId: bad, index: 0, startedAt: minutesAgo(5), finishedAt: minutesAgo(4), result: 'failed', reason: 'cannot connect to support.example.com:443 (ECONNREFUSED)', errorCode: 'network' });
  store.finishTransfer({ runId: bad, index: 1, startedAt: minutesAgo(5), finishedAt: minutesAgo(4), result: 'failed', reason: 'cannot connect to support.example.com:443 (ECONNREFUSED)', errorCode: 'network' });
  store.finishRun(bad, 'failed', minutesAgo(4), 'transfer 1 (support -> db): cannot connect to support.example.com:443 (ECONNREFUSED); transfer 2 …');
  store.saveScheduleState({ schedule: 'Sessions', nextRunAt: minutesAhead(2), nextTrigger: 'retry', timing: '15 minutes', consecutiveFailures: 2, lastSlotAt: minutesAgo(5) });
  // a daemon that stopped cleanly
  store.saveSchedulerState({ host: 'h', pid: 1, instance: 'old', state: 'stopped', startedAt: minutesAgo(60), heartbeatAt: minutesAgo(1), stoppedAt: minutesAgo(1), configPath: config });
  store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sra-etl status', () => {
  it('prints the scheduler state and, per schedule, transfers, period, last run, result and next run', async () => {
    const result = await runCli(['status', '--config', config]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^Scheduler: stopped at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(1 min ago\) \(was pid 1 on h\)$/);
    const header = lines.findIndex((line) => line.startsWith('Schedule Name'));
    expect(lines[header]).toMatch(/^Schedule Name +Transfers +Period +Last Run +Result +Next Run$/);
    expect(lines[header + 1]).toMatch(/^Sessions +2 +15 minutes +\S+ \S+ \(4 min ago\) +failed x2 +overdue since|^Sessions +2 +15 minutes +\S+ \S+ \(4 min ago\) +failed x2 +\S+ \S+ \(in (1|2) min\), retry$/);
    expect(lines[header + 2]).toMatch(/^Nightly backup +1 +1 day at 02:30 +never +- +\d{4}-\d\d-\d\d 02:30:00 \(in .+\)$/);
    expect(lines[header + 3]).toMatch(/^Paused +1 +cron 0 \* \* \* \* +never +- +disabled$/);
    expect(result.stdout).toContain('last run #2 (scheduled) failed');
    expect(result.stdout).toContain('1. support -> db [sessions] failed (network)');
    expect(result.stdout).toContain('cannot connect to support.example.com:443 (ECONNREFUSED)');
    expect(result.stdout).toMatch(/last success: \S+ \S+ \(19 min ago\)/);
  });

  it('--json gives the same as data', async () => {
    const result = await runCli(['status', '--config', config, '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as StatusReport;
    expect(report.scheduler).toMatchObject({ state: 'stopped', pid: 1, host: 'h' });
    expect(report.schedules.map((s) => [s.name, s.enabled, s.period, s.transfers.length])).toEqual([
      ['Sessions', true, '15 minutes', 2],
      ['Nightly backup', true, '1 day at 02:30', 1],
      ['Paused', false, 'cron 0 * * * *', 1],
    ]);
    const sessions = report.schedules[0]!;
    expect(sessions.lastRun).toMatchObject({ id: 2, result: 'failed', trigger: 'scheduled' });
    expect(sessions.lastRun?.transfers[0]).toMatchObject({ result: 'failed', errorCode: 'network' });
    expect(sessions.nextRun).toMatchObject({ trigger: 'retry', planned: true });
    expect(sessions.consecutiveFailures).toBe(2);
    expect(report.schedules[1]?.lastRun).toBeUndefined();
    expect(report.schedules[2]?.nextRun).toBeUndefined();
  });
});
