/**
 * What tracing costs: the same load (a generated session report parsed and loaded into SQLite, the
 * pipeline `replay`, `run` and `pull` share) run with telemetry off and on, alternately, each in a
 * fresh child process. "On" is the CLI's own bootstrap (startTelemetry from OTEL_* variables)
 * exporting traces and metrics over OTLP http/protobuf to a receiver on loopback in this process,
 * which decodes everything it gets, as a collector would. Prints sessions/s, MB/s and CPU time per
 * session for the load (median of the rounds) and the slowdown, the goal being under 5%; and,
 * apart, the once-per-process cost of loading the SDK and the final export.
 *
 * With `--jobs N` (N > 1) the load is replay's partitioned one (src/pipeline/partitioned-load.ts): N
 * worker threads parse and write, and forward their spans and metrics to the main thread.
 *
 *   node bench/telemetry-overhead.bench.ts [--sessions 2000] [--rounds 5] [--batch 500] [--jobs 1] [--dir /dev/shm]
 *   node bench/telemetry-overhead.bench.ts --help
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeReport } from '../fixtures/generator/generate-report.ts';
import { openDestination } from '../sinks/destinations.ts';
import { loadReport } from '../src/pipeline/load-report.ts';
import { silentLogger } from '../src/stage.ts';
import { ATTR, SPAN } from '../src/telemetry/attributes.ts';
import { traceParse, tracePartitionedParse } from '../src/telemetry/parse-span.ts';
import { loadFileInPartitions } from '../src/cli/partitioned-file-load.ts';
import { startRunTrace } from '../src/telemetry/run-trace.ts';
import { shutdownTelemetry, startTelemetry } from '../src/telemetry/sdk.ts';
import { withSpan } from '../src/telemetry/tracing.ts';
import { parseReport } from '../stages/parsers/session-report-parser.ts';
import { startOtlpReceiver } from '../test/helpers/otlp-receiver.ts';
import { figuresFromChild, median } from './child-figures.ts';
import { parseScriptArgs, positiveNumber, usageError } from './script-args.ts';

// tmpfs when there is one: fsync on a shared disk is noise far larger than what is measured.
const DEFAULT_DIR = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

const USAGE = `Usage: node bench/telemetry-overhead.bench.ts [options]

Loads one generated PRA report into SQLite with telemetry off and on (OTLP http/protobuf to a
receiver on loopback), alternating, each load in a fresh child process; prints sessions/s, MB/s,
CPU per 1000 sessions (medians), the slowdown (goal < 5%) and the once-per-process SDK cost.

Options:
  --sessions <n>     sessions in the generated report (default 2000)
  --rounds <n>       loads per mode; the median is printed (default 5)
  --batch <n>        sessions per batch (default 500)
  --jobs <n>         pipelines, as replay --jobs: 2 or more loads with worker threads that forward
                     their telemetry to the main thread (default 1)
  --dir <dir>        where the report and the databases go (default ${DEFAULT_DIR}: tmpfs when there
                     is one, so fsync noise does not drown what is measured)
  -h, --help         print this help and exit

Internal (the bench starts its children with these): --child --report <file> --db <file>
`;

const { values } = parseScriptArgs(USAGE, () => parseArgs({
  options: {
    sessions: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '5' },
    batch: { type: 'string', default: '500' },
    jobs: { type: 'string', default: '1' },
    dir: { type: 'string', default: DEFAULT_DIR },
    help: { type: 'boolean', short: 'h' },
    child: { type: 'boolean', default: false },
    report: { type: 'string' },
    db: { type: 'string' },
  },
}));
const sessionCount = positiveNumber(USAGE, 'sessions', values.sessions);
const roundCount = positiveNumber(USAGE, 'rounds', values.rounds);
positiveNumber(USAGE, 'batch', values.batch);
const jobs = Math.floor(positiveNumber(USAGE, 'jobs', values.jobs));

interface ChildFigures {
  readonly telemetry: boolean;
  readonly sessions: number;
  readonly xmlBytes: number;
  /** The load itself: first byte read to last batch committed. */
  readonly seconds: number;
  /** User + system CPU time of the whole child (all threads) during the load, seconds: steadier than wall time on a busy machine. */
  readonly cpuSeconds: number;
  /** Once per process: starting telemetry (loading the SDK when on) and the final flush/export. */
  readonly startSeconds: number;
  readonly shutdownSeconds: number;
}

/** In the child: one load, timed from the first byte read to the last batch committed, plus the final export. */
async function loadInChild(): Promise<void> {
  const booting = performance.now();
  const handle = await startTelemetry();
  const startSeconds = (performance.now() - booting) / 1000;
  const sink = await openDestination(`sqlite:${values.db as string}`, { logger: silentLogger });
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const ctx = { signal: new AbortController().signal, logger: silentLogger };
  const run = startRunTrace({ [ATTR.command]: 'bench' });
  const report = values.report as string;
  const parse = { source: report, host: 'support.example.com' };
  const load = async (): Promise<{ sessions: number; xmlBytes: number }> => {
    if (jobs === 1) return traceParse({ [ATTR.report]: 'AccessSession' }, () => loadReport(parseReport(createReadStream(report), parse), sink, { ctx, maxBatchSessions: Number(values.batch) }));
    const outcome = await tracePartitionedParse({ [ATTR.report]: 'AccessSession' }, () => loadFileInPartitions({
      file: report, bytes: statSync(report).size, destination: `sqlite:${values.db as string}`, signal: ctx.signal, load: { maxBatchSessions: Number(values.batch) }, partitions: jobs, parse,
    }));
    if (!('loaded' in outcome)) throw new Error(`the report could not be split: ${outcome.notSplittable}`);
    return outcome.loaded;
  };
  const stats = await run.within(() => withSpan(SPAN.transfer, { [ATTR.site]: 'support.example.com', [ATTR.sinkType]: 'sqlite' }, () => withSpan(SPAN.window, {}, load)));
  run.end({ result: 'succeeded' });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const stopping = performance.now();
  await shutdownTelemetry(); // the final export
  const shutdownSeconds = (performance.now() - stopping) / 1000;
  const figures: ChildFigures = { telemetry: handle.enabled, sessions: stats.sessions, xmlBytes: stats.xmlBytes, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, startSeconds, shutdownSeconds };
  process.stdout.write(JSON.stringify(figures));
}

function runChild(mode: 'off' | 'on', env: NodeJS.ProcessEnv, report: string, db: string): Promise<ChildFigures> {
  return figuresFromChild([fileURLToPath(import.meta.url), '--child', '--report', report, '--db', db, '--batch', values.batch as string, '--jobs', String(jobs)], { env, what: `the telemetry-${mode} child` });
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(values.dir as string, 'sra-otel-bench-'));
  const receiver = await startOtlpReceiver();
  try {
    const report = path.join(dir, 'report.xml');
    const { bytes, sessions } = await writeReport(report, { sessions: sessionCount, product: 'pra', seed: 'otel-bench' });
    process.stdout.write(`telemetry overhead: ${sessions} sessions, ${(bytes / 1e6).toFixed(1)} MB of report XML into SQLite, batches of ${values.batch}, ${jobs === 1 ? 'one pipeline' : `${jobs} pipelines`}, ${values.rounds} rounds per mode\n`);
    const base: NodeJS.ProcessEnv = {};
    for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('OTEL_')) base[name] = value;
    const modes: Record<'off' | 'on', NodeJS.ProcessEnv> = {
      off: base,
      on: { ...base, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_SERVICE_NAME: 'sra-etl-bench' },
    };
    const results: Record<'off' | 'on', ChildFigures[]> = { off: [], on: [] };
    for (let round = 1; round <= roundCount; round++) {
      // Alternate the order so drift of the machine (other jobs, caches) hits both modes alike.
      const order: readonly ('off' | 'on')[] = round % 2 === 1 ? ['off', 'on'] : ['on', 'off'];
      for (const mode of order) {
        const figures = await runChild(mode, modes[mode], report, path.join(dir, `${mode}-${round}.db`));
        if (figures.telemetry !== (mode === 'on')) throw new Error(`mode ${mode}: the child had telemetry ${figures.telemetry ? 'on' : 'off'}`);
        results[mode].push(figures);
        process.stdout.write(`  round ${round} ${mode.padEnd(3)}  ${figures.seconds.toFixed(2)} s  ${(figures.sessions / figures.seconds).toFixed(0)} sessions/s  ${(figures.xmlBytes / 1e6 / figures.seconds).toFixed(1)} MB/s  CPU ${figures.cpuSeconds.toFixed(2)} s  (+ start ${figures.startSeconds.toFixed(2)} s, final export ${figures.shutdownSeconds.toFixed(2)} s)\n`);
      }
    }
    const rate = (mode: 'off' | 'on') => median(results[mode].map((f) => f.sessions / f.seconds));
    const mbps = (mode: 'off' | 'on') => median(results[mode].map((f) => f.xmlBytes / 1e6 / f.seconds));
    const cpuPerThousand = (mode: 'off' | 'on') => median(results[mode].map((f) => (f.cpuSeconds / f.sessions) * 1000));
    const slowdown = (1 - rate('on') / rate('off')) * 100;
    const cpuOverhead = (cpuPerThousand('on') / cpuPerThousand('off') - 1) * 100;
    process.stdout.write(`tracing off: ${rate('off').toFixed(0)} sessions/s, ${mbps('off').toFixed(1)} MB/s, ${cpuPerThousand('off').toFixed(2)} CPU s per 1000 sessions (medians)\n`);
    process.stdout.write(`tracing on:  ${rate('on').toFixed(0)} sessions/s, ${mbps('on').toFixed(1)} MB/s, ${cpuPerThousand('on').toFixed(2)} CPU s per 1000 sessions (medians); exported ${receiver.spans.length} spans, ${receiver.points.length} metric points\n`);
    process.stdout.write(`slowdown with tracing on: ${slowdown.toFixed(1)}% throughput, ${cpuOverhead.toFixed(1)}% CPU per session (goal < 5%)\n`);
    const once = (mode: 'off' | 'on') => median(results[mode].map((f) => f.startSeconds + f.shutdownSeconds));
    process.stdout.write(`once per process: ${once('off').toFixed(2)} s off, ${once('on').toFixed(2)} s on (loading the SDK and the final export; paid once by serve)\n`);
    if (receiver.errors.length > 0) throw new Error(`the receiver could not decode: ${receiver.errors.join('; ')}`);
  } finally {
    await receiver.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (values.child) {
  if (values.report === undefined || values.db === undefined) usageError(USAGE, '--child needs --report and --db');
  await loadInChild();
} else {
  await main();
}
