/**
 * An `etl.batch.write` span around every batch a destination writes, whatever the destination: the
 * registry (sinks/destinations.ts) instruments each sink it opens. The span carries the batch's
 * sessions and XML bytes and, after the write, how many were written and rejected; a sink can add
 * its own detail (rows per table, dialect) to the active span from inside writeBatch. Metrics:
 * `etl.records` / `etl.bytes` with `etl.stage=write`, `etl.batch.duration`, and one `etl.failures`
 * (operation `session`) per rejected session.
 */
import type { Attributes } from '@opentelemetry/api';
import type { SessionBundle } from '../records.ts';
import type { BatchResult, BundleSink, StageContext } from '../stage.ts';
import { ATTR, SEMCONV, SPAN, STAGE } from './attributes.ts';
import { countBytes, countFailure, countRecords, recordBatchDuration } from './metrics.ts';
import { errorTypeOf, withSpan } from './tracing.ts';

/** `db.system.name` of the SQL destinations (OpenTelemetry database conventions). */
const DB_SYSTEMS: Readonly<Record<string, string>> = { sqlite: 'sqlite', postgres: 'postgresql', mssql: 'microsoft.sql_server' };

const TRACED = Symbol('sra-etl.traced-sink');

function xmlBytes(bundles: readonly SessionBundle[]): number {
  let bytes = 0;
  for (const bundle of bundles) bytes += bundle.xmlBytes;
  return bytes;
}

/**
 * Instruments `sink.writeBatch` in place (the sink keeps its class and its own methods) and returns
 * the same sink. Instrumenting twice does nothing more.
 */
export function traceSinkWrites<S extends BundleSink>(sink: S): S {
  const marked = sink as S & { [TRACED]?: true };
  if (marked[TRACED] === true) return sink;
  marked[TRACED] = true;
  const write = sink.writeBatch.bind(sink);
  const base: Attributes = { [ATTR.sinkType]: sink.type };
  const dbSystem = DB_SYSTEMS[sink.type];
  if (dbSystem !== undefined) {
    base[SEMCONV.dbSystemName] = dbSystem;
    base[ATTR.dialect] = sink.type;
  }
  sink.writeBatch = (batch: readonly SessionBundle[], ctx: StageContext): Promise<BatchResult> => {
    const bytes = xmlBytes(batch);
    const attributes: Attributes = { ...base, [ATTR.records]: batch.length, [ATTR.bytes]: bytes };
    if (dbSystem !== undefined) attributes[SEMCONV.dbOperationBatchSize] = batch.length;
    return withSpan(SPAN.batchWrite, attributes, async (span) => {
      const started = performance.now();
      let result: BatchResult;
      try {
        result = await write(batch, ctx);
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
  };
  return sink;
}
