/**
 * What `sra-etl demo` does (registered in demo.ts): start the simulator, run examples/demo.yaml's
 * schedule once against it, and show what landed and where to look.
 */
import { rm } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EtlConfig, SiteConfig } from '../../config/config-types.ts';
import { loadConfig } from '../../config/load-config.ts';
import { progressBoardFor } from '../../progress/progress-board.ts';
import { runScheduleOnce } from '../../scheduler/run-schedule.ts';
import type { ClosableTransferRunner } from '../../scheduler/transfer-runner.ts';
import { startSimulator } from '../../simulator/simulator.ts';
import { summarizeFolder } from '../folder-summary.ts';
import { duration, table } from '../human-time.ts';
import { createConfiguredLogger, openRunHistory } from '../runtime.ts';
import { defaultTransferRunner } from '../transfer-runner.ts';

const DEMO_CONFIG = fileURLToPath(new URL('../../../examples/demo.yaml', import.meta.url));
/** The simulator's OAuth secret in the demo (not a secret: the simulator is local and synthetic). */
const DEMO_SECRET = 'simulator-secret';

export interface DemoOptions {
  /** Another demo-style configuration (tests). Default examples/demo.yaml. */
  readonly config?: string;
  /** Keep the previous demo's data (the run is then incremental). Default false. */
  readonly keep?: boolean;
  /** Synthetic sessions in the simulator. Default 200. */
  readonly sessions?: number;
  readonly out?: NodeJS.WritableStream;
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : `.${sep}${rel}`;
}

function bytes(n: number): string {
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** The configuration with one site pointed at the running simulator. */
function atSimulator(config: EtlConfig, site: SiteConfig, url: string): EtlConfig {
  return { ...config, sites: new Map([...config.sites].map(([name, s]) => [name, name === site.name ? { ...s, host: url } : s])) };
}

/** Removes what a previous demo left, but only inside the demo's own data folder. */
async function resetDemoData(config: EtlConfig, dataRoot: string): Promise<string[]> {
  const inside = (path: string) => path.startsWith(dataRoot + sep);
  const targets = [config.state.path, `${config.state.path}-wal`, `${config.state.path}-shm`];
  for (const destination of config.destinations.values()) {
    if (destination.type === 'sqlite') targets.push(destination.path, `${destination.path}-wal`, `${destination.path}-shm`);
    if (destination.type === 'file') targets.push(destination.directory);
  }
  const removed: string[] = [];
  for (const target of targets.filter(inside)) {
    await rm(target, { recursive: true, force: true });
    removed.push(target);
  }
  return removed;
}

/** Runs the demo; resolves with the exit status (0 the run succeeded, 1 it failed or the schedule was busy). */
export async function runDemo(options: DemoOptions = {}): Promise<number> {
  const out = options.out ?? process.stdout;
  const started = Date.now();
  const configPath = options.config ?? DEMO_CONFIG;
  const env = { ...process.env, SRA_DEMO_CLIENT_SECRET: process.env.SRA_DEMO_CLIENT_SECRET ?? DEMO_SECRET };
  const loaded = loadConfig(configPath, { env });
  const schedule = loaded.schedules[0];
  const site = loaded.sites.values().next().value;
  if (!schedule || !site) throw new Error(`${configPath}: the demo needs a site and a schedule`);
  const secret = site.clientSecret?.reveal() ?? DEMO_SECRET;

  if (options.keep !== true && options.config === undefined) await resetDemoData(loaded, resolve(dirname(configPath), '..', 'data'));

  const sim = await startSimulator({
    product: site.product,
    sessions: options.sessions ?? 200,
    days: 3,
    seed: 'demo',
    clientId: site.clientId,
    clientSecret: secret,
    recordingBytes: { min: 8 * 1024, max: 128 * 1024 },
    backupBytes: 128 * 1024,
  });
  const config = atSimulator(loaded, site, sim.url);
  out.write([
    'sra-etl demo: a real run against the built-in SIMULATED appliance (synthetic data; nothing leaves this machine)',
    '',
    `  simulator      ${sim.url}  (${site.product === 'rs' ? 'Remote Support' : 'Privileged Remote Access'}, ${options.sessions ?? 200} sessions over 3 days, the newest still in progress)`,
    `  configuration  ${shown(configPath)}  (schedule "${schedule.name}": ${schedule.transfers.map((t) => `${t.site} -> ${t.destination} [${t.data.join(', ')}]`).join('; ')})`,
    '',
  ].join('\n') + '\n');

  const board = progressBoardFor(process.stderr);
  const logs = await createConfiguredLogger(config, { consoleMode: 'off', bindings: { command: 'demo' } });
  const store = await openRunHistory(config);
  let runner: ClosableTransferRunner | undefined;
  try {
    runner = await defaultTransferRunner(config, logs.logger);
    const outcome = await runScheduleOnce(schedule, { trigger: 'manual' }, {
      config,
      store,
      runner,
      logger: logs.logger,
      progressFor: board ? (_s, t) => board.reporter(`  ${t.site} -> ${t.destination}`) : undefined,
    });
    board?.stop();
    if (outcome.status !== 'finished') {
      out.write(`The demo schedule is already running in pid ${outcome.holder.pid}; try again when it has finished.\n`);
      return 1;
    }
    const { run } = outcome;
    out.write(`Run #${run.id} ${run.result} in ${duration(Date.now() - started)}\n`);
    for (const t of run.transfers) {
      const counts = t.result === 'succeeded' ? `${t.sessions} sessions, ${t.files} files, ${bytes(t.bytes)}${t.detail ? ` (${t.detail})` : ''}` : (t.reason ?? '');
      out.write(`  ${t.site} -> ${t.destination}: ${t.result}: ${counts}\n`);
    }

    out.write('\nWhat landed\n');
    const looks: string[] = [];
    for (const destination of config.destinations.values()) {
      if (destination.type === 'sqlite') {
        const { sqliteTableCounts } = await import('../../../sinks/inspect/sqlite-table-counts.ts');
        const counts = sqliteTableCounts(destination.path).filter((c) => c.rows > 0 && c.table !== 'schema_version');
        out.write(`  SQLite database ${shown(destination.path)}\n`);
        out.write(`${table(['    table', 'rows'], counts.map((c) => [`    ${c.table}`, c.rows.toLocaleString('en-US')]), [1])}\n`);
        looks.push(`sqlite3 ${shown(destination.path)} "SELECT lsid, start_time, end_time, duration FROM session ORDER BY start_time DESC LIMIT 5"`);
      } else if (destination.type === 'file') {
        const folders = await summarizeFolder(destination.directory);
        out.write(`  Folder ${shown(destination.directory)}\n`);
        out.write(`${table(['    folder', 'files', 'size'], folders.map((f) => [`    ${f.folder}`, f.files.toLocaleString('en-US'), bytes(f.bytes)]), [1, 2])}\n`);
        looks.push(`ls ${shown(destination.directory)}${sep}*`);
      }
    }
    out.write([
      '',
      'Where to look',
      ...looks.map((look) => `  ${look}`),
      `  node src/cli/main.ts status --config ${shown(configPath)}      # run history, watermarks, sessions in progress`,
      `  logs: ${logs.directory ? shown(logs.directory) : '(console only)'}`,
      '',
      'Next: copy examples/appliance-sqlserver.yaml to sra-etl.yaml for a real appliance and SQL Server,',
      'then `sra-etl config check`, `sra-etl run`, `sra-etl serve` (README: "Running on a schedule").',
    ].join('\n') + '\n');
    return run.result === 'succeeded' ? 0 : 1;
  } finally {
    board?.stop();
    await runner?.close?.();
    store.close();
    await logs.close();
    await sim.close();
  }
}

