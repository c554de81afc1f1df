/**
 * `sra-etl status`: the scheduler daemon's state and, per schedule, its transfers, period, last run
 * with result and reason, the run in progress and the next run. `--json` prints the same as data.
 * This file only registers the command; status-action.ts (configuration loader, run history) is
 * imported when it runs.
 */
import type { Command } from 'commander';
import { CONFIG_OPTION } from '../config-option.ts';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('Show whether the scheduler runs and, per schedule, transfers, period, last run and its result, next run.')
    .option(...CONFIG_OPTION)
    .option('--json', 'print the status as JSON (times in ISO-8601 UTC)')
    .addHelpText('after', `
Examples:
  $ sra-etl status
  $ sra-etl status --config /etc/sra-etl/sra-etl.yaml --json | jq '.schedules[] | {name, result: .lastRun.result}'`)
    .action(async (flags: { config?: string; json?: boolean }) => {
      const { printStatus } = await import('./status-action.ts');
      await printStatus(flags);
    });
}
