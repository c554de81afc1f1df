/**
 * What `sra-etl run` does (registered in run.ts): run the selected schedules once, as the daemon
 * would, and print each run's outcome.
 */
import type { EtlConfig, ScheduleConfig } from '../../config/config-types.ts';
import { didYouMean } from '../../config/schema-errors.ts';
import { ConfigError, EtlError } from '../../errors.ts';
import { progressBoardFor } from '../../progress/progress-board.ts';
import { reapInterruptedRuns } from '../../scheduler/reap.ts';
import { runScheduleOnce, type RunOutcome } from '../../scheduler/run-schedule.ts';
import type { ClosableTransferRunner } from '../../scheduler/transfer-runner.ts';
import type { Logger } from '../../stage.ts';
import { duration, localDateTime } from '../human-time.ts';
import { createConfiguredLogger, loadConfigFrom, openRunHistory, runNotifierFor } from '../runtime.ts';
import { cancelOnSignals } from '../cancel-on-signals.ts';
import { defaultTransferRunner } from '../transfer-runner.ts';
import { startTelemetry } from '../../telemetry/sdk.ts';

export type TransferRunnerFactory = (config: EtlConfig, logger: Logger) => Promise<ClosableTransferRunner>;

export interface RunCommandOptions {
  readonly config?: string;
  readonly schedule?: readonly string[];
  readonly notify?: boolean;
  readonly progress?: boolean;
  /** Tests and the demo pass their own; default: the appliance pull into the destinations. */
  readonly runnerFactory?: TransferRunnerFactory;
  readonly out?: NodeJS.WritableStream;
}

export function selectSchedules(config: EtlConfig, names: readonly string[] | undefined): ScheduleConfig[] {
  if (!names || names.length === 0) {
    const enabled = config.schedules.filter((schedule) => schedule.enabled);
    if (enabled.length === 0) throw new ConfigError(`${config.path}: no enabled schedule to run; name one with --schedule`, { code: 'usage' });
    return enabled;
  }
  return names.map((name) => {
    const schedule = config.schedules.find((candidate) => candidate.name === name);
    if (!schedule) {
      const known = config.schedules.map((s) => s.name);
      const guess = didYouMean(name, known);
      throw new ConfigError(`--schedule ${JSON.stringify(name)}: no such schedule${guess ? ` (did you mean "${guess}"?)` : ''}; schedules are: ${known.join(', ')}`, { code: 'usage' });
    }
    return schedule;
  });
}

function summary(schedule: ScheduleConfig, outcome: RunOutcome): string {
  if (outcome.status === 'busy') {
    const h = outcome.holder;
    return `${schedule.name}: not run: it is already running (pid ${h.pid} on ${h.host}, since ${localDateTime(new Date(h.since))})\n`;
  }
  const { run } = outcome;
  const took = run.finishedAt ? duration(Date.parse(run.finishedAt) - Date.parse(run.startedAt)) : '-';
  const lines = [`${schedule.name}: ${run.result} in ${took} (run #${run.id})`];
  for (const t of run.transfers) {
    const counts = t.result === 'succeeded' ? `${t.sessions} sessions, ${t.files} files, ${(t.bytes / 1_048_576).toFixed(1)} MB${t.detail ? `, ${t.detail}` : ''}` : (t.reason ?? '');
    lines.push(`  ${t.index + 1}. ${t.site} -> ${t.destination} [${t.data.join(', ')}]: ${t.result}${counts ? `: ${counts}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Runs the command; resolves with the exit code (0 all succeeded, 1 failed or busy, 130 cancelled). */
export async function runSchedulesNow(options: RunCommandOptions): Promise<number> {
  const config = loadConfigFrom(options.config);
  const schedules = selectSchedules(config, options.schedule);
  await startTelemetry({ config: config.telemetry }); // the `telemetry:` section can turn tracing on
  const board = progressBoardFor(process.stderr, options.progress !== false);
  const logs = await createConfiguredLogger(config, { bindings: { command: 'run' }, consoleLevel: board ? 'warn' : undefined });
  const { logger } = logs;
  const store = await openRunHistory(config);
  const notifier = options.notify === false ? undefined : runNotifierFor(config, store, logger);
  const controller = new AbortController();
  const stopListening = cancelOnSignals(controller, (signal) => {
    process.stderr.write(`\n${signal}: cancelling (rolling back the open batch); press Ctrl-C again to quit at once\n`);
    return new EtlError(`stopped by ${signal}`, 'aborted', 'scheduling');
  });
  let runner: ClosableTransferRunner | undefined;
  try {
    await logs.removeOldFiles();
    for (const run of reapInterruptedRuns(store, { now: new Date() })) {
      logger.warn({ schedule: run.schedule, runId: run.id }, 'run left unfinished by a process that ended; marked interrupted');
    }
    runner = await (options.runnerFactory ?? defaultTransferRunner)(config, logger);
    const run = runner;
    const outcomes = await Promise.all(schedules.map((schedule) => runScheduleOnce(schedule, { trigger: 'manual', signal: controller.signal }, {
      config,
      store,
      runner: run,
      logger,
      onFinished: notifier?.hook,
      progressFor: board ? (s, t) => board.reporter(`${s.name} #${t.index + 1} ${t.site} -> ${t.destination}`) : undefined,
    })));
    board?.stop();
    const out = options.out ?? process.stdout;
    outcomes.forEach((outcome, i) => out.write(summary(schedules[i] as ScheduleConfig, outcome)));
    if (outcomes.some((o) => o.status === 'finished' && o.run.result === 'cancelled')) return 130;
    return outcomes.every((o) => o.status === 'finished' && o.run.result === 'succeeded') ? 0 : 1;
  } finally {
    board?.stop();
    await runner?.close?.();
    stopListening();
    notifier?.close();
    store.close();
    await logs.close();
  }
}

