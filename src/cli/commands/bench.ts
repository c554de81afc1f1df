/**
 * `sra-etl bench --to <destination>`: size a database before going live. Generates a seeded
 * synthetic report, loads it through the real parser into the destination (the same path `pull`
 * and `replay` use) and prints MB/s, sessions/s, rows/s per table and peak RSS.
 */
import type { Command } from 'commander';
import { ConfigError } from '../../errors.ts';
import { BENCH_HOST } from '../load-benchmark.ts';

interface BenchFlags {
  to: string;
  sessions?: string;
  mb?: string;
  seed: string;
  product: string;
  batch?: string;
  worker?: boolean;
  jobs?: string;
}

function positive(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(value) || Number(value) <= 0) throw new ConfigError(`${option} ${JSON.stringify(value)}: expected a positive number`, { code: 'usage' });
  return Number(value);
}

export function registerBench(program: Command): void {
  program.command('bench')
    .description('Load a generated synthetic report into a destination and print MB/s, sessions/s, rows/s per table and peak RSS.')
    .requiredOption('--to <destination>', 'where to load: sqlite:<file> | postgres://… | mssql://… | "Server=…;Database=…"')
    .option('--sessions <n>', 'sessions to generate (default 2000, about 80 MB of XML)')
    .option('--mb <n>', 'or megabytes of report XML to generate')
    .option('--seed <seed>', 'generator seed (same seed, same report)', '1')
    .option('--product <product>', 'pra or rs', 'pra')
    .option('--batch <n>', 'sessions per batch (default 500; batches also close at 2 MB of XML)')
    .option('--worker', 'parse in a worker thread, as replay --worker does')
    .option('--jobs <n>', 'pipelines, as replay --jobs: SQLite or PostgreSQL (default: one per core, at most 4, for SQLite; one for the others)')
    .addHelpText('after', `
The synthetic sessions use host_name ${BENCH_HOST}: load them into a database you can
throw away, or delete them afterwards. The database server's own CPU and memory are not in
the figures; run it on the machine you will use, against the server you will use.

Examples:
  $ sra-etl bench --to sqlite:/tmp/bench.db --sessions 5000
  $ sra-etl bench --to postgres://etl:secret@db.example.com/sra_bench --mb 500 --seed 7`)
    .action(async (flags: BenchFlags) => {
      if (flags.product !== 'pra' && flags.product !== 'rs') throw new ConfigError(`--product ${JSON.stringify(flags.product)}: use pra or rs`, { code: 'usage' });
      const sessions = positive(flags.sessions, '--sessions');
      const megabytes = positive(flags.mb, '--mb');
      if (sessions !== undefined && megabytes !== undefined) throw new ConfigError('give --sessions or --mb, not both', { code: 'usage' });
      const batch = positive(flags.batch, '--batch');
      const jobs = positive(flags.jobs, '--jobs');
      const { formatMeasurement, generateBenchReport, measureLoad } = await import('../load-benchmark.ts');
      const report = await generateBenchReport({
        seed: flags.seed, product: flags.product, ...(sessions === undefined ? {} : { sessions: Math.round(sessions) }), ...(megabytes === undefined ? {} : { megabytes }),
      });
      try {
        process.stderr.write(`generated ${report.sessions} ${flags.product.toUpperCase()} sessions, ${(report.bytes / 1e6).toFixed(1)} MB of report XML (seed ${flags.seed}); loading…\n`);
        const measurement = await measureLoad(report, flags.to, {
          ...(batch === undefined ? {} : { maxBatchSessions: Math.round(batch) }), ...(jobs === undefined ? {} : { partitions: Math.round(jobs) }), parseInWorker: flags.worker === true,
        });
        process.stdout.write(`${formatMeasurement(measurement)}\n`);
      } finally {
        await report.dispose();
      }
    });
}
