/**
 * When to send e-mail about runs. The old client mailed whenever it logged an error; an operator
 * wants one mail when a schedule starts failing, another if the reason changes or it keeps failing
 * past `repeatAfterMinutes`, and one when it recovers. The last notification is remembered in the
 * state store, so this holds across restarts and between `serve` and `run`.
 */
import { hostname } from 'node:os';
import type { NotificationsConfig, ScheduleConfig } from '../config/config-types.ts';
import { describeTiming } from '../config/timing.ts';
import { redactSecrets } from '../redaction.ts';
import type { RunHistoryStore, RunRecord } from '../scheduler/run-history.ts';
import type { Logger } from '../stage.ts';
import type { Mail, MailTransport } from './mailer.ts';

export interface RunNotifierOptions {
  readonly config: NotificationsConfig;
  readonly transport: MailTransport;
  readonly store: RunHistoryStore;
  readonly logger: Logger;
  readonly host?: string;
  readonly now?: () => Date;
  /** Shown in mails so the reader knows where to look. */
  readonly logDirectory?: string;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

function transferLines(run: RunRecord): string[] {
  return run.transfers.map((t) => {
    const head = `  ${t.index + 1}. ${t.site} -> ${t.destination} [${t.data.join(', ')}]: ${t.result}`;
    if (t.result === 'succeeded') return `${head}, ${t.sessions} sessions, ${t.files} files, ${megabytes(t.bytes)}`;
    return `${head}${t.errorCode ? ` (${t.errorCode})` : ''}${t.reason ? `\n     ${t.reason}` : ''}`;
  });
}

/** Failed runs in a row, newest first, up to and including `run`. */
function failureStreak(store: RunHistoryStore, schedule: string): number {
  let streak = 0;
  for (const run of store.recentRuns(schedule, 50)) {
    if (run.result === 'succeeded') break;
    if (run.result === 'failed') streak++;
  }
  return streak;
}

export function failureMail(run: RunRecord, schedule: ScheduleConfig, streak: number, host: string, logDirectory?: string): Mail {
  const reason = run.reason ?? 'no reason recorded';
  const short = reason.length > 140 ? `${reason.slice(0, 137)}...` : reason;
  return {
    subject: `[sra-etl] ${schedule.name} failed on ${host}: ${short}`,
    text: [
      `The schedule "${schedule.name}" (${schedule.timing.kind === 'every' ? 'every ' : ''}${describeTiming(schedule.timing)}) failed${streak > 1 ? ` (${streak} failed runs in a row)` : ''}.`,
      '',
      `Run:      #${run.id} (${run.trigger}${run.scheduledFor ? `, for ${run.scheduledFor}` : ''})`,
      `Started:  ${run.startedAt}`,
      `Finished: ${run.finishedAt ?? '-'}`,
      `Host:     ${host} (pid ${run.pid})`,
      '',
      'Transfers:',
      ...transferLines(run),
      '',
      'Committed data is kept; the next run resumes from the watermark. Failed runs are retried with backoff.',
      `See \`sra-etl status\`${logDirectory ? ` and the logs in ${logDirectory}` : ''}.`,
    ].map(redactSecrets).join('\n'),
  };
}

export function recoveryMail(run: RunRecord, schedule: ScheduleConfig, host: string): Mail {
  return {
    subject: `[sra-etl] ${schedule.name} recovered on ${host}`,
    text: [`The schedule "${schedule.name}" ran successfully again (run #${run.id}, finished ${run.finishedAt ?? '-'}).`, '', 'Transfers:', ...transferLines(run)].join('\n'),
  };
}

/** The after-run hook for runScheduleOnce / Scheduler. */
export function createRunNotifier(options: RunNotifierOptions): (run: RunRecord, schedule: ScheduleConfig) => Promise<void> {
  const host = options.host ?? hostname();
  const now = options.now ?? (() => new Date());
  return async (run, schedule) => {
    if (!options.config.enabled) return;
    const { store, logger } = options;
    const state = store.scheduleState(schedule.name);
    if (run.result === 'failed') {
      const reason = run.reason ?? '';
      const last = state?.notifiedAt ? Date.parse(state.notifiedAt) : undefined;
      const quiet = last !== undefined && state?.notifiedReason === reason && now().getTime() - last < options.config.repeatAfterMinutes * 60_000;
      if (quiet) {
        logger.debug({ schedule: schedule.name, runId: run.id }, 'failure notification not repeated (same reason, recently sent)');
        return;
      }
      const sent = await options.transport.send(failureMail(run, schedule, failureStreak(store, schedule.name), host, options.logDirectory));
      store.recordNotification(schedule.name, now().toISOString(), reason);
      logger.info({ schedule: schedule.name, runId: run.id, to: sent.accepted }, 'failure notification sent');
    } else if (run.result === 'succeeded' && state?.notifiedAt) {
      const sent = await options.transport.send(recoveryMail(run, schedule, host));
      store.recordNotification(schedule.name, undefined, undefined);
      logger.info({ schedule: schedule.name, runId: run.id, to: sent.accepted }, 'recovery notification sent');
    }
  };
}
