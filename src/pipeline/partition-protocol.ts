/**
 * Messages between partitioned-load.ts (the thread that reads and splits the report) and
 * partition-worker.ts (each worker: parser, loadReport and its own connection to the destination).
 */
import type { ParseReportOptions } from '../../stages/parsers/report-stream-parser.ts';
import type { ForwardedTelemetry, WorkerTelemetryLink } from '../telemetry/forwarded-telemetry.ts';

/** What a worker is started with. */
export interface PartitionStart {
  /** The `--to` destination; the worker opens its own connection to it. */
  readonly destination: string;
  /** Shared by all partitions: a destination with one writer at a time takes it around each transaction (write-turn.ts). */
  readonly writeTurn: SharedArrayBuffer;
  readonly parse: ParseReportOptions;
  /** loadReport's batching (plain numbers). */
  readonly load: { readonly maxBatchSessions?: number; readonly maxBatchBytes?: number; readonly maxInFlightBatches?: number };
  /** Present when telemetry is on: the worker then posts its spans and measurements (`telemetry` messages). */
  readonly telemetry?: WorkerTelemetryLink;
}

/** A session the destination refused, as the replay prints it. */
export interface RefusedSession {
  readonly lsid: string;
  readonly source: string;
  readonly message: string;
}

/** What one worker (or all of them, summed) loaded. */
export interface PartitionStats {
  sessions: number;
  written: number;
  batches: number;
  xmlBytes: number;
  /** Records of every kind in the loaded sessions (the session itself, events, users, …). */
  records: number;
  /** Rows committed per table, when the destination counts them. */
  readonly rows: Record<string, number>;
  readonly refused: RefusedSession[];
  /** The site host of the last session loaded (in report order, when summed over the workers). */
  lastHost?: string;
}

/** Main -> worker. */
export type ToPartition =
  /** The next bytes of this worker's document (the prolog, whole sessions, the closing root tag). */
  | { readonly type: 'bytes'; readonly bytes: Uint8Array }
  | { readonly type: 'end' }
  /** Stop: roll back what is in flight and finish. */
  | { readonly type: 'cancel' };

/** Worker -> main. */
export type FromPartition =
  /** One `bytes` message was consumed by the parser. */
  | { readonly type: 'ack' }
  /** A finished span or a measurement, to record on the main thread (src/telemetry/forwarded-telemetry.ts). */
  | { readonly type: 'telemetry'; readonly item: ForwardedTelemetry }
  | { readonly type: 'done'; readonly stats: PartitionStats }
  /** The worker's share held something only one parser over the whole report handles exactly. */
  | { readonly type: 'not-splittable'; readonly reason: string }
  | { readonly type: 'failed'; readonly error: WireFailure };

export interface WireFailure {
  readonly message: string;
  readonly name?: string;
  readonly code?: string;
  readonly stage?: string;
  readonly stack?: string;
}
