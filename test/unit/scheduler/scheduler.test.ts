import { afterEach, describe, expect, it } from 'vitest';
import { EtlError, SourceError } from '../../../src/errors.ts';
import { Scheduler } from '../../../src/scheduler/scheduler.ts';
import { runScheduleOnce } from '../../../src/scheduler/run-schedule.ts';
import { silentLogger } from '../../../src/stage.ts';
import { schedulerHarness, type Harness } from '../../helpers/scheduler-harness.ts';

const HOURLY = `  Sessions:
    every: 1 hour
    transfers:
      - { site: support, destination: db }
`;
const QUARTERLY = `  Sessions:
    every: 15 minutes
    transfers:
      - { site: support, destination: db }
`;

let harness: Harness | undefined;
afterEach(() => {
  harness?.cleanup();
  harness = undefined;
});

const minutes = (n: number) => n * 60_000;
function advance(h: Harness, ms: number): void {
  h.clock.now = new Date(h.clock.now.getTime() + ms);
}

describe('Scheduler', () => {
  it('never runs one schedule twice at once, in this process or from another', async () => {
    const h = (harness = schedulerHarness(QUARTERLY));
    const scheduler = new Scheduler(h.options());
    expect(scheduler.start()).toMatchObject([{ schedule: 'Sessions', trigger: 'scheduled', slot: h.clock.now }]);
    scheduler.tick();
    await h.runner.waitForPending(1);
    // The run outlasts three slots: ticks during it launch nothing.
    for (let i = 0; i < 3; i++) {
      advance(h, minutes(15));
      scheduler.tick();
    }
    expect(h.runner.calls).toHaveLength(1);
    // A manual `sra-etl run` from another process finds the lock taken.
    const schedule = h.config.schedules[0]!;
    const manual = await runScheduleOnce(schedule, { trigger: 'manual' }, { ...h.options(), process: { host: 'test-host', pid: process.pid + 100_000, instance: 'manual-run' } });
    expect(manual).toMatchObject({ status: 'busy', holder: { pid: process.pid, host: 'test-host', instance: 'harness-daemon' } });
    expect(h.runner.calls).toHaveLength(1);
    h.runner.succeedNext();
    await scheduler.idle();
    expect(h.store.recentRuns('Sessions', 10).map((r) => [r.result, r.trigger])).toEqual([['succeeded', 'scheduled']]);
    // Overrun slots are skipped, not queued: next is the first slot after now, in phase.
    expect(scheduler.plans()[0]?.slot).toEqual(new Date('2024-05-01T11:00:00Z'));
    await scheduler.stop('test over', 1000);
  });

  it('skips a slot while another process runs the schedule', async () => {
    const h = (harness = schedulerHarness(QUARTERLY));
    const other = { host: 'test-host', pid: process.pid + 200_000, instance: 'other-process' };
    expect(h.store.tryLock('Sessions', other, h.clock.now.toISOString(), () => true)).toEqual({ acquired: true });
    const scheduler = new Scheduler(h.options());
    scheduler.start();
    scheduler.tick();
    await scheduler.idle();
    expect(h.runner.calls).toHaveLength(0);
    expect(h.store.recentRuns('Sessions', 10)).toHaveLength(0);
    expect(scheduler.plans()[0]).toMatchObject({ trigger: 'scheduled', slot: new Date('2024-05-01T10:15:00Z') });
    await scheduler.stop('test over', 1000);
  });

  it('catches up a run missed during downtime exactly once, then keeps its phase', async () => {
    const h = (harness = schedulerHarness(QUARTERLY));
    h.runner.auto = { outcome: { sessions: 3 } };
    const first = new Scheduler(h.options());
    first.start();
    first.tick();
    await first.idle();
    expect(first.plans()[0]?.slot).toEqual(new Date('2024-05-01T10:15:00Z'));
    await first.stop('SIGTERM', 1000);

    advance(h, minutes(220)); // down from 10:00 to 13:40: slots 10:15 … 13:30 missed
    const second = new Scheduler(h.options());
    expect(second.start()).toMatchObject([{ trigger: 'catch-up', slot: new Date('2024-05-01T10:15:00Z') }]);
    second.tick();
    await second.idle();
    second.tick();
    await second.idle();
    const runs = h.store.recentRuns('Sessions', 10);
    expect(runs.map((r) => [r.trigger, r.scheduledFor, r.result])).toEqual([
      ['catch-up', '2024-05-01T10:15:00.000Z', 'succeeded'],
      ['scheduled', '2024-05-01T10:00:00.000Z', 'succeeded'],
    ]);
    expect(second.plans()[0]).toMatchObject({ trigger: 'scheduled', slot: new Date('2024-05-01T13:45:00Z') });
    advance(h, minutes(5));
    second.tick();
    await second.idle();
    expect(h.store.recentRuns('Sessions', 1)[0]).toMatchObject({ trigger: 'scheduled', scheduledFor: '2024-05-01T13:45:00.000Z' });
    expect(h.runner.calls).toHaveLength(3);
    await second.stop('test over', 1000);
  });

  it('records an unreachable appliance as a failed run with its reason, and retries with backoff', async () => {
    const h = (harness = schedulerHarness(HOURLY));
    const scheduler = new Scheduler(h.options());
    scheduler.start();
    h.runner.auto = { error: new SourceError('cannot connect to support.example.com:443 (ECONNREFUSED) with secret harness-secret-value', 'network') };
    scheduler.tick();
    await scheduler.idle();
    const failed = h.store.lastFinishedRun('Sessions');
    expect(failed).toMatchObject({ result: 'failed', trigger: 'scheduled' });
    expect(failed?.reason).toBe('transfer 1 (support -> db): cannot connect to support.example.com:443 (ECONNREFUSED) with secret ***');
    expect(failed?.transfers[0]).toMatchObject({ result: 'failed', errorCode: 'network' });
    expect(h.store.scheduleState('Sessions')).toMatchObject({ consecutiveFailures: 1, nextTrigger: 'retry', nextRunAt: '2024-05-01T10:01:00.000Z' });

    advance(h, 30_000);
    scheduler.tick();
    await scheduler.idle();
    expect(h.runner.calls).toHaveLength(1);
    advance(h, 30_000);
    scheduler.tick(); // 10:01 retry, fails again -> 2 minutes
    await scheduler.idle();
    expect(h.store.scheduleState('Sessions')).toMatchObject({ consecutiveFailures: 2, nextTrigger: 'retry', nextRunAt: '2024-05-01T10:03:00.000Z' });

    h.runner.auto = { outcome: { sessions: 7 } };
    advance(h, minutes(2));
    scheduler.tick();
    await scheduler.idle();
    expect(h.store.lastFinishedRun('Sessions')).toMatchObject({ result: 'succeeded', trigger: 'retry' });
    // back on the regular phase, failure streak cleared
    expect(h.store.scheduleState('Sessions')).toMatchObject({ consecutiveFailures: 0, nextTrigger: 'scheduled', nextRunAt: '2024-05-01T11:00:00.000Z' });
    expect(h.store.lastSuccessfulRun('Sessions')?.transfers[0]).toMatchObject({ sessions: 7, result: 'succeeded' });
    await scheduler.stop('test over', 1000);
  });

  it('never retries later than the next regular slot', async () => {
    const h = (harness = schedulerHarness(`  Often:
    every: 1 minute
    transfers:
      - { site: support, destination: db }
`));
    const scheduler = new Scheduler(h.options({ retry: { baseMs: minutes(10), maxMs: minutes(60) } }));
    scheduler.start();
    h.runner.auto = { error: new SourceError('down', 'network') };
    scheduler.tick();
    await scheduler.idle();
    expect(scheduler.plans()[0]).toMatchObject({ trigger: 'scheduled', slot: new Date('2024-05-01T10:01:00Z') });
    await scheduler.stop('test over', 1000);
  });

  it('marks runs left by a dead process as interrupted when it starts', async () => {
    const h = (harness = schedulerHarness(HOURLY));
    const deadPid = 4_000_000;
    const dead = { host: 'test-host', pid: deadPid, instance: 'dead-process' };
    h.store.tryLock('Sessions', dead, h.clock.now.toISOString(), () => true);
    const runId = h.store.startRun({ schedule: 'Sessions', trigger: 'scheduled', startedAt: h.clock.now.toISOString(), process: dead, transfers: h.config.schedules[0]!.transfers });
    const scheduler = new Scheduler(h.options({ isAlive: (pid) => pid !== deadPid }));
    scheduler.start();
    expect(h.store.run(runId)).toMatchObject({ result: 'interrupted' });
    expect(h.store.run(runId)?.reason).toMatch(/pid 4000000 .* ended before the run finished/);
    expect(h.store.run(runId)?.transfers[0]?.result).toBe('interrupted');
    expect(h.store.lockHolder('Sessions')).toBeUndefined();
    await scheduler.stop('test over', 1000);
  });

  it('takes over the lock of a dead process that had our host name and pid (a restarted container)', async () => {
    const h = (harness = schedulerHarness(HOURLY));
    const me = h.options().process!;
    const previousLife = { ...me, instance: 'before-the-restart' };
    h.store.tryLock('Sessions', previousLife, h.clock.now.toISOString(), () => true);
    const runId = h.store.startRun({ schedule: 'Sessions', trigger: 'scheduled', startedAt: h.clock.now.toISOString(), process: previousLife, transfers: h.config.schedules[0]!.transfers });
    h.store.saveSchedulerState({ ...previousLife, state: 'running', startedAt: h.clock.now.toISOString(), heartbeatAt: h.clock.now.toISOString(), configPath: h.config.path });
    h.runner.auto = { outcome: {} };
    const scheduler = new Scheduler(h.options()); // isAlive says every pid is alive: ours is
    scheduler.start();
    expect(h.store.run(runId)?.result).toBe('interrupted');
    scheduler.tick();
    await scheduler.idle();
    expect(h.store.lastFinishedRun('Sessions')).toMatchObject({ result: 'succeeded', instance: me.instance });
    await scheduler.stop('test over', 1000);
  });

  it('stop() cancels the running run; its slot is caught up after restart', async () => {
    const h = (harness = schedulerHarness(HOURLY));
    const scheduler = new Scheduler(h.options());
    scheduler.start();
    scheduler.tick();
    await h.runner.waitForPending(1);
    const report = await scheduler.stop(new EtlError('stopped by SIGTERM', 'aborted', 'scheduling'), 5000);
    expect(report.forced).toEqual([]);
    const run = h.store.lastFinishedRun('Sessions');
    expect(run).toMatchObject({ result: 'cancelled' });
    expect(run?.reason).toContain('stopped by SIGTERM');
    expect(run?.transfers[0]).toMatchObject({ result: 'cancelled' });
    expect(h.store.lockHolder('Sessions')).toBeUndefined();
    expect(h.store.schedulerState()).toMatchObject({ state: 'stopped' });

    advance(h, minutes(1));
    const again = new Scheduler(h.options());
    expect(again.start()).toMatchObject([{ trigger: 'catch-up', slot: new Date('2024-05-01T10:00:00Z') }]);
    await again.stop('test over', 1000);
  });

  it('stop() is bounded: a run that ignores cancellation is recorded as cancelled after the timeout', async () => {
    const h = (harness = schedulerHarness(HOURLY));
    h.runner.ignoreAbort = true;
    const scheduler = new Scheduler(h.options());
    scheduler.start();
    scheduler.tick();
    await h.runner.waitForPending(1);
    const report = await scheduler.stop('SIGTERM', 100);
    expect(report.forced).toEqual(['Sessions']);
    expect(h.store.lastFinishedRun('Sessions')).toMatchObject({ result: 'cancelled' });
    expect(h.store.lockHolder('Sessions')).toBeUndefined();
    h.runner.succeedNext();
    await scheduler.idle();
  });

  it('refuses to start beside a live daemon on the same state store', () => {
    const h = (harness = schedulerHarness(HOURLY));
    h.store.saveSchedulerState({ host: 'test-host', pid: process.pid + 1, instance: 'another-daemon', state: 'running', startedAt: h.clock.now.toISOString(), heartbeatAt: h.clock.now.toISOString(), configPath: h.config.path });
    expect(() => new Scheduler(h.options()).start()).toThrow(/another sra-etl serve \(pid \d+/);
    // …but takes over from a dead one
    expect(() => new Scheduler(h.options({ isAlive: () => false })).start()).not.toThrow();
  });

  it('does not run disabled schedules', async () => {
    const h = (harness = schedulerHarness(`${HOURLY}    enabled: false\n`));
    const scheduler = new Scheduler(h.options({ logger: silentLogger }));
    expect(scheduler.start()).toEqual([]);
    scheduler.tick();
    await scheduler.idle();
    expect(h.runner.calls).toHaveLength(0);
    await scheduler.stop('test over', 1000);
  });
});
