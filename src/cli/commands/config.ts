/**
 * `sra-etl config check`: validates the configuration file (every error with its key path, line
 * and what is expected), then prints the schedule list as the old client's Schedule Configuration
 * pane did (Schedule Name, Transfers, Period, Last Run), the transfers, sites and destinations, and
 * any warnings. `sra-etl config schema` prints the JSON Schema for editors.
 *
 * This file only registers the commands; config-action.ts (the loader, JSON Schema, run history)
 * is imported when one runs.
 */
import type { Command } from 'commander';
import { CONFIG_OPTION } from '../config-option.ts';

/** `config check`'s flags. */
export interface ConfigCheckFlags {
  readonly config?: string;
  /** false with --no-secrets: do not read { env } / { file } secrets. */
  readonly secrets: boolean;
}

export function registerConfig(program: Command): void {
  const config = program.command('config').description('Check the configuration file, or print its JSON Schema.');
  config
    .command('check')
    .description('Validate the configuration and print the schedule list (Schedule Name, Transfers, Period, Last Run), transfers, sites and destinations.')
    .option(...CONFIG_OPTION)
    .option('--no-secrets', 'do not read { env } / { file } secrets (check the file on a machine without them)')
    .addHelpText('after', `
Every problem is reported at once with its place and what is expected, e.g.
  sra-etl.yaml:19:12: schedules.Sessions.every: must be a period from 1 minute to 7 days, such as "15 minutes" …

Examples:
  $ sra-etl config check --config examples/demo.yaml
  $ sra-etl config check --no-secrets          # ./sra-etl.yaml, without the secrets' environment`)
    .action(async (flags: ConfigCheckFlags) => {
      const { checkConfig } = await import('./config-action.ts');
      await checkConfig(flags);
    });
  config
    .command('schema')
    .description('Print the JSON Schema of the configuration file (for editors: # yaml-language-server: $schema=<file>).')
    .action(async () => {
      const { printConfigSchema } = await import('./config-action.ts');
      printConfigSchema();
    });
}
