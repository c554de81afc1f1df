/**
 * What `sra-etl status` reports, as data (`--json` prints it as is): whether the scheduler daemon is
 * running, and per schedule its transfers, period, last run with result and reason, the run in
 * progress, and the next run. The text rendering is in src/cli/commands/status.ts.
 */
import type { EtlConfig } from '../config/config-types.ts';
import { describeTiming } from '../config/timing.ts';
import type { DataType } from '../config/config-types.ts';
import { slotAfter } from './next-run.ts';
import { isProcessAlive, processIsAlive, THIS_PROCESS, type ProcessIdentity } from './process-identity.ts';
import type { PullStreamState, RunHistoryStore, RunRecord, RunTrigger } from './run-history.ts';

export interface SchedulerStatus {
  /** `running`: a live daemon; `stopped`: it stopped cleanly; `dead`: it ended without stopping (crash, SIGKILL); `never`: no daemon ever ran on this state store. */
  readonly state: 'running' | 'stopping' | 'stopped' | 'dead' | 'never';
  readonly pid?: number;
  readonly host?: string;
  readonly startedAt?: string;
  readonly heartbeatAt?: string;
  readonly stoppedAt?: string;
}

export interface ScheduleStatus {
  readonly name: string;
  readonly enabled: boolean;
  /** The guide's Period column. */
  readonly period: string;
  readonly transfers: readonly { readonly site: string; readonly destination: string; readonly data: readonly DataType[] }[];
  readonly lastRun?: RunRecord;
  /** When the last successful run finished (may be older than lastRun). */
  readonly lastSuccessAt?: string;
  readonly running?: { readonly runId?: number; readonly since: string; readonly pid: number; readonly host: string };
  /** Absent for disabled schedules. `planned`: the daemon's plan; otherwise computed from the period. */
  readonly nextRun?: { readonly at: string; readonly trigger: RunTrigger; readonly planned: boolean; readonly overdue: boolean };
  readonly consecutiveFailures: number;
}

export interface StatusReport {
  readonly generatedAt: string;
  readonly config: string;
  readonly stateStore: string;
  readonly scheduler: SchedulerStatus;
  readonly schedules: readonly ScheduleStatus[];
  /** What the incremental pulls remember: watermark, sessions in progress, unfinished backfills per stream. */
  readonly pulls: readonly PullStreamState[];
}

export interface StatusOptions {
  /** Default this process. */
  readonly me?: ProcessIdentity;
  /** Default `process.kill(pid, 0)`. */
  readonly isAlive?: (pid: number) => boolean;
  readonly now: Date;
  /** A daemon on another host is considered gone after this long without heartbeat. Default 60 s. */
  readonly heartbeatStaleMs?: number;
}

function schedulerStatus(store: RunHistoryStore | undefined, options: StatusOptions): SchedulerStatus {
  const state = store?.schedulerState();
  if (!state) return { state: 'never' };
  const base = { pid: state.pid, host: state.host, startedAt: state.startedAt, heartbeatAt: state.heartbeatAt, stoppedAt: state.stoppedAt };
  if (state.state === 'stopped') return { state: 'stopped', ...base };
  const alive = isProcessAlive(state, state.heartbeatAt, {
    me: options.me ?? THIS_PROCESS,
    isAlive: options.isAlive ?? processIsAlive,
    now: options.now,
    staleAfterMs: options.heartbeatStaleMs ?? 60_000,
  });
  return { state: alive ? state.state : 'dead', ...base };
}

/** Builds the report; `store` undefined means no state store yet (nothing ever ran). */
export function buildStatus(config: EtlConfig, store: RunHistoryStore | undefined, options: StatusOptions): StatusReport {
  const scheduler = schedulerStatus(store, options);
  const schedules = config.schedules.map((schedule): ScheduleStatus => {
    const period = describeTiming(schedule.timing);
    const state = store?.scheduleState(schedule.name);
    const lastRun = store?.lastFinishedRun(schedule.name);
    const holder = store?.lockHolder(schedule.name);
    let nextRun: ScheduleStatus['nextRun'];
    if (schedule.enabled) {
      if (state?.nextRunAt && state.timing === period) {
        nextRun = { at: state.nextRunAt, trigger: state.nextTrigger ?? 'scheduled', planned: true, overdue: Date.parse(state.nextRunAt) < options.now.getTime() };
      } else {
        const at = slotAfter(schedule.timing, state?.lastSlotAt ? new Date(state.lastSlotAt) : undefined, options.now);
        nextRun = { at: at.toISOString(), trigger: 'scheduled', planned: false, overdue: at.getTime() <= options.now.getTime() };
      }
    }
    return {
      name: schedule.name,
      enabled: schedule.enabled,
      period,
      transfers: schedule.transfers.map(({ site, destination, data }) => ({ site, destination, data })),
      lastRun,
      lastSuccessAt: store?.lastSuccessfulRun(schedule.name)?.finishedAt,
      running: holder ? { runId: holder.runId, since: holder.since, pid: holder.pid, host: holder.host } : undefined,
      nextRun,
      consecutiveFailures: state?.consecutiveFailures ?? 0,
    };
  });
  return { generatedAt: options.now.toISOString(), config: config.path, stateStore: config.state.path, scheduler, schedules, pulls: store?.pullStreams() ?? [] };
}
