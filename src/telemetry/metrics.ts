/**
 * The pipeline's metric instruments, on `@opentelemetry/api` only:
 *
 * | metric                | instrument        | unit       | attributes                                   |
 * |-----------------------|-------------------|------------|----------------------------------------------|
 * | `etl.records`         | counter           | `{record}` | `etl.stage`, `etl.sink.type` (write)         |
 * | `etl.bytes`           | counter           | `By`       | `etl.stage`, `etl.sink.type` (write)         |
 * | `etl.batch.duration`  | histogram         | `s`        | `etl.sink.type`, `db.system.name`, `error.type` |
 * | `etl.run.duration`    | histogram         | `s`        | `etl.run.result`, `etl.command`, `etl.schedule`, `etl.run.trigger`, `error.type` |
 * | `etl.watermark.lag`   | observable gauge  | `s`        | `etl.site`, `etl.product`, `etl.destination` |
 * | `etl.failures`        | counter           | `{failure}`| `error.type`, `etl.operation`                |
 *
 * The API has no proxy for meters (unlike tracers), so instruments are (re)created against whichever
 * MeterProvider is registered when they are first used after it changed; with no SDK that is the
 * API's no-op provider and every call here costs a function call.
 */
import { metrics, type Attributes, type Counter, type Histogram, type MeterProvider, type ObservableGauge } from '@opentelemetry/api';
import type { Product } from '../records.ts';
import { ATTR, INSTRUMENTATION_SCOPE, METRIC, SEMCONV, type EtlStage } from './attributes.ts';

interface Instruments {
  readonly provider: MeterProvider;
  readonly records: Counter;
  readonly bytes: Counter;
  readonly batchDuration: Histogram;
  readonly runDuration: Histogram;
  readonly failures: Counter;
  readonly watermarkLag: ObservableGauge;
}

/** Seconds: a batch takes milliseconds (SQLite) to minutes (a slow SQL Server or big recordings). */
const BATCH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Seconds: a run takes a second (nothing new) to hours (a first backfill). */
const RUN_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400];

interface WatermarkEntry {
  readonly attributes: Attributes;
  /** UNIX seconds. */
  watermark: number;
}

const watermarks = new Map<string, WatermarkEntry>();
/** The local clock for lag, ms. Replaceable for tests. */
let clock: () => number = Date.now;

let current: Instruments | undefined;

function create(provider: MeterProvider): Instruments {
  const meter = provider.getMeter(INSTRUMENTATION_SCOPE);
  const watermarkLag = meter.createObservableGauge(METRIC.watermarkLag, {
    unit: 's',
    description: 'How far the loaded data is behind: now minus the stored watermark (the appliance time up to which sessions are loaded), per site, product and destination',
  });
  watermarkLag.addCallback((result) => {
    const now = clock() / 1000;
    for (const entry of watermarks.values()) result.observe(Math.max(0, now - entry.watermark), entry.attributes);
  });
  return {
    provider,
    records: meter.createCounter(METRIC.records, { unit: '{record}', description: 'Sessions handled per pipeline stage (parse, write)' }),
    bytes: meter.createCounter(METRIC.bytes, { unit: 'By', description: 'Bytes handled per pipeline stage (receive, parse, write, download)' }),
    batchDuration: meter.createHistogram(METRIC.batchDuration, {
      unit: 's',
      description: 'Time to write one batch to the destination, commit included',
      advice: { explicitBucketBoundaries: BATCH_BUCKETS },
    }),
    runDuration: meter.createHistogram(METRIC.runDuration, {
      unit: 's',
      description: 'Duration of a whole run (a CLI command or a scheduled run)',
      advice: { explicitBucketBoundaries: RUN_BUCKETS },
    }),
    failures: meter.createCounter(METRIC.failures, { unit: '{failure}', description: 'Failed operations and rejected sessions, by bounded error type and operation' }),
    watermarkLag,
  };
}

/** The instruments of the MeterProvider registered now (created on first use after it changed). */
export function etlInstruments(): Instruments {
  const provider = metrics.getMeterProvider();
  if (current?.provider !== provider) current = create(provider);
  return current;
}

/** Counts sessions through a stage. */
export function countRecords(stage: EtlStage, count: number, attributes?: Attributes): void {
  if (count > 0) etlInstruments().records.add(count, { ...attributes, [ATTR.stage]: stage });
}

/** Counts bytes through a stage. */
export function countBytes(stage: EtlStage, count: number, attributes?: Attributes): void {
  if (count > 0) etlInstruments().bytes.add(count, { ...attributes, [ATTR.stage]: stage });
}

/** Records one batch write's duration in seconds; add `error.type` when it failed. */
export function recordBatchDuration(seconds: number, attributes: Attributes): void {
  etlInstruments().batchDuration.record(seconds, attributes);
}

/** Records one run's duration in seconds; add `error.type` when it failed. */
export function recordRunDuration(seconds: number, attributes: Attributes): void {
  etlInstruments().runDuration.record(seconds, attributes);
}

/** Counts one failure by its bounded type and the operation (span name) where it happened. */
export function countFailure(errorType: string, operation: string, count = 1): void {
  if (count > 0) etlInstruments().failures.add(count, { [SEMCONV.errorType]: errorType, [ATTR.operation]: operation });
}

/**
 * Records a measurement a worker thread took on its own instrument of the same name (see
 * forwarded-telemetry.ts). Only the counters and histograms above are forwarded; other names are ignored.
 */
export function recordForwardedMeasurement(instrument: string, value: number, attributes: Attributes): void {
  const instruments = etlInstruments();
  switch (instrument) {
    case METRIC.records:
      return instruments.records.add(value, attributes);
    case METRIC.bytes:
      return instruments.bytes.add(value, attributes);
    case METRIC.failures:
      return instruments.failures.add(value, attributes);
    case METRIC.batchDuration:
      return instruments.batchDuration.record(value, attributes);
    case METRIC.runDuration:
      return instruments.runDuration.record(value, attributes);
  }
}

export interface WatermarkKey {
  readonly site: string;
  readonly product: Product;
  /** The destination's identity, redacted. */
  readonly destination: string;
}

/**
 * Tells the lag gauge the stored watermark of one stream (UNIX seconds), after it was committed.
 * The gauge then reports now minus that watermark at every collection.
 */
export function reportWatermark(key: WatermarkKey, watermarkSeconds: number): void {
  const id = `${key.site}\u0000${key.product}\u0000${key.destination}`;
  const entry = watermarks.get(id);
  if (entry !== undefined) {
    entry.watermark = watermarkSeconds;
    return;
  }
  watermarks.set(id, {
    watermark: watermarkSeconds,
    attributes: { [ATTR.site]: key.site, [ATTR.product]: key.product, [ATTR.destination]: key.destination },
  });
  etlInstruments(); // make sure the gauge exists on the current provider
}

/** Replaces the clock the lag gauge uses (tests). Returns the previous one. */
export function setLagClock(now: () => number): () => number {
  const previous = clock;
  clock = now;
  return previous;
}

/** Forgets every watermark (tests, or a daemon whose configuration dropped a stream). */
export function clearWatermarks(): void {
  watermarks.clear();
}
