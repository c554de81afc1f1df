/**
 * An `etl.batch.write` span around every batch a destination writes, whatever the destination: the
 * registry (sinks/destinations.ts) wraps each sink it opens in a TracedSink. The span carries the batch's
 * sessions and XML bytes and, after the write, how many were written and rejected; a sink can add
 * its own detail (rows per table, dialect) to the active span from inside writeBatch. Metrics:
 * `etl.records` / `etl.bytes` with `etl.stage=write`, `etl.batch.duration`, and one `etl.failures`
 * (operation `session`) per rejected session.
 */
import type { Attributes } from '@opentelemetry/api';
import type { SessionBundle } from '../records.ts';
import type { BatchResult, BundleSink, LooseRecord, StageContext } from '../stage.ts';
import { ATTR, SEMCONV, SPAN, STAGE } from './attributes.ts';
import { countBytes, countFailure, countRecords, recordBatchDuration } from './metrics.ts';
import { errorTypeOf, withSpan } from './tracing.ts';

/** `db.system.name` of the SQL destinations (OpenTelemetry database conventions). */
const DB_SYSTEMS: Readonly<Record<string, string>> = { sqlite: 'sqlite', postgres: 'postgresql', mssql: 'microsoft.sql_server' };

function xmlBytes(bundles: readonly SessionBundle[]): number {
  let bytes = 0;
  for (const bundle of bundles) bytes += bundle.xmlBytes;
  return bytes;
}

/**
 * A BundleSink that writes through another one (`inner`, the destination itself) and wraps each
 * `writeBatch` in an `etl.batch.write` span with the write metrics. Every other member of the
 * BundleSink contract is passed through unchanged, optional ones only when `inner` has them.
 * What is not in the contract (a file sink's `report` and `storeBackup`, an SQL sink's `schema`
 * and `stats`) is on `inner`: reach it with {@link innerSink}.
 */
export class TracedSink<S extends BundleSink = BundleSink> implements BundleSink {
  /** The destination every call goes to. */
  readonly inner: S;
  /**
   * Present only when `inner` has it (`declare`: no own property otherwise), so loadReport hands
   * listing rows and appliance errors to exactly the sinks that take them.
   */
  declare readonly writeRecords?: (records: readonly LooseRecord[], ctx: StageContext) => Promise<void>;
  /** Attributes of every span and metric point: sink type and, for SQL, the database system and dialect. */
  readonly #base: Attributes;
  readonly #sql: boolean;

  constructor(inner: S) {
    this.inner = inner;
    const base: Attributes = { [ATTR.sinkType]: inner.type };
    const dbSystem = DB_SYSTEMS[inner.type];
    if (dbSystem !== undefined) {
      base[SEMCONV.dbSystemName] = dbSystem;
      base[ATTR.dialect] = inner.type;
    }
    this.#base = base;
    this.#sql = dbSystem !== undefined;
    const writeRecords = inner.writeRecords;
    if (writeRecords !== undefined) this.writeRecords = (records, ctx) => writeRecords.call(inner, records, ctx);
  }

  get type(): string {
    return this.inner.type;
  }

  get needsRawXml(): boolean | undefined {
    return this.inner.needsRawXml;
  }

  get preferredBatchSessions(): number | undefined {
    return this.inner.preferredBatchSessions;
  }

  get acceptsConcurrentWriters(): boolean | undefined {
    return this.inner.acceptsConcurrentWriters;
  }

  get partitionsByDefault(): boolean | undefined {
    return this.inner.partitionsByDefault;
  }

  get partitionInFlightBatches(): number | undefined {
    return this.inner.partitionInFlightBatches;
  }

  connect(ctx: StageContext): Promise<void> {
    return this.inner.connect(ctx);
  }

  writeBatch(batch: readonly SessionBundle[], ctx: StageContext): Promise<BatchResult> {
    const base = this.#base;
    const bytes = xmlBytes(batch);
    const attributes: Attributes = { ...base, [ATTR.records]: batch.length, [ATTR.bytes]: bytes };
    if (this.#sql) attributes[SEMCONV.dbOperationBatchSize] = batch.length;
    return withSpan(SPAN.batchWrite, attributes, async (span) => {
      const started = performance.now();
      let result: BatchResult;
      try {
        result = await this.inner.writeBatch(batch, ctx);
      } catch (error) {
        recordBatchDuration((performance.now() - started) / 1000, { ...base, [SEMCONV.errorType]: errorTypeOf(error) });
        throw error;
      }
      recordBatchDuration((performance.now() - started) / 1000, base);
      span.setAttributes({ [ATTR.written]: result.written, [ATTR.rejected]: result.rejected.length });
      countRecords(STAGE.write, result.written, base);
      countBytes(STAGE.write, bytes - xmlBytes(result.rejected.map((r) => r.bundle)), base);
      for (const rejected of result.rejected) countFailure(errorTypeOf(rejected.error), 'session');
      return result;
    });
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  abort(reason: unknown): Promise<void> {
    return this.inner.abort(reason);
  }
}

/** `sink` with an `etl.batch.write` span around every batch; a sink already traced is returned as is. */
export function traceSinkWrites<S extends BundleSink>(sink: S | TracedSink<S>): TracedSink<S> {
  return sink instanceof TracedSink ? sink : new TracedSink(sink);
}

/**
 * The destination behind a traced sink (the sink itself otherwise): for checks and members outside
 * the BundleSink contract (`instanceof FileSink`, a file sink's report, an SQL sink's schema).
 */
export function innerSink(sink: BundleSink): BundleSink {
  return sink instanceof TracedSink ? sink.inner : sink;
}
