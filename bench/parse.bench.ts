/**
 * Parser throughput against its ceiling, on one generated report, in one run. Each case runs in a
 * fresh child process (so its peak RSS is its own), rounds alternate between cases, and the median
 * is printed. Every case reads the file the same way (stages/sources/file-source.ts chunks) and
 * decodes it the same way (strict streaming UTF-8):
 *
 * - raw saxes: saxes with no-op opentag/closetag/text/cdata handlers and the parser's options
 *   (`xmlns: false`, positions on): the ceiling, since the parser is saxes plus work per event;
 * - parser: parseReport in this thread, every item consumed (records counted);
 * - parser in worker: parseReportInWorker, same consumption;
 * - parser + JSON / worker + JSON: the same, with a consumer that serialises every record
 *   (about what the JSON Lines sink does), to see whether moving parsing to a second core pays
 *   when the consumer works too.
 *
 * The goal is parser >= 75% of raw saxes. Wall-clock MB/s and CPU time are both printed: on a busy
 * machine the CPU-time ratio is the steadier one.
 *
 *   node bench/parse.bench.ts [--mb 100] [--rounds 3] [--seed 1] [--product pra|rs] [--only raw,parser,worker,parser-json,worker-json]
 *   node bench/parse.bench.ts --help
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { peakRssMb } from '../test/helpers/peak-rss.ts';
import { figuresFromChild, median } from './child-figures.ts';
import { namesFrom, parseScriptArgs, positiveNumber, usageError } from './script-args.ts';

const USAGE = `Usage: node bench/parse.bench.ts [options]

Generates one report, then times the parser against raw saxes (each case in a fresh child process,
rounds alternating between cases) and prints MB/s, records/s, CPU seconds and peak RSS (medians).

Options:
  --mb <MB>          size of the generated report, in MB (default 100)
  --rounds <n>       rounds per case; the median is printed (default 3)
  --seed <seed>      generator seed (default 1)
  --product <p>      pra or rs (default pra)
  --only <cases>     comma-separated cases to run (default raw,parser,worker,parser-json,worker-json):
                       raw          raw saxes with no-op handlers (the ceiling)
                       parser       parseReport in this thread
                       worker       parseReportInWorker
                       parser-json  parser + a consumer serialising every record
                       worker-json  worker + the same consumer
  -h, --help         print this help and exit

Internal (the bench starts its children with these): --child <case> --file <report.xml>
`;

const { values } = parseScriptArgs(USAGE, () => parseArgs({
  options: {
    mb: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    product: { type: 'string', default: 'pra' },
    only: { type: 'string', default: 'raw,parser,worker,parser-json,worker-json' },
    help: { type: 'boolean', short: 'h' },
    child: { type: 'string' },
    file: { type: 'string' },
  },
}));

interface CaseResult {
  readonly bytes: number;
  readonly sessions: number;
  readonly records: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly peakRssMb: number;
}

const CASES = {
  raw: 'raw saxes (no-op handlers): ceiling',
  parser: 'parser (in thread)',
  worker: 'parser in worker',
  'parser-json': 'parser + JSON consumer',
  'worker-json': 'parser in worker + JSON consumer',
} as const;
type CaseName = keyof typeof CASES;

// ---------------------------------------------------------------- child side

async function runCase(name: CaseName, file: string): Promise<CaseResult> {
  // Everything is loaded before the clock starts: module loading is not parsing.
  const { readFileChunks } = await import('../stages/sources/file-source.ts');
  const { flattenBundle } = await import('../src/records.ts');
  const { SaxesParser } = await import('saxes');
  const { parseReport } = await import('../stages/parsers/session-report-parser.ts');
  const { parseReportInWorker } = await import('../stages/parsers/parse-in-worker.ts');
  let bytes = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of readFileChunks(file)) {
      bytes += chunk.length;
      yield chunk;
    }
  }
  let sessions = 0;
  let records = 0;
  let serialised = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  if (name === 'raw') {
    const parser = new SaxesParser({ xmlns: false, position: true });
    let elements = 0;
    parser.on('opentag', () => {
      elements++;
    });
    parser.on('closetag', () => {});
    parser.on('text', () => {});
    parser.on('cdata', () => {});
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    for await (const chunk of counted()) parser.write(decoder.decode(chunk, { stream: true }));
    parser.write(decoder.decode());
    parser.close();
    records = elements; // elements, for scale; no records exist at this level
  } else {
    const parse = name === 'worker' || name === 'worker-json' ? parseReportInWorker : parseReport;
    const json = name === 'parser-json' || name === 'worker-json';
    for await (const item of parse(counted(), { source: file })) {
      if (item.type !== 'session') continue;
      sessions++;
      for (const record of flattenBundle(item.bundle)) {
        records++;
        if (json) serialised += JSON.stringify(record).length;
      }
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  void serialised;
  return { bytes, sessions, records, seconds, cpuSeconds: (used.user + used.system) / 1e6, peakRssMb: peakRssMb() };
}

// ---------------------------------------------------------------- orchestrator

const child = (name: CaseName, file: string): Promise<CaseResult> => figuresFromChild([import.meta.filename, '--child', name, '--file', file], { what: name });

async function orchestrate(): Promise<void> {
  const names = namesFrom(USAGE, 'only', values.only, Object.keys(CASES) as CaseName[]);
  const rounds = Math.max(1, Math.floor(positiveNumber(USAGE, 'rounds', values.rounds)));
  const megabytes = positiveNumber(USAGE, 'mb', values.mb);
  if (values.product !== 'pra' && values.product !== 'rs') usageError(USAGE, `--product ${JSON.stringify(values.product)}: use pra or rs`);
  const product = values.product;
  const dir = await mkdtemp(path.join(tmpdir(), 'sra-parse-bench-'));
  try {
    const file = path.join(dir, 'report.xml');
    const { writeReport } = await import('../fixtures/generator/generate-report.ts');
    const generated = await writeReport(file, { seed: values.seed ?? '1', product, targetBytes: megabytes * 1e6 });
    process.stderr.write(`generated ${(generated.bytes / 1e6).toFixed(1)} MB, ${generated.sessions} ${product} sessions (seed ${values.seed}); ${rounds} rounds of ${names.join(', ')}\n`);
    const results = new Map<CaseName, CaseResult[]>(names.map((name) => [name, []]));
    for (let round = 1; round <= rounds; round++) {
      for (const name of names) {
        const result = await child(name, file);
        results.get(name)?.push(result);
        process.stderr.write(`  round ${round} ${name}: ${(result.bytes / 1e6 / result.seconds).toFixed(1)} MB/s wall, ${result.cpuSeconds.toFixed(2)} s CPU, ${result.peakRssMb.toFixed(0)} MB\n`);
      }
    }
    const summary = names.map((name) => {
      const list = results.get(name) ?? [];
      const first = list[0] as CaseResult;
      return {
        name, bytes: first.bytes, sessions: first.sessions, records: first.records,
        seconds: median(list.map((r) => r.seconds)), cpuSeconds: median(list.map((r) => r.cpuSeconds)), peakRssMb: Math.max(...list.map((r) => r.peakRssMb)),
      };
    });
    const ceiling = summary.find((row) => row.name === 'raw');
    const cpuModel = cpus()[0]?.model ?? 'unknown CPU';
    process.stdout.write(`\nParse benchmark: ${(generated.bytes / 1e6).toFixed(1)} MB ${product} report, ${generated.sessions} sessions; median of ${rounds} rounds; Node ${process.version}, ${cpus().length} x ${cpuModel}\n\n`);
    process.stdout.write('| case | MB/s (wall) | records/s (wall) | CPU s | % of raw saxes (wall) | % of raw saxes (CPU) | peak RSS MB |\n|---|---|---|---|---|---|---|\n');
    for (const row of summary) {
      const mbps = row.bytes / 1e6 / row.seconds;
      const perWall = ceiling ? `${((ceiling.seconds / row.seconds) * 100).toFixed(0)}%` : '-';
      const perCpu = ceiling ? `${((ceiling.cpuSeconds / row.cpuSeconds) * 100).toFixed(0)}%` : '-';
      const recordsPerSecond = row.name === 'raw' ? `(${Math.round(row.records / row.seconds).toLocaleString('en-US')} elements/s)` : Math.round(row.records / row.seconds).toLocaleString('en-US');
      process.stdout.write(`| ${CASES[row.name]} | ${mbps.toFixed(1)} | ${recordsPerSecond} | ${row.cpuSeconds.toFixed(2)} | ${perWall} | ${perCpu} | ${row.peakRssMb.toFixed(0)} |\n`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (values.child !== undefined) {
  if (!(values.child in CASES) || values.file === undefined) usageError(USAGE, '--child needs one case name and --file');
  const result = await runCase(values.child as CaseName, values.file);
  process.stdout.write(JSON.stringify(result));
} else {
  await orchestrate();
}
