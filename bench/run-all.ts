/**
 * `npm run bench`: every benchmark in this folder, one after the other, each with its defaults, in
 * its own process (output as it comes). Stops at the first that fails. Each takes minutes; run one
 * alone with its own options (`node bench/<name>.bench.ts --help`) to go faster.
 *
 *   node bench/run-all.ts [--only parse,sql-load,file-sink,telemetry-overhead]
 *   node bench/run-all.ts --help
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { namesFrom, parseScriptArgs } from './script-args.ts';

/** In the order they run: the cheapest first, so a broken setup shows early. */
const BENCHES = ['parse', 'telemetry-overhead', 'file-sink', 'sql-load'] as const;

const USAGE = `Usage: node bench/run-all.ts [options]    (npm run bench)

Runs each benchmark with its defaults, one after the other, each in its own process; stops at the
first that fails. Figures depend on what else runs on the machine: bench/RESULTS.md says how the
recorded ones were taken.

Options:
  --only <names>     comma-separated benchmarks to run (default ${BENCHES.join(',')})
  -h, --help         print this help and exit

Each benchmark takes its own options: node bench/<name>.bench.ts --help
`;

const { values } = parseScriptArgs(USAGE, () => parseArgs({
  options: {
    only: { type: 'string', default: BENCHES.join(',') },
    help: { type: 'boolean', short: 'h' },
  },
}));
const chosen = new Set(namesFrom(USAGE, 'only', values.only, BENCHES));

for (const name of BENCHES.filter((bench) => chosen.has(bench))) {
  const script = new URL(`./${name}.bench.ts`, import.meta.url).pathname;
  process.stdout.write(`\n== bench/${name}.bench.ts\n`);
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [script], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) {
    process.stderr.write(`run-all: bench/${name}.bench.ts exited with ${String(code)}; the rest were not run\n`);
    process.exit(1);
  }
}
