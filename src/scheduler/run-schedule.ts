/**
 * Runs one schedule once: take the schedule's run lock (so a manual `run` and the daemon, or two
 * daemons, never run it twice at once), record the run, run its transfers side by side (as the old
 * client did), record each transfer's result and reason, then the run's.
 *
 * Better last-run semantics than the old client: a transfer that cannot reach the appliance or the
 * destination makes the run `failed` with that reason (the old client marked it complete); a run
 * stopped by a signal is `cancelled` and a run whose process died is later marked `interrupted`.
 * Failures of the machinery itself (the state store) propagate to the caller.
 */
import { asEtlError } from '../errors.ts';
import { redactSecrets } from '../redaction.ts';
import type { EtlConfig, ScheduleConfig, TransferConfig } from '../config/config-types.ts';
import { silentProgress, type ProgressReporter } from '../progress/progress.ts';
import { ATTR, SPAN } from '../telemetry/attributes.ts';
import { startRunTrace } from '../telemetry/run-trace.ts';
import { withSpan } from '../telemetry/tracing.ts';
import type { Logger } from '../stage.ts';
import type { LockHolder, LockOwner, RunHistoryStore, RunRecord, RunResult, RunTrigger } from './run-history.ts';
import type { TransferRunner } from './transfer-runner.ts';
import { isProcessAlive, processIsAlive, THIS_PROCESS, type ProcessIdentity } from './process-identity.ts';

export interface RunDependencies {
  readonly config: EtlConfig;
  readonly store: RunHistoryStore;
  readonly runner: TransferRunner;
  readonly logger: Logger;
  /** Who runs: lock owner and the run's host/pid. Default this process. */
  readonly process?: ProcessIdentity;
  readonly now?: () => Date;
  /** A progress reporter per transfer. Default: silent. */
  readonly progressFor?: (schedule: ScheduleConfig, transfer: TransferConfig) => ProgressReporter;
  /** How often a running run refreshes its lock. Default 15 s. */
  readonly lockHeartbeatMs?: number;
  /** A lock held from another host without heartbeat for this long is taken over. Default 2 min. */
  readonly lockStaleAfterMs?: number;
  /** Is a process on this host alive? Default: `process.kill(pid, 0)`. */
  readonly isAlive?: (pid: number) => boolean;
  /** Called with every finished run (notifications). Errors are logged, never thrown. */
  readonly onFinished?: (run: RunRecord, schedule: ScheduleConfig) => Promise<void>;
}

export interface RunRequest {
  readonly trigger: RunTrigger;
  /** The slot served (absent for manual runs). */
  readonly scheduledFor?: Date;
  /** Aborting cancels the run: transfers roll back their open batch and stop. */
  readonly signal?: AbortSignal;
}

export type RunOutcome =
  | { readonly status: 'finished'; readonly run: RunRecord }
  | { readonly status: 'busy'; readonly holder: LockHolder };

function transferLabel(transfer: TransferConfig): string {
  return `transfer ${transfer.index + 1} (${transfer.site} -> ${transfer.destination})`;
}

function reasonOf(error: unknown): string {
  return redactSecrets(error instanceof Error ? error.message : String(error));
}

export async function runScheduleOnce(schedule: ScheduleConfig, request: RunRequest, deps: RunDependencies): Promise<RunOutcome> {
  const now = deps.now ?? (() => new Date());
  const iso = () => now().toISOString();
  const { store } = deps;
  const me = deps.process ?? THIS_PROCESS;
  const owner: LockOwner = me;
  const liveness = { me, isAlive: deps.isAlive ?? processIsAlive, now: now(), staleAfterMs: deps.lockStaleAfterMs ?? 120_000 };
  const lock = store.tryLock(schedule.name, owner, iso(), (holder) => isProcessAlive(holder, holder.heartbeatAt, liveness));
  if (!lock.acquired) return { status: 'busy', holder: lock.holder };

  const runId = store.startRun({
    schedule: schedule.name,
    trigger: request.trigger,
    scheduledFor: request.scheduledFor?.toISOString(),
    startedAt: iso(),
    process: me,
    transfers: schedule.transfers,
  });
  const runOwner = { ...owner, runId };
  store.heartbeatLock(schedule.name, runOwner, iso());
  const heartbeat = setInterval(() => store.heartbeatLock(schedule.name, runOwner, iso()), deps.lockHeartbeatMs ?? 15_000);
  heartbeat.unref();
  const logger = deps.logger.child({ schedule: schedule.name, runId });
  const runTrace = startRunTrace({ [ATTR.schedule]: schedule.name, [ATTR.runId]: runId, [ATTR.trigger]: request.trigger });
  logger.info({ trigger: request.trigger, scheduledFor: request.scheduledFor?.toISOString(), transfers: schedule.transfers.length }, 'run started');

  const controller = new AbortController();
  const onAbort = () => controller.abort(request.signal?.reason);
  if (request.signal?.aborted) onAbort();
  else request.signal?.addEventListener('abort', onAbort, { once: true });

  let result: Exclude<RunResult, 'running'>;
  let reason: string | undefined;
  let errorType: string | undefined;
  try {
    const outcomes = await runTrace.within(() => Promise.all(schedule.transfers.map(async (transfer) => {
      const startedAt = iso();
      const transferLogger = logger.child({ transfer: transfer.index + 1, transferSite: transfer.site, transferDestination: transfer.destination });
      const site = deps.config.sites.get(transfer.site);
      const destination = deps.config.destinations.get(transfer.destination);
      try {
        if (!site || !destination) throw new Error(`${transferLabel(transfer)}: site or destination missing from the configuration`);
        const outcome = await withSpan(SPAN.transfer, { [ATTR.site]: site.host, [ATTR.product]: site.product, [ATTR.destination]: transfer.destination, [ATTR.sinkType]: destination.type }, () => deps.runner(
          { schedule, transfer, site, destination, runId },
          { signal: controller.signal, logger: transferLogger, progress: deps.progressFor?.(schedule, transfer) ?? silentProgress },
        ));
        controller.signal.throwIfAborted();
        store.finishTransfer({ runId, index: transfer.index, startedAt, finishedAt: iso(), result: 'succeeded', ...outcome });
        transferLogger.info({ sessions: outcome.sessions ?? 0, files: outcome.files ?? 0, bytes: outcome.bytes ?? 0, detail: outcome.detail }, 'transfer succeeded');
        return { transfer, ok: true as const };
      } catch (error) {
        const cancelled = controller.signal.aborted;
        const etl = asEtlError(error, 'scheduling');
        const why = cancelled ? `cancelled: ${reasonOf(controller.signal.reason)}` : reasonOf(error);
        store.finishTransfer({ runId, index: transfer.index, startedAt, finishedAt: iso(), result: cancelled ? 'cancelled' : 'failed', reason: why, errorCode: cancelled ? 'aborted' : etl.code });
        if (cancelled) transferLogger.warn({ reason: why }, 'transfer cancelled');
        else transferLogger.error({ code: etl.code, reason: why }, 'transfer failed');
        return { transfer, ok: false as const, cancelled, why, code: cancelled ? 'aborted' : etl.code };
      }
    })));
    const failed = outcomes.filter((outcome) => !outcome.ok);
    if (controller.signal.aborted) {
      result = 'cancelled';
      reason = `stopped before finishing: ${reasonOf(controller.signal.reason)}; committed data is kept and the next run resumes from the watermark`;
    } else if (failed.length > 0) {
      result = 'failed';
      errorType = failed.map((outcome) => (outcome.ok ? undefined : outcome.code)).find((code) => code !== undefined);
      reason = failed.map((outcome) => `${transferLabel(outcome.transfer)}: ${outcome.ok ? '' : outcome.why}`).join('; ');
    } else {
      result = 'succeeded';
    }
  } catch (error) {
    // The machinery itself failed (the state store, most likely): leave no run marked running and
    // no lock held, as far as the store still lets us, then let the caller see the error.
    try {
      store.finishRun(runId, 'failed', iso(), `internal error: ${reasonOf(error)}`);
      store.unlock(schedule.name, runOwner);
    } catch {
      // the store is unusable; the next process start marks the run interrupted
    }
    runTrace.end({ result: 'failed', error });
    throw error;
  } finally {
    clearInterval(heartbeat);
    request.signal?.removeEventListener('abort', onAbort);
  }
  store.finishRun(runId, result, iso(), reason);
  runTrace.end({ result, reason, errorType });
  store.unlock(schedule.name, runOwner);
  const run = store.run(runId) as RunRecord;
  if (result === 'succeeded') logger.info({ result }, 'run succeeded');
  else if (result === 'cancelled') logger.warn({ result, reason }, 'run cancelled');
  else logger.error({ result, reason }, 'run failed');
  if (deps.onFinished) {
    try {
      await deps.onFinished(run, schedule);
    } catch (error) {
      logger.error({ reason: reasonOf(error) }, 'after-run hook failed (notification not sent)');
    }
  }
  return { status: 'finished', run };
}
