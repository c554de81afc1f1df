/**
 * The run history the scheduler keeps in the state store: one row per run (per schedule) and per
 * transfer of that run, the schedule's next slot and failure streak, the per-schedule run lock that
 * keeps two processes from running one schedule at once, and the daemon's own heartbeat. The SQLite
 * implementation lives in sinks/state/; this file is the contract the scheduler, `status` and tests
 * share.
 */
import type { DataType } from '../config/config-types.ts';
import type { ProcessIdentity } from './process-identity.ts';

/** How a run ended. `interrupted`: its process died (crash, SIGKILL) and a later process noticed. */
export type RunResult = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

/** Why a run started: its slot came, it catches up a slot missed while down, it retries a failure, or a person asked. */
export type RunTrigger = 'scheduled' | 'catch-up' | 'retry' | 'manual';

/** Counts a transfer reports; what each means is up to the transfer (sessions loaded, files written). */
export interface TransferCounts {
  readonly sessions: number;
  readonly files: number;
  readonly bytes: number;
}

export interface TransferRunRecord extends TransferCounts {
  readonly index: number;
  readonly site: string;
  readonly destination: string;
  readonly data: readonly DataType[];
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly result: RunResult;
  /** Why it failed, secrets redacted. */
  readonly reason?: string;
  /** The EtlError code, e.g. `network`, `auth_failed`, `connection`. */
  readonly errorCode?: string;
  /** Free text such as "3 windows, 120 sessions in progress". */
  readonly detail?: string;
}

export interface RunRecord {
  readonly id: number;
  readonly schedule: string;
  readonly trigger: RunTrigger;
  /** ISO UTC: the slot this run served (absent for manual runs). */
  readonly scheduledFor?: string;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly result: RunResult;
  readonly reason?: string;
  /** The process that ran it. */
  readonly host: string;
  readonly pid: number;
  readonly instance: string;
  readonly transfers: readonly TransferRunRecord[];
}

export interface ScheduleStateRecord {
  readonly schedule: string;
  /** ISO UTC of the next slot the daemon will run, as last planned. */
  readonly nextRunAt?: string;
  /** What the next run will be: `scheduled`, or `retry` after a failure (with backoff). */
  readonly nextTrigger?: RunTrigger;
  /** The timing the plan was made for (`describeTiming`); a different one means re-plan. */
  readonly timing?: string;
  /** Failed runs in a row; 0 after a success. Drives the retry backoff. */
  readonly consecutiveFailures: number;
  /** The slot the last scheduled (not manual) run served: the phase of the next slots. */
  readonly lastSlotAt?: string;
  /** Last failure notification: when, and for which reason (to avoid repeating the same e-mail). */
  readonly notifiedAt?: string;
  readonly notifiedReason?: string;
}

/** Who holds a schedule's run lock. */
export interface LockOwner extends ProcessIdentity {
  /** The run the lock was taken for, once known. */
  readonly runId?: number;
}

export interface LockHolder extends LockOwner {
  readonly since: string;
  readonly heartbeatAt: string;
}

export type LockResult = { readonly acquired: true } | { readonly acquired: false; readonly holder: LockHolder };

export interface SchedulerStateRecord extends ProcessIdentity {
  readonly state: 'running' | 'stopping' | 'stopped';
  readonly startedAt: string;
  readonly heartbeatAt: string;
  readonly stoppedAt?: string;
  readonly configPath: string;
}

/** What the incremental pulls remember about one stream (site, product, destination), for `status`. */
export interface PullStreamState {
  /** The site's host as sessions are keyed. */
  readonly site: string;
  readonly product: string;
  /** The destination as the pull names it (redacted spec, or `file:<dir>?types=…`). */
  readonly target: string;
  /** ISO UTC (appliance clock): every session that began before it is committed. */
  readonly watermark?: string;
  readonly watermarkUpdatedAt?: string;
  /** Sessions seen in progress, re-fetched until they close. */
  readonly inProgress: number;
  readonly oldestInProgressStart?: string;
  /** Range backfills not finished (ISO UTC bounds and how far they got). */
  readonly backfills: readonly { readonly id: string; readonly from: string; readonly to: string; readonly doneUntil: string }[];
}

export interface StartRunInput {
  readonly schedule: string;
  readonly trigger: RunTrigger;
  readonly scheduledFor?: string;
  readonly startedAt: string;
  readonly process: ProcessIdentity;
  readonly transfers: readonly Pick<TransferRunRecord, 'index' | 'site' | 'destination' | 'data'>[];
}

export interface FinishTransferInput extends Partial<TransferCounts> {
  readonly runId: number;
  readonly index: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly result: Exclude<RunResult, 'running'>;
  readonly reason?: string;
  readonly errorCode?: string;
  readonly detail?: string;
}

export interface RunHistoryStore {
  /**
   * Takes the schedule's run lock unless a live process holds it: a holder for which `isAlive`
   * returns false (see isProcessAlive) is taken over. Atomic across processes.
   */
  tryLock(schedule: string, owner: LockOwner, now: string, isAlive: (holder: LockHolder) => boolean): LockResult;
  /** Refreshes the lock's heartbeat (and records the run id). */
  heartbeatLock(schedule: string, owner: LockOwner, now: string): void;
  /** Releases the lock if `owner` holds it. */
  unlock(schedule: string, owner: LockOwner): void;
  /** The current holder, if any. */
  lockHolder(schedule: string): LockHolder | undefined;

  startRun(input: StartRunInput): number;
  finishTransfer(input: FinishTransferInput): void;
  finishRun(runId: number, result: Exclude<RunResult, 'running'>, finishedAt: string, reason?: string): void;
  run(runId: number): RunRecord | undefined;
  /** Newest first. */
  recentRuns(schedule: string, limit: number): RunRecord[];
  /** The newest run that is no longer running. */
  lastFinishedRun(schedule: string): RunRecord | undefined;
  /** The newest run with result `succeeded`. */
  lastSuccessfulRun(schedule: string): RunRecord | undefined;
  /** Runs still marked running. */
  runningRuns(): RunRecord[];

  scheduleState(schedule: string): ScheduleStateRecord | undefined;
  /** Saves the plan fields (everything but the notification fields). */
  saveScheduleState(state: ScheduleStateRecord): void;
  /** Records the last failure notification sent (undefined clears it, after a recovery). */
  recordNotification(schedule: string, notifiedAt: string | undefined, notifiedReason: string | undefined): void;

  /** Every stream the pulls keep state for. */
  pullStreams(): PullStreamState[];

  schedulerState(): SchedulerStateRecord | undefined;
  saveSchedulerState(state: SchedulerStateRecord): void;

  close(): void;
}
