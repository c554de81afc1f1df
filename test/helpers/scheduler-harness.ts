/**
 * Scheduler test harness: a configuration in a temp dir with a real SQLite state store, a clock the
 * test moves, and a transfer runner whose runs the test releases (or fails) one by one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load-config.ts';
import type { EtlConfig } from '../../src/config/config-types.ts';
import type { TransferContext, TransferOutcome, TransferRequest, TransferRunner } from '../../src/scheduler/transfer-runner.ts';
import { silentLogger } from '../../src/stage.ts';
import { SqliteRunHistory } from '../../sinks/state/sqlite-run-history.ts';
import type { SchedulerOptions } from '../../src/scheduler/scheduler.ts';

export interface Harness {
  readonly dir: string;
  readonly config: EtlConfig;
  readonly store: SqliteRunHistory;
  readonly clock: { now: Date };
  readonly runner: ControlledRunner;
  options(overrides?: Partial<SchedulerOptions>): SchedulerOptions;
  cleanup(): void;
}

/** Schedules YAML (indented under `schedules:`) -> a harness. Sites/destinations: `support`, `db`, `files`. */
export function schedulerHarness(schedulesYaml: string, env: NodeJS.ProcessEnv = { HARNESS_SECRET: 'harness-secret-value' }): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'sra-sched-'));
  const text = `
state: { path: state.db }
logs: { directory: false }
sites:
  support: { host: support.example.com, product: rs, clientId: id, clientSecret: { env: HARNESS_SECRET } }
destinations:
  db: { type: sqlite, path: out.db }
  files: { type: file, directory: files }
schedules:
${schedulesYaml}`;
  const config = parseConfig(text, join(dir, 'sra-etl.yaml'), { env });
  const store = new SqliteRunHistory(config.state.path);
  const clock = { now: new Date('2024-05-01T10:00:00Z') };
  const runner = new ControlledRunner();
  return {
    dir,
    config,
    store,
    clock,
    runner,
    options: (overrides = {}) => ({
      config,
      store,
      runner: runner.run,
      logger: silentLogger,
      process: { host: 'test-host', pid: process.pid, instance: 'harness-daemon' },
      now: () => clock.now,
      autoTick: false,
      isAlive: () => true,
      ...overrides,
    }),
    cleanup: () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Pending {
  readonly request: TransferRequest;
  readonly ctx: TransferContext;
  resolve(outcome: TransferOutcome): void;
  reject(error: unknown): void;
}

/**
 * Each call waits until the test settles it (`succeedNext`, `failNext`), or until its signal aborts
 * (then it rejects with the abort reason, like a transfer that rolls back), unless `ignoreAbort`.
 * `auto` settles calls at once.
 */
export class ControlledRunner {
  readonly calls: TransferRequest[] = [];
  readonly pending: Pending[] = [];
  /** Settle every new call at once with this outcome or error. */
  auto: { outcome?: TransferOutcome; error?: unknown } | undefined;
  ignoreAbort = false;
  #waiters: (() => void)[] = [];

  readonly run: TransferRunner = (request, ctx) => {
    this.calls.push(request);
    if (this.auto) return this.auto.error !== undefined ? Promise.reject(this.auto.error) : Promise.resolve(this.auto.outcome ?? {});
    return new Promise<TransferOutcome>((resolve, reject) => {
      const entry: Pending = { request, ctx, resolve, reject };
      this.pending.push(entry);
      if (!this.ignoreAbort) {
        ctx.signal.addEventListener('abort', () => {
          this.#remove(entry);
          reject(ctx.signal.reason);
        }, { once: true });
      }
      for (const wake of this.#waiters.splice(0)) wake();
    });
  };

  #remove(entry: Pending): void {
    const index = this.pending.indexOf(entry);
    if (index >= 0) this.pending.splice(index, 1);
  }

  /** Resolves once `count` calls are waiting. */
  async waitForPending(count = 1): Promise<void> {
    while (this.pending.length < count) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  succeedNext(outcome: TransferOutcome = { sessions: 1 }): void {
    const entry = this.pending.shift();
    if (!entry) throw new Error('no transfer is waiting');
    entry.resolve(outcome);
  }

  failNext(error: unknown): void {
    const entry = this.pending.shift();
    if (!entry) throw new Error('no transfer is waiting');
    entry.reject(error);
  }
}
