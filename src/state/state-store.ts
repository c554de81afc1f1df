/**
 * What incremental pulls remember between runs, per stream (site, product, destination):
 *
 * - the **watermark**: UNIX seconds on the appliance's clock before which every session that began has
 *   been committed to the destination. It only moves after the destination committed the window
 *   behind it, so a crash costs a re-read, never a gap;
 * - the **sessions seen in progress**, re-fetched by lsid until they close;
 * - **backfill jobs**: a range pull split into windows records how far it got, so a rerun after a
 *   crash resumes at the first window that was not committed.
 *
 * Every change of one window is applied in one transaction ({@link StateStore.commit}). The SQLite
 * implementation lives in sinks/state/ (src/ stays driver-free).
 */
import type { Product } from '../records.ts';

/** Where the state lives unless configured otherwise. */
export const DEFAULT_STATE_FILE = './data/state.db';

/** One incremental stream: a site's product into one destination. */
export interface StreamKey {
  /** The site's host as sessions are keyed (`support.example.com`). */
  readonly site: string;
  readonly product: Product;
  /** The destination, as its redacted spec (`postgres://etl:***@db/sra`) or a configured name. */
  readonly target: string;
}

export interface InProgressSession {
  readonly lsid: string;
  /** UNIX seconds (appliance clock). */
  readonly startTime: number;
  /** ISO times (local clock) of the first and latest sighting. */
  readonly firstSeen: string;
  readonly lastSeen: string;
}

/** A range pull (`pull --from … --days …`) in progress. */
export interface BackfillJob {
  readonly id: string;
  /** UNIX seconds, inclusive window bounds of the whole job. */
  readonly from: number;
  readonly to: number;
  /** Every window ending at or before this has been committed. */
  readonly doneUntil: number;
}

/** Everything one committed window changes, applied atomically. */
export interface StateChange {
  /** New watermark (ignored if lower than the stored one: watermarks never move back). */
  readonly watermark?: number;
  /** Create or advance a backfill job. */
  readonly job?: BackfillJob;
  /** Delete a finished backfill job. */
  readonly finishedJob?: string;
  /** Sessions seen in progress (inserted, or their lastSeen refreshed). */
  readonly inProgress?: readonly { readonly lsid: string; readonly startTime: number }[];
  /** Sessions no longer to follow: seen closed, vanished, or given up on. */
  readonly forget?: readonly string[];
}

export interface StateStore {
  getWatermark(stream: StreamKey): Promise<number | undefined>;
  listInProgress(stream: StreamKey): Promise<InProgressSession[]>;
  getJob(stream: StreamKey, id: string): Promise<BackfillJob | undefined>;
  /** Applies a change in one transaction. `now` is the local time recorded as lastSeen. */
  commit(stream: StreamKey, change: StateChange, now?: Date): Promise<void>;
  close(): Promise<void>;
}
