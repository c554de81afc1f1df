/**
 * The dialect-agnostic SQL sink: turns each batch of SessionBundles into staged rows, writes them as
 * one transaction through a dialect's SqlDriver, and keeps going when some of the data is bad.
 *
 * - A value too long for its column is caught while staging; the session is rejected alone.
 * - A database error caused by the data (constraint, type) bisects the batch until the bad
 *   session is isolated; every other session still loads, each half in its own transaction.
 * - A transient error (connection dropped, deadlock, busy) retries the whole batch with backoff on
 *   a fresh connection; the failed transaction was rolled back, so nothing is half-written.
 * - Refused sessions go to the destination's `rejected_session` table (the message says so).
 *
 * Batches are written one at a time, in the order writeBatch was called (SQLite has one writer;
 * one ordered stream keeps "later copy wins" true across batches), but each call stages its rows
 * at once, so a caller with two batches in flight overlaps staging with the previous write.
 */
import { asEtlError, SinkWriteError } from '../../src/errors.ts';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from '../../src/pipeline/retry.ts';
import type { SessionBundle } from '../../src/records.ts';
import type { BatchResult, BundleSink, Logger, RejectedSession, StageContext } from '../../src/stage.ts';
import { silentLogger } from '../../src/stage.ts';
import { addRetryEvent, noteRowsWritten } from '../../src/telemetry/tracing.ts';
import type { QuarantineRow, SchemaStatus, SqlDriver } from './dialect.ts';
import { noteKeptIn, SessionRefusedError, ValueTooLongError } from './sql-errors.ts';
import { DEFAULT_STAGE_OPTIONS, stageBundles, type StageOptions } from './stage-bundles.ts';
import { rowCounts, type StagedBatch, type StagedValue } from './staged-batch.ts';
import { stagingKeyColumns } from './schema.ts';

export interface SqlSinkOptions {
  readonly stage?: StageOptions;
  readonly retry?: RetryPolicy;
  readonly logger?: Logger;
  /** Whether the database takes several writers at once (see BundleSink.acceptsConcurrentWriters). Default false. */
  readonly acceptsConcurrentWriters?: boolean;
  /** See BundleSink.partitionInFlightBatches. */
  readonly partitionInFlightBatches?: number;
  /** See BundleSink.partitionsByDefault. */
  readonly partitionsByDefault?: boolean;
}

/** What the sink has committed so far (benchmarks and `db` commands print it). */
export interface SqlSinkStats {
  sessions: number;
  batches: number;
  retries: number;
  rejected: number;
  /** Rows committed per table. */
  readonly rows: Record<string, number>;
}

export class SqlSink implements BundleSink {
  readonly type: string;
  /** Batches are transactions: bigger ones amortise the commit; loadReport's 2 MB cap bounds memory. */
  readonly preferredBatchSessions = 500;
  readonly acceptsConcurrentWriters: boolean;
  readonly partitionInFlightBatches: number | undefined;
  readonly partitionsByDefault: boolean;
  readonly #driver: SqlDriver;
  readonly #stageOptions: StageOptions;
  readonly #retry: RetryPolicy;
  #logger: Logger;
  #schema: SchemaStatus | undefined;
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;
  readonly stats: SqlSinkStats = { sessions: 0, batches: 0, retries: 0, rejected: 0, rows: {} };

  constructor(driver: SqlDriver, options: SqlSinkOptions = {}) {
    this.type = driver.dialect;
    this.#driver = driver;
    this.#stageOptions = options.stage ?? DEFAULT_STAGE_OPTIONS;
    this.#retry = options.retry ?? DEFAULT_RETRY;
    this.#logger = options.logger ?? silentLogger;
    this.acceptsConcurrentWriters = options.acceptsConcurrentWriters ?? false;
    this.partitionInFlightBatches = options.partitionInFlightBatches;
    this.partitionsByDefault = options.partitionsByDefault ?? false;
  }

  /** The destination with its password masked. */
  get displayName(): string {
    return this.#driver.displayName;
  }

  /** Set once connected: whether the database or any migration was created by this run. */
  get schema(): SchemaStatus | undefined {
    return this.#schema;
  }

  async connect(ctx: StageContext): Promise<void> {
    if (this.#schema !== undefined) return;
    this.#logger = ctx.logger.child({ sink: this.type });
    this.#schema = await withRetry(() => this.#driver.connect(ctx.signal), this.#retry, {
      isRetriable: (error) => this.#driver.classify(error).retriable,
      signal: ctx.signal,
      onRetry: (error, attempt, waitMs) => this.#onRetry(error, attempt, waitMs, 'connect'),
    }).catch((error: unknown) => {
      throw this.#wrap(error, 'connect to');
    });
    if (this.#schema.databaseCreated || this.#schema.applied.length > 0) {
      this.#logger.info({ destination: this.displayName, ...this.#schema }, 'database schema created or upgraded');
    }
  }

  writeBatch(batch: readonly SessionBundle[], ctx: StageContext): Promise<BatchResult> {
    if (batch.length === 0) return Promise.resolve({ written: 0, rejected: [] });
    const staged = stageBundles(batch, this.#stageOptions);
    const result = this.#tail.then(() => this.#writeStaged(staged.batch, staged.rejected, ctx));
    this.#tail = result.catch(() => undefined);
    return result;
  }

  async #writeStaged(batch: StagedBatch, rejectedEarly: RejectedSession[], ctx: StageContext): Promise<BatchResult> {
    ctx.signal.throwIfAborted();
    if (this.#closed) throw new SinkWriteError(`write to ${this.displayName}: the sink was closed or aborted`, 'aborted');
    const rejected = [...rejectedEarly];
    const written = await this.#writeOrBisect(batch, rejected, ctx);
    if (rejected.length > 0) await this.#quarantine(rejected);
    this.stats.batches++;
    this.stats.rejected += rejected.length;
    return { written, rejected };
  }

  /** Writes the batch; on a data error splits it in halves until the bad sessions are isolated. */
  async #writeOrBisect(batch: StagedBatch, rejected: RejectedSession[], ctx: StageContext): Promise<number> {
    if (batch.sessions.length === 0) return 0;
    try {
      await this.#writeWithRetry(batch, ctx);
    } catch (error) {
      const cls = this.#driver.classify(error);
      if (!cls.dataError) throw this.#wrap(error, 'write to');
      if (batch.sessions.length === 1) {
        const bundle = batch.sessions[0] as SessionBundle;
        rejected.push({
          bundle,
          error: new SessionRefusedError({
            key: bundle.session.key, code: cls.code, reason: firstLine(error), cause: error,
            ...(cls.table === undefined ? {} : { table: cls.table }),
            ...(cls.column === undefined ? {} : { column: cls.column }),
            ...valueLength(batch, cls.table, cls.column),
          }),
        });
        return 0;
      }
      this.#logger.warn({ sessions: batch.sessions.length, reason: firstLine(error) }, 'batch refused by the database; bisecting to isolate the bad session');
      const middle = Math.ceil(batch.sessions.length / 2);
      const left = await this.#writeOrBisect(stageBundles(batch.sessions.slice(0, middle), this.#stageOptions).batch, rejected, ctx);
      const right = await this.#writeOrBisect(stageBundles(batch.sessions.slice(middle), this.#stageOptions).batch, rejected, ctx);
      return left + right;
    }
    this.stats.sessions += batch.sessions.length;
    const counts = rowCounts(batch);
    for (const [table, count] of Object.entries(counts)) this.stats.rows[table] = (this.stats.rows[table] ?? 0) + count;
    noteRowsWritten(counts); // etl.rows.* on the batch's etl.batch.write span
    return batch.sessions.length;
  }

  async #writeWithRetry(batch: StagedBatch, ctx: StageContext): Promise<void> {
    await withRetry(() => this.#driver.write(batch, ctx.signal), this.#retry, {
      // After abort() the connection was dropped on purpose: that failure is final.
      isRetriable: (error) => !this.#closed && this.#driver.classify(error).retriable,
      signal: ctx.signal,
      onRetry: async (error, attempt, waitMs) => {
        this.stats.retries++;
        this.#onRetry(error, attempt, waitMs, 'write');
        await this.#driver.reset();
      },
    });
  }

  #onRetry(error: unknown, attempt: number, waitMs: number, what: string): void {
    addRetryEvent({ attempt, delayMs: waitMs, reason: `${what}: ${firstLine(error)}`, errorType: this.#driver.classify(error).code });
    this.#logger.warn({ attempt, waitMs, destination: this.displayName, reason: firstLine(error) }, `${what} failed with a transient error; retrying`);
  }

  async #quarantine(rejected: readonly RejectedSession[]): Promise<void> {
    const rows: QuarantineRow[] = rejected.map(({ bundle, error }) => ({
      hostName: bundle.session.key.host,
      lsid: bundle.session.key.lsid,
      errorCode: (error as { code?: string }).code ?? 'sink_write',
      tableName: error instanceof ValueTooLongError || error instanceof SessionRefusedError ? error.table ?? null : null,
      columnName: error instanceof ValueTooLongError || error instanceof SessionRefusedError ? error.column ?? null : null,
      message: error.message,
      source: bundle.origin.source,
      bundle: JSON.stringify(bundle),
    }));
    try {
      const place = await this.#driver.quarantine(rows);
      for (const { error } of rejected) noteKeptIn(error, `${place} of ${this.displayName}`);
    } catch (error) {
      for (const { error: rejection } of rejected) rejection.message += ` It could not be kept for inspection: ${firstLine(error)}.`;
    }
    for (const { error } of rejected) this.#logger.error({ code: (error as { code?: string }).code }, error.message);
  }

  #wrap(error: unknown, verb: string): SinkWriteError {
    if (error instanceof SinkWriteError) return error;
    const cls = this.#driver.classify(error);
    if (cls.code === 'aborted') return new SinkWriteError(`${verb} ${this.displayName}: cancelled`, 'aborted', { cause: error });
    const etl = asEtlError(error, 'sending');
    const advice = cls.retriable
      ? ` (gave up after ${this.#retry.attempts} attempts; check that the database is reachable)`
      : cls.code === 'auth_failed' ? ' (check the user name and password of the destination)' : '';
    return new SinkWriteError(`${verb} ${this.displayName} failed: ${firstLine(etl)}${advice}`, cls.code, { cause: error, retriable: cls.retriable });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#tail;
    this.#closed = true;
    await this.#driver.close();
  }

  async abort(_reason: unknown): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#driver.destroy();
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n', 1)[0] ?? text;
}

/** The length of the longest text the single session in `batch` has in table.column. */
function valueLength(batch: StagedBatch, table: string | undefined, column: string | undefined): { valueLength?: number } {
  if (table === undefined || column === undefined) return {};
  const staged = batch.tables.find((t) => t.spec.name === table);
  if (staged === undefined) return {};
  const at = [...stagingKeyColumns(staged.spec), ...staged.spec.columns.map((c) => c.name)].indexOf(column);
  if (at < 0) return {};
  let longest: number | undefined;
  for (let row = 0; row < staged.values.length; row += staged.width) {
    const value = staged.values[row + at] as StagedValue;
    const length = value === null ? 0 : String(value).length;
    if (longest === undefined || length > longest) longest = length;
  }
  return longest === undefined ? {} : { valueLength: longest };
}
