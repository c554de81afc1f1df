/**
 * The measurement behind `sra-etl bench` and bench/sql-load.bench.ts: a seeded synthetic report is
 * written to a temporary file, then read back through the real parser and loaded into a destination
 * with loadReport, exactly as `pull` and `replay` load. Figures: wall time, MB/s of report XML,
 * sessions/s, rows/s per table (from SQL sinks), CPU time and peak RSS of this process (a database
 * server's own CPU and memory are not included).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Product } from '../records.ts';
import { loadReport, type LoadOptions } from '../pipeline/load-report.ts';
import { silentLogger } from '../stage.ts';
import { innerSink } from '../telemetry/sink-span.ts';
import { loadFileInPartitions, partitionsFor } from './partitioned-file-load.ts';

export interface BenchInput {
  /** Sessions to generate. */
  readonly sessions?: number;
  /** Or megabytes of XML to generate (1 MB = 10^6 bytes). */
  readonly megabytes?: number;
  readonly seed?: string;
  readonly product?: Product;
  /** The sessions' site; default `bench.sra-etl.invalid` so they are easy to find and delete. */
  readonly host?: string;
}

export interface GeneratedReport {
  readonly path: string;
  readonly bytes: number;
  readonly sessions: number;
  /** Removes the file and its directory. */
  dispose(): Promise<void>;
}

export const BENCH_HOST = 'bench.sra-etl.invalid';

/** Writes a seeded synthetic report to a new temporary directory. */
export async function generateBenchReport(input: BenchInput): Promise<GeneratedReport> {
  const { writeReport } = await import('../../fixtures/generator/generate-report.ts');
  const dir = await mkdtemp(join(tmpdir(), 'sra-bench-'));
  const path = join(dir, 'report.xml');
  const result = await writeReport(path, {
    seed: input.seed ?? '1', product: input.product ?? 'pra', host: input.host ?? BENCH_HOST,
    ...(input.megabytes === undefined ? { sessions: input.sessions ?? 2000 } : { targetBytes: input.megabytes * 1e6 }),
  });
  return { path, bytes: result.bytes, sessions: result.sessions, dispose: () => rm(dir, { recursive: true, force: true }) };
}

export interface LoadMeasurement {
  readonly destination: string;
  readonly bytes: number;
  readonly sessions: number;
  readonly seconds: number;
  /** CPU time of this process (all its threads), in seconds. */
  readonly cpuSeconds: number;
  /** CPU time of the main thread alone (parser, staging, encoding), in seconds. */
  readonly mainThreadCpuSeconds: number;
  /** Rows committed per table, when the sink reports them. */
  readonly rows: Readonly<Record<string, number>> | undefined;
  /** Highest resident set size seen while loading, in bytes. */
  readonly peakRssBytes: number;
  readonly rejected: number;
  /** Pipelines that loaded the report (one per core when partitioned). */
  readonly pipelines: number;
}

/** Samples RSS every `ms` until stopped; returns the peak. */
export function rssSampler(ms = 25): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, ms);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}

export interface MeasureOptions extends Omit<LoadOptions, 'ctx' | 'onBatch'> {
  /** Parse in a worker thread (replay --worker) instead of on the main thread. Default false. */
  readonly parseInWorker?: boolean;
  /** Pipelines, as `replay --jobs`: 1 loads with one; default one per core when the destination takes several writers. */
  readonly partitions?: number;
}

/** Parses `report` with the real parser and loads it into `destination` (an `--to` spec). */
export async function measureLoad(report: Pick<GeneratedReport, 'path' | 'bytes'>, destination: string, measureOptions: MeasureOptions = {}): Promise<LoadMeasurement> {
  const { parseInWorker = false, partitions, ...options } = measureOptions;
  const [{ readFileChunks }, { parseReport }, { parseReportInWorker }, { openDestination, redactDestination }] = await Promise.all([
    import('../../stages/sources/file-source.ts'),
    import('../../stages/parsers/session-report-parser.ts'),
    import('../../stages/parsers/parse-in-worker.ts'),
    import('../../sinks/destinations.ts'),
  ]);
  const parse = parseInWorker ? parseReportInWorker : parseReport;
  const sink = await openDestination(destination, { logger: silentLogger });
  const ctx = { signal: new AbortController().signal, logger: silentLogger };
  const rss = rssSampler();
  const cpu = process.cpuUsage();
  const threadCpu = process.threadCpuUsage();
  const started = performance.now();
  const parseOptions = { source: report.path };
  const pipelines = parseInWorker ? undefined : partitionsFor(sink, { bytes: report.bytes, ...(partitions === undefined ? {} : { partitions }) });
  const outcome = pipelines === undefined ? undefined : await loadFileInPartitions({
    file: report.path, bytes: report.bytes, destination, parse: parseOptions, load: options, signal: ctx.signal, partitions: pipelines,
  });
  let loaded: { written: number; rejected: number; rows: Record<string, number> | undefined; partitions: number };
  if (outcome !== undefined && 'loaded' in outcome) {
    loaded = { written: outcome.loaded.written, rejected: outcome.loaded.refused.length, rows: outcome.loaded.rows, partitions: outcome.partitions };
  } else {
    const stats = await loadReport(parse(readFileChunks(report.path), parseOptions), sink, { ctx, ...options });
    const rows = (innerSink(sink) as { stats?: { rows?: Record<string, number> } }).stats?.rows; // an SQL destination's counts
    loaded = { written: stats.written, rejected: stats.sinkRejected.length + stats.parseRejected.length, rows: rows === undefined ? undefined : { ...rows }, partitions: 1 };
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const usedByMain = process.threadCpuUsage(threadCpu);
  return {
    destination: redactDestination(destination), bytes: report.bytes, sessions: loaded.written, seconds, cpuSeconds: (used.user + used.system) / 1e6,
    mainThreadCpuSeconds: (usedByMain.user + usedByMain.system) / 1e6,
    rows: loaded.rows, peakRssBytes: rss.stop(), rejected: loaded.rejected, pipelines: loaded.partitions,
  };
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');

/** The measurement as the text `sra-etl bench` prints. */
export function formatMeasurement(m: LoadMeasurement): string {
  const mb = m.bytes / 1e6;
  const totalRows = m.rows === undefined ? undefined : Object.values(m.rows).reduce((a, b) => a + b, 0);
  const lines = [
    `loaded ${int(m.sessions)} sessions (${mb.toFixed(1)} MB of report XML) into ${m.destination} in ${m.seconds.toFixed(1)} s${m.pipelines > 1 ? ` (${m.pipelines} pipelines)` : ''}`,
    `  ${(mb / m.seconds).toFixed(1)} MB/s, ${int(m.sessions / m.seconds)} sessions/s${totalRows === undefined ? '' : `, ${int(totalRows / m.seconds)} rows/s`}`,
  ];
  if (m.rows !== undefined) {
    lines.push(`  ${'table'.padEnd(22)}${'rows'.padStart(12)}${'rows/s'.padStart(12)}`);
    for (const [table, rows] of Object.entries(m.rows)) lines.push(`  ${table.padEnd(22)}${int(rows).padStart(12)}${int(rows / m.seconds).padStart(12)}`);
  }
  lines.push(`  CPU ${m.cpuSeconds.toFixed(1)} s in this process (${m.mainThreadCpuSeconds.toFixed(1)} s on the main thread); peak RSS ${(m.peakRssBytes / 1048576).toFixed(0)} MB (a database server's own CPU and memory are not included)`);
  if (m.rejected > 0) lines.push(`  ${m.rejected} sessions were rejected (see the destination's rejected_session table)`);
  return lines.join('\n');
}
