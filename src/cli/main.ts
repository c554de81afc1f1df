#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=4 --max-old-space-size=1024
/**
 * The `sra-etl` command line. Each command lives in its own file under ./commands and registers
 * itself on the program; this file only wires global options, version and error reporting.
 */
import { Command } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { commands } from './commands/index.ts';
import { exitCodeFor, formatFatal } from './fatal.ts';
import { boundHeapGrowth } from './heap-bounds.ts';
import { shutdownTelemetry, startTelemetry } from '../telemetry/sdk.ts';

export function createProgram(): Command {
  const program = new Command('sra-etl')
    .description('Stream session reports, recordings and backups out of BeyondTrust Remote Support and Privileged Remote Access appliances.')
    .version(packageJson.version, '-V, --version', 'print the version and exit')
    .option('--verbose', 'print stack traces and debug detail on errors')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false })
    // Before the commands are added: subcommands inherit it, so their usage errors exit 2 too.
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

async function main(argv: readonly string[]): Promise<void> {
  const program = createProgram();
  program.exitOverride();
  // OpenTelemetry starts only when OTEL_* variables ask for it (src/telemetry/settings.ts), and only
  // for a command that runs: --help and --version never load the SDK.
  program.hook('preAction', async () => {
    // Streaming commands allocate fast; keep V8 from growing the heap far past what is live, however
    // node was started (the shebang's flags only apply to `sra-etl …`, not `node src/cli/main.ts …`).
    boundHeapGrowth();
    await startTelemetry();
  });
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') {
      process.exitCode = 0;
      return;
    }
    if (typeof code === 'string' && code.startsWith('commander.')) {
      process.exitCode = 2; // commander has already printed the usage error
      return;
    }
    const verbose = program.opts<{ verbose?: boolean }>().verbose === true || argv.includes('--verbose');
    process.stderr.write(formatFatal(error, verbose) + '\n');
    process.exitCode = exitCodeFor(error);
  } finally {
    await shutdownTelemetry(); // bounded: an unreachable collector cannot hold the exit up for long
  }
}

// `sra-etl status | head`: the reader has all it wanted; stop quietly, as cat would, instead of
// dying of an unhandled EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

await main(process.argv);
