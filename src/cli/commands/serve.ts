/**
 * `sra-etl serve`: the scheduler daemon (the old client's scheduler service). Runs every enabled
 * schedule on its period, never two runs of one schedule at once, catches up a run missed while it
 * was down, retries failures with backoff, mails failures, removes old log files. SIGTERM or SIGINT
 * stops it: running transfers roll back their open batch, and the process exits within
 * `--shutdown-timeout` seconds whatever happens (a second signal exits at once).
 *
 * This file only registers the command; serve-action.ts (configuration, scheduler, transfer runner,
 * logger, mailer) is imported when it runs.
 */
import type { Command } from 'commander';
import { ConfigError } from '../../errors.ts';
import { CONFIG_OPTION } from '../config-option.ts';

function seconds(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new ConfigError(`--shutdown-timeout ${JSON.stringify(value)}: expected whole seconds >= 1`, { code: 'usage' });
  return Number(value);
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the scheduler daemon: every enabled schedule on its period, until SIGTERM or SIGINT.')
    .option(...CONFIG_OPTION)
    .option('--shutdown-timeout <seconds>', 'on SIGTERM/SIGINT, how long running transfers get to roll back and stop', '30')
    .addHelpText('after', `
Never two runs of one schedule at once (a manual \`sra-etl run\` included); a run missed while the
daemon was down is caught up once at start; failed runs are retried with backoff (1, 2, 4 … min).
Logs go to the console and to rotating files (logs.directory). See \`sra-etl status\`.

Examples:
  $ sra-etl serve --config /etc/sra-etl/sra-etl.yaml
  $ systemctl start sra-etl     # ExecStart=/usr/bin/env sra-etl serve --config /etc/sra-etl/sra-etl.yaml`)
    .action(async (flags: { config?: string; shutdownTimeout: string }) => {
      const { serveDaemon } = await import('./serve-action.ts');
      const code = await serveDaemon({ config: flags.config, shutdownTimeoutSeconds: seconds(flags.shutdownTimeout) });
      // Whatever a transfer that ignored cancellation still holds open, the daemon exits now, after
      // a bounded flush of the last spans and metrics (process.exit skips main()'s own).
      const { shutdownTelemetry } = await import('../../telemetry/sdk.ts');
      await shutdownTelemetry();
      process.exit(code);
    });
}
