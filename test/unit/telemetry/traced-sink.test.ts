/**
 * TracedSink, the wrapper the destination registry puts around every sink: each writeBatch in an
 * etl.batch.write span (written and rejected counted, a failure recorded), every other member of the
 * BundleSink contract passed through as the sink has it, and the sink itself reachable by innerSink.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SinkWriteError } from '../../../src/errors.ts';
import type { SessionBundle } from '../../../src/records.ts';
import { silentLogger, type BatchResult, type BundleSink, type LooseRecord, type StageContext } from '../../../src/stage.ts';
import { innerSink, traceSinkWrites, TracedSink } from '../../../src/telemetry/sink-span.ts';
import { sessionBundles } from '../../helpers/session-bundles.ts';
import { startInMemoryTelemetry, type InMemoryTelemetry } from '../../helpers/in-memory-telemetry.ts';

const ctx: StageContext = { signal: new AbortController().signal, logger: silentLogger };

/** A sink keeping its state in #private fields, as the real ones do: calls must reach it as `this`. */
class LoggingSink implements BundleSink {
  readonly type = 'sqlite';
  readonly preferredBatchSessions = 7;
  readonly #calls: string[] = [];
  #raw = false;
  #refuse: SessionBundle | undefined;
  #fail: Error | undefined;
  get calls(): readonly string[] {
    return this.#calls;
  }
  get needsRawXml(): boolean {
    return this.#raw;
  }
  set raw(value: boolean) {
    this.#raw = value;
  }
  refuse(bundle: SessionBundle): void {
    this.#refuse = bundle;
  }
  fail(error: Error): void {
    this.#fail = error;
  }
  async connect(): Promise<void> {
    this.#calls.push('connect');
  }
  async writeBatch(batch: readonly SessionBundle[]): Promise<BatchResult> {
    this.#calls.push(`batch ${batch.length}`);
    if (this.#fail) throw this.#fail;
    const refused = this.#refuse;
    const rejected = refused !== undefined && batch.includes(refused) ? [{ bundle: refused, error: new SinkWriteError('session_event.body: value too long', 'value_too_long') }] : [];
    return { written: batch.length - rejected.length, rejected };
  }
  async close(): Promise<void> {
    this.#calls.push('close');
  }
  async abort(reason: unknown): Promise<void> {
    this.#calls.push(`abort ${String(reason)}`);
  }
}

class LooseRecordSink extends LoggingSink {
  readonly records: LooseRecord[] = [];
  async writeRecords(records: readonly LooseRecord[]): Promise<void> {
    this.records.push(...records);
  }
}

let telemetry: InMemoryTelemetry;
beforeAll(async () => {
  telemetry = await startInMemoryTelemetry();
});
beforeEach(async () => {
  await telemetry.spans(); // exports wait for the resource: flush the earlier tests' spans, then forget them
  telemetry.reset();
});
afterAll(async () => {
  await telemetry.shutdown();
});

describe('TracedSink', () => {
  it('passes every member of the contract through to the sink', async () => {
    const inner = new LoggingSink();
    const sink: BundleSink = traceSinkWrites(inner);
    expect(sink).toBeInstanceOf(TracedSink);
    expect(innerSink(sink)).toBe(inner);
    expect(innerSink(inner)).toBe(inner);
    expect(sink.type).toBe('sqlite');
    expect(sink.preferredBatchSessions).toBe(7);
    expect(sink.needsRawXml).toBe(false);
    inner.raw = true; // read when asked, not copied when wrapped
    expect(sink.needsRawXml).toBe(true);
    await sink.connect(ctx);
    await sink.writeBatch(sessionBundles(2), ctx);
    await sink.abort('stop');
    await sink.close();
    expect(inner.calls).toEqual(['connect', 'batch 2', 'abort stop', 'close']);
  });

  it('has writeRecords exactly when the sink has it', async () => {
    expect('writeRecords' in traceSinkWrites(new LoggingSink())).toBe(false);
    const inner = new LooseRecordSink();
    const sink = traceSinkWrites(inner);
    const record: LooseRecord = { kind: 'report_error', code: null, message: 'no data', origin: { source: 'e', index: 0 } };
    await sink.writeRecords?.([record], ctx);
    expect(inner.records).toEqual([record]);
  });

  it('wraps once: tracing a traced sink returns it', () => {
    const sink = traceSinkWrites(new LoggingSink());
    expect(traceSinkWrites(sink)).toBe(sink);
  });

  it('puts each batch in an etl.batch.write span with what was written and rejected', async () => {
    const inner = new LoggingSink();
    const bundles = sessionBundles(3);
    inner.refuse(bundles[1] as SessionBundle);
    const result = await traceSinkWrites(inner).writeBatch(bundles, ctx);
    expect(result.written).toBe(2);
    const [write, ...others] = (await telemetry.spans()).filter((span) => span.name === 'etl.batch.write');
    expect(others).toEqual([]);
    expect(write?.attributes).toEqual({
      'etl.sink.type': 'sqlite',
      'db.system.name': 'sqlite',
      'etl.sql.dialect': 'sqlite',
      'db.operation.batch.size': 3,
      'etl.records.count': 3,
      'etl.bytes.count': bundles.reduce((sum, bundle) => sum + bundle.xmlBytes, 0),
      'etl.records.written': 2,
      'etl.records.rejected': 1,
    });
  });

  it('records a failed batch on its span and rethrows the error as is', async () => {
    const inner = new LoggingSink();
    const failure = new SinkWriteError('session: connection lost', 'network');
    inner.fail(failure);
    await expect(traceSinkWrites(inner).writeBatch(sessionBundles(1), ctx)).rejects.toBe(failure);
    const write = (await telemetry.spans()).find((span) => span.name === 'etl.batch.write');
    expect(write?.status).toMatchObject({ code: 2, message: failure.message });
    expect(write?.attributes['error.type']).toBe('network');
  });
});
