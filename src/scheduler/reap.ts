/**
 * Runs left `running` by a process that no longer exists (killed, crashed, host rebooted) are marked
 * `interrupted` and their locks released, so `status` tells the truth and the schedule can run again.
 * Every command that opens the run history calls this first.
 */
import type { RunHistoryStore, RunRecord } from './run-history.ts';

export interface ReapOptions {
  readonly host: string;
  readonly isAlive: (pid: number) => boolean;
  readonly now: Date;
  /** Runs of other hosts are reaped once their lock has had no heartbeat for this long. Default 10 min. */
  readonly staleAfterMs?: number;
}

export function reapInterruptedRuns(store: RunHistoryStore, options: ReapOptions): RunRecord[] {
  const reaped: RunRecord[] = [];
  for (const run of store.runningRuns()) {
    const holder = store.lockHolder(run.schedule);
    const heldByRun = holder !== undefined && holder.host === run.host && holder.pid === run.pid;
    const dead = run.host === options.host
      ? !options.isAlive(run.pid)
      : !heldByRun || options.now.getTime() - Date.parse(holder.heartbeatAt) > (options.staleAfterMs ?? 600_000);
    if (!dead || (run.host === options.host && run.pid === process.pid)) continue;
    store.finishRun(
      run.id,
      'interrupted',
      options.now.toISOString(),
      `the process running it (pid ${run.pid} on ${run.host}) ended before the run finished (killed or crashed); committed data is kept and the next run resumes from the watermark`,
    );
    if (heldByRun) store.unlock(run.schedule, { host: run.host, pid: run.pid });
    reaped.push(run);
  }
  return reaped;
}
