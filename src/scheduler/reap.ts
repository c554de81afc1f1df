/**
 * Runs left `running` by a process that no longer exists (killed, crashed, host rebooted) are marked
 * `interrupted` and their locks released, so `status` tells the truth and the schedule can run again.
 * Every command that opens the run history calls this first.
 */
import { isProcessAlive, processIsAlive, THIS_PROCESS, type ProcessIdentity } from './process-identity.ts';
import type { RunHistoryStore, RunRecord } from './run-history.ts';

export interface ReapOptions {
  /** Default this process. */
  readonly me?: ProcessIdentity;
  /** Default `process.kill(pid, 0)`. */
  readonly isAlive?: (pid: number) => boolean;
  readonly now: Date;
  /** Runs of other hosts are reaped once their lock has had no heartbeat for this long. Default 10 min. */
  readonly staleAfterMs?: number;
}

export function reapInterruptedRuns(store: RunHistoryStore, options: ReapOptions): RunRecord[] {
  const reaped: RunRecord[] = [];
  const liveness = { me: options.me ?? THIS_PROCESS, isAlive: options.isAlive ?? processIsAlive, now: options.now, staleAfterMs: options.staleAfterMs ?? 600_000 };
  for (const run of store.runningRuns()) {
    const holder = store.lockHolder(run.schedule);
    const heldByRun = holder !== undefined && holder.instance === run.instance;
    // A running run always holds its schedule's lock; a run that lost it (taken over from a dead
    // process) cannot be running any more.
    if (heldByRun && isProcessAlive(run, holder.heartbeatAt, liveness)) continue;
    store.finishRun(
      run.id,
      'interrupted',
      options.now.toISOString(),
      `the process running it (pid ${run.pid} on ${run.host}) ended before the run finished (killed or crashed); committed data is kept and the next run resumes from the watermark`,
    );
    if (heldByRun) store.unlock(run.schedule, holder);
    reaped.push(run);
  }
  return reaped;
}
