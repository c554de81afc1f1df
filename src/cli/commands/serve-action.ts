/**
 * What `sra-etl serve` does (registered in serve.ts): run the scheduler daemon until a signal.
 */
import { EtlError } from '../../errors.ts';
import { Scheduler } from '../../scheduler/scheduler.ts';
import { createConfiguredLogger, loadConfigFrom, openRunHistory, runNotifierFor } from '../runtime.ts';
import { defaultTransferRunner } from '../transfer-runner.ts';
import { startTelemetry } from '../../telemetry/sdk.ts';
import type { TransferRunnerFactory } from './run-action.ts';
import type { ClosableTransferRunner } from '../../scheduler/transfer-runner.ts';

export interface ServeOptions {
  readonly config?: string;
  /** Seconds to wait for running transfers after SIGTERM/SIGINT. Default 30. */
  readonly shutdownTimeoutSeconds?: number;
  readonly runnerFactory?: TransferRunnerFactory;
}

const LOG_SWEEP_MS = 6 * 3_600_000;

/** Runs the daemon until a signal; resolves with the exit code (0 clean stop, 1 runs had to be abandoned). */
export async function serveDaemon(options: ServeOptions): Promise<number> {
  const config = loadConfigFrom(options.config);
  await startTelemetry({ config: config.telemetry }); // the `telemetry:` section can turn tracing on
  const logs = await createConfiguredLogger(config, { bindings: { command: 'serve' } });
  const { logger } = logs;
  const store = await openRunHistory(config);
  const notifier = runNotifierFor(config, store, logger);
  const timeoutMs = (options.shutdownTimeoutSeconds ?? 30) * 1000;
  let sweep: NodeJS.Timeout | undefined;
  let runner: ClosableTransferRunner | undefined;
  try {
    runner = await (options.runnerFactory ?? defaultTransferRunner)(config, logger);
    const scheduler = new Scheduler({ config, store, runner, logger, onFinished: notifier?.hook });
    const removeOld = async () => {
      const removed = await logs.removeOldFiles();
      if (removed.length > 0) logger.info({ removed, olderThanDays: config.logs.deleteAfterDays }, 'old log files deleted');
    };
    await removeOld();
    sweep = setInterval(() => void removeOld().catch((error: unknown) => logger.warn({ reason: String(error) }, 'cannot delete old log files')), LOG_SWEEP_MS);
    sweep.unref();
    const stopped = new Promise<NodeJS.Signals>((resolve) => {
      const onSignal = (signal: NodeJS.Signals) => {
        process.removeListener('SIGTERM', onSignal);
        process.removeListener('SIGINT', onSignal);
        process.once('SIGTERM', () => process.exit(130));
        process.once('SIGINT', () => process.exit(130));
        resolve(signal);
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
    const plans = scheduler.start();
    logger.info({ config: config.path, state: config.state.path, schedules: plans.length, logs: logs.directory ?? null }, 'scheduler started');
    if (plans.length === 0) logger.warn({ config: config.path }, 'no enabled schedule: serve will run nothing until the configuration has one (enabled: true) and serve is restarted');
    const signal = await stopped;
    logger.warn({ signal, timeoutMs }, 'stop requested: cancelling running transfers');
    const report = await scheduler.stop(new EtlError(`stopped by ${signal}`, 'aborted', 'scheduling'), timeoutMs);
    logger.info({ forced: report.forced }, 'scheduler stopped');
    return report.forced.length > 0 ? 1 : 0;
  } finally {
    clearInterval(sweep);
    await runner?.close?.().catch(() => undefined);
    notifier?.close();
    store.close();
    await logs.close();
  }
}

