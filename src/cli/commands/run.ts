/**
 * `sra-etl run [--schedule <name>]`: runs schedules now, once, as the daemon would (same lock, same
 * run history, same notifications), with progress lines on a terminal. Ctrl-C cancels: the open
 * batch is rolled back and the run is recorded as cancelled.
 *
 * This file only registers the command; run-action.ts (configuration, scheduler, transfer runner,
 * logger, mailer) is imported when it runs.
 */
import type { Command } from 'commander';
import { CONFIG_OPTION } from '../config-option.ts';

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Run schedules now, once (all enabled schedules, or those named): the same lock, run history and notifications as `serve`.')
    .option(...CONFIG_OPTION)
    .option('-s, --schedule <name...>', 'the schedule(s) to run (a disabled one too); default: every enabled schedule')
    .option('--no-notify', 'do not e-mail about a failure of this run')
    .option('--no-progress', 'no progress lines, even on a terminal')
    .addHelpText('after', `
Exit status: 0 every run succeeded, 1 a run failed (or the schedule was already running), 130 cancelled.

Examples:
  $ sra-etl run
  $ sra-etl run --schedule "Nightly backup" --config /etc/sra-etl/sra-etl.yaml`)
    .action(async (flags: { config?: string; schedule?: string[]; notify: boolean; progress: boolean }) => {
      const { runSchedulesNow } = await import('./run-action.ts');
      process.exitCode = await runSchedulesNow({ config: flags.config, schedule: flags.schedule, notify: flags.notify, progress: flags.progress });
    });
}
