/**
 * Contracts shared by sources, transforms and sinks. Stages are plain async iterables and functions
 * (stream-chain fuses consecutive functions), sinks are objects with connect / writeBatch / close /
 * abort. Everything takes a StageContext so cancellation and logging reach every stage.
 */
import type { ReportErrorRecord, SessionBundle, SessionSummaryRecord } from './records.ts';

/** A record outside any session bundle: a listing row or an appliance `<error>` document. */
export type LooseRecord = SessionSummaryRecord | ReportErrorRecord;

/** The subset of pino's logger the pipeline uses, so stages never depend on pino itself. */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

export interface StageContext {
  /** Aborting stops reading, rolls back the open batch and ends the run. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

/** A session a sink refused on its own (bad value, constraint): reported and kept for inspection. */
export interface RejectedSession {
  readonly bundle: SessionBundle;
  readonly error: Error;
}

export interface BatchResult {
  /** Sessions durably written by this batch. */
  readonly written: number;
  /** Sessions isolated as bad; the rest of the batch was still written. */
  readonly rejected: readonly RejectedSession[];
}

/**
 * A destination for session bundles. writeBatch resolves only once the whole batch is durable
 * (committed, fsynced and renamed); a batch is all or nothing apart from isolated bad sessions.
 */
export interface BundleSink {
  /** A protocol noun: 'sqlite', 'postgres', 'mssql', 'jsonl', 'file'. */
  readonly type: string;
  /** Open connections or files. Called once, before any write. */
  connect(ctx: StageContext): Promise<void>;
  writeBatch(batch: readonly SessionBundle[], ctx: StageContext): Promise<BatchResult>;
  /**
   * Optional: records that belong to no session, in document order: listing rows and the
   * appliance's `<error>` documents (JSON Lines prints them). loadReport hands them over between
   * session batches, so the order of the report is kept. Sinks with nowhere to put them leave it out.
   */
  writeRecords?(records: readonly LooseRecord[], ctx: StageContext): Promise<void>;
  /** True when the sink stores each session's XML as sent: the parser must run with `captureRawXml`. */
  readonly needsRawXml?: boolean;
  /**
   * Sessions per batch that suit this sink when the caller has no reason to choose: a batch is held
   * in memory whole (about 4x its XML), so a sink without transactions (JSON Lines) asks for few.
   */
  readonly preferredBatchSessions?: number;
  /**
   * True when several sinks may write to this destination at once, each over its own connection,
   * as long as every copy of a session goes to the same one (partitioned-load.ts splits a report
   * by session key this way): PostgreSQL and SQLite files. Unset: one writer only.
   */
  readonly acceptsConcurrentWriters?: boolean;
  /** Whether a big report is split over several writers without being asked (`--jobs`). Default false. */
  readonly partitionsByDefault?: boolean;
  /** With several writers: batches each partition keeps in flight. Default 1 (memory is per partition). */
  readonly partitionInFlightBatches?: number;
  /** Flush and release; safe to call twice. */
  close(): Promise<void>;
  /** Abandon in-flight work: roll back the open transaction, delete temporary files. */
  abort(reason: unknown): Promise<void>;
}
