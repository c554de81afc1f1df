/**
 * Every span name, attribute name, event name and metric name sra-etl emits, in one place, so a
 * dashboard or an alert can rely on them and a typo cannot invent a new one. HTTP and database
 * attributes are the OpenTelemetry semantic conventions (stable ones imported, the few still
 * incubating spelled out here, as the semantic-conventions package recommends); the pipeline's own
 * attributes live under `etl.`.
 */
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_OPERATION_BATCH_SIZE,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';

/** Instrumentation scope of every tracer and meter (`otel.scope.name` in backends). */
export const INSTRUMENTATION_SCOPE = 'sra-etl';

/**
 * Span names. The tree of one pull:
 *
 *     etl.run                      one CLI command or one scheduled run
 *       etl.transfer               one site (and product) into one destination
 *         etl.window | etl.lsids   one report request unit: a time window (incremental/backfill) or an lsid batch
 *           etl.parse              parsing that report stream and loading its sessions in batches
 *             POST api/reporting   the HTTP call (CLIENT span; retries and rate-limit waits are its events)
 *             etl.batch.write      one destination batch (records, bytes, rows per table, dialect)
 *               etl.download       a recording or backup the batch fetched (file destination)
 *
 * Never one span per record: counts go in attributes.
 */
export const SPAN = {
  run: 'etl.run',
  transfer: 'etl.transfer',
  window: 'etl.window',
  lsids: 'etl.lsids',
  parse: 'etl.parse',
  batchWrite: 'etl.batch.write',
  download: 'etl.download',
} as const;

export type EtlSpanName = (typeof SPAN)[keyof typeof SPAN];

/** OpenTelemetry semantic-convention attributes used by sra-etl (stable unless noted). */
export const SEMCONV = {
  errorType: ATTR_ERROR_TYPE,
  httpRequestMethod: ATTR_HTTP_REQUEST_METHOD,
  httpResponseStatusCode: ATTR_HTTP_RESPONSE_STATUS_CODE,
  /** How many times this logical call was sent again (the final attempt's count). */
  httpRequestResendCount: ATTR_HTTP_REQUEST_RESEND_COUNT,
  serverAddress: ATTR_SERVER_ADDRESS,
  serverPort: ATTR_SERVER_PORT,
  /** The URL without query string: query fields can carry legacy login parameters. */
  urlFull: ATTR_URL_FULL,
  urlPath: ATTR_URL_PATH,
  urlScheme: ATTR_URL_SCHEME,
  /** Incubating: the route, `/api/reporting`. */
  urlTemplate: 'url.template',
  /** Incubating: body bytes received. */
  httpResponseBodySize: 'http.response.body.size',
  /** `sqlite`, `postgresql`, `microsoft.sql_server`. */
  dbSystemName: ATTR_DB_SYSTEM_NAME,
  dbCollectionName: ATTR_DB_COLLECTION_NAME,
  dbOperationBatchSize: ATTR_DB_OPERATION_BATCH_SIZE,
} as const;

/** sra-etl's own span and metric attributes. */
export const ATTR = {
  /** What started the run: the command (`pull`, `replay`, `run`, `serve`). */
  command: 'etl.command',
  /** The schedule's name, for scheduled runs. */
  schedule: 'etl.schedule',
  /** Run history id. */
  runId: 'etl.run.id',
  /** What started a scheduled run: `scheduled`, `catch-up`, `retry`, `manual`. */
  trigger: 'etl.run.trigger',
  /** How the run ended: `succeeded`, `failed`, `cancelled`. */
  result: 'etl.run.result',
  /** The site host (`support.example.com`, `127.0.0.1:8940`). */
  site: 'etl.site',
  /** `rs` or `pra`. */
  product: 'etl.product',
  /** The destination, redacted (`postgres://user:***@host/db`, `file:/data`). */
  destination: 'etl.destination',
  /** Destination kind: `sqlite`, `postgres`, `mssql`, `jsonl`, `file`. */
  sinkType: 'etl.sink.type',
  /** Pull mode: `incremental`, `range`, `lsids`. */
  mode: 'etl.mode',
  /** Report name (`generate_report`): `AccessSession`, `SupportSessionRecording`. */
  report: 'etl.report',
  /** Window start, UNIX seconds of the appliance clock, and its length in seconds. */
  windowStart: 'etl.window.start',
  windowSeconds: 'etl.window.seconds',
  /** Read attempt of the same window or lsid batch, 1-based (a cut body is read again). */
  attempt: 'etl.attempt',
  /** lsids asked for in one call. */
  lsidCount: 'etl.lsids.count',
  /** Sessions (records) a span handled: parsed, written. */
  records: 'etl.records.count',
  /** Bytes a span handled: session XML parsed, written, downloaded. */
  bytes: 'etl.bytes.count',
  /** Sessions the destination durably wrote. */
  written: 'etl.records.written',
  /** Sessions rejected by the parser or by the destination. */
  rejected: 'etl.records.rejected',
  /** Sessions still in progress when read. */
  inProgress: 'etl.records.in_progress',
  /** Rows written in all tables of a batch. */
  rowsTotal: 'etl.rows.total',
  /** Prefix of the rows-per-table attributes: `etl.rows.table.session_event` = 412 (see rowsAttributes). */
  rowsTablePrefix: 'etl.rows.table.',
  /** SQL dialect of the destination: `sqlite`, `postgres`, `mssql`. */
  dialect: 'etl.sql.dialect',
  /** Watermark after the run, UNIX seconds. */
  watermark: 'etl.watermark',
  /** Download kind: `recording`, `shell-recording`, `sms-recording`, `backup`. */
  downloadKind: 'etl.download.kind',
  /** What became of it: `created`, `overwritten`, `skipped`, `already-complete`, `expired`, `unavailable`. */
  downloadOutcome: 'etl.download.outcome',
  lsid: 'etl.lsid',
  /** Pipeline stage a record or byte count belongs to: see {@link STAGE}. */
  stage: 'etl.stage',
  /** The span (operation) a failure happened in, on the failures metric. */
  operation: 'etl.operation',
  /** Retry events: attempt number (1 = first retry), delay in ms, why. */
  retryAttempt: 'etl.retry.attempt',
  retryDelayMs: 'etl.retry.delay_ms',
  retryReason: 'etl.retry.reason',
  /** Rate-limit wait events: who imposed it (`client` pacing or `server` 429) and for how long. */
  rateLimitSource: 'etl.rate_limit.source',
  waitMs: 'etl.wait_ms',
} as const;

/** Span event names. */
export const EVENT = {
  /** A call or read is being tried again after a transient failure. */
  retry: 'etl.retry',
  /** Time spent waiting because of a rate limit (client pacing or the appliance's 429 Retry-After). */
  rateLimitWait: 'etl.rate_limit.wait',
} as const;

/** Values of `etl.stage` on the records and bytes counters. */
export const STAGE = {
  /** Bytes received from the appliance (report bodies). */
  receive: 'receive',
  /** Sessions parsed and their XML bytes. */
  parse: 'parse',
  /** Sessions written to the destination and their bytes. */
  write: 'write',
  /** Recordings and backups downloaded, and their bytes. */
  download: 'download',
} as const;

export type EtlStage = (typeof STAGE)[keyof typeof STAGE];

/** Metric names (units in the instruments' definitions, src/telemetry/metrics.ts). */
export const METRIC = {
  records: 'etl.records',
  bytes: 'etl.bytes',
  batchDuration: 'etl.batch.duration',
  runDuration: 'etl.run.duration',
  watermarkLag: 'etl.watermark.lag',
  failures: 'etl.failures',
} as const;
