/**
 * What `run`, `serve`, `status`, `notify` and `demo` share: find and load the configuration, open the
 * state store (run history), build the logger and the notifier. Implementations living in sinks/ are
 * loaded lazily so `--help` stays fast.
 */
import { existsSync } from 'node:fs';
import type { EtlConfig } from '../config/config-types.ts';
import { findConfigFile, loadConfig, type LoadConfigOptions } from '../config/load-config.ts';
import { createLogger, type CreateLoggerOptions, type LoggerHandle } from '../logging/create-logger.ts';
import { SmtpMailer, type MailTransport } from '../notify/mailer.ts';
import { createRunNotifier } from '../notify/run-notifier.ts';
import type { RunHistoryStore, RunRecord } from '../scheduler/run-history.ts';
import type { ScheduleConfig } from '../config/config-types.ts';
import type { Logger } from '../stage.ts';
import { THIS_PROCESS } from '../scheduler/process-identity.ts';

export function loadConfigFrom(explicit: string | undefined, options?: LoadConfigOptions): EtlConfig {
  return loadConfig(findConfigFile(explicit), options);
}

/** Opens (creating if needed) the run history in the configured state store. */
export async function openRunHistory(config: EtlConfig): Promise<RunHistoryStore> {
  const { SqliteRunHistory } = await import('../../sinks/state/sqlite-run-history.ts');
  return new SqliteRunHistory(config.state.path);
}

/** The run history if the state store exists, without creating it (for read-only commands). */
export async function openExistingRunHistory(config: EtlConfig): Promise<RunHistoryStore | undefined> {
  return existsSync(config.state.path) ? openRunHistory(config) : undefined;
}

export function createConfiguredLogger(config: EtlConfig, options: CreateLoggerOptions = {}): Promise<LoggerHandle> {
  return createLogger(config.logs, options);
}

/** This machine's name, as runs and mails show it. */
export const HOST = THIS_PROCESS.host;

/** The after-run hook that mails failures and recoveries, or undefined when notifications are off. */
export function runNotifierFor(
  config: EtlConfig,
  store: RunHistoryStore,
  logger: Logger,
  transport?: MailTransport,
): { readonly hook: (run: RunRecord, schedule: ScheduleConfig) => Promise<void>; close(): void } | undefined {
  const notifications = config.notifications;
  if (!notifications?.enabled) return undefined;
  const mailer = transport ?? new SmtpMailer(notifications);
  return {
    hook: createRunNotifier({ config: notifications, transport: mailer, store, logger, host: HOST, logDirectory: config.logs.directory }),
    close: () => mailer.close(),
  };
}
