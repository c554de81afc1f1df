/**
 * `sra-etl demo` (`npm start`): the main job on embedded defaults, to see sra-etl work without an
 * appliance or a database server. It starts the built-in appliance SIMULATOR (synthetic data), runs
 * the schedule of examples/demo.yaml once — sessions into an embedded SQLite database, session XML,
 * recordings and a site backup into a folder, all under ./data — and prints what landed and where
 * to look. The run is a real one: same runner, run history and logs as `sra-etl run`.
 *
 * This file only registers the command; demo-action.ts (simulator, runner, sinks) is imported when
 * it runs.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Run the demo job (what `npm start` does): the built-in simulated appliance into SQLite and a folder under ./data, then show what landed.')
    .option('--keep', 'keep the previous demo\'s data in ./data (the run is then incremental: only what is new)')
    .option('-c, --config <file>', 'a demo-style configuration instead of examples/demo.yaml (its first site is pointed at the simulator; nothing is deleted)')
    .option('--sessions <n>', 'synthetic sessions in the simulator', '200')
    .addHelpText('after', `
Examples:
  $ npm start
  $ sra-etl demo --keep`)
    .action(async (flags: { keep?: boolean; sessions: string; config?: string }) => {
      const { runDemo } = await import('./demo-action.ts');
      process.exitCode = await runDemo({
        keep: flags.keep === true,
        sessions: Math.max(1, Number.parseInt(flags.sessions, 10) || 200),
        ...(flags.config === undefined ? {} : { config: resolve(flags.config) }),
      });
    });
}
