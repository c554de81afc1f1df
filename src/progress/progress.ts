/**
 * Progress of long pulls and backfills. Transfers report what they complete (windows of a backfill,
 * sessions loaded, bytes received, files written); a reporter decides whether anyone sees it. On a
 * terminal it is a single line redrawn a few times a second; elsewhere (a daemon, a pipe, CI) it is
 * silent, and the totals go to the log once, at the end.
 */

export interface ProgressReporter {
  /** A backfill of `total` windows begins (call again if the total grows). */
  windows(total: number): void;
  /** One window is committed. */
  windowDone(): void;
  /** Sessions loaded (committed) since the last call. */
  sessions(count: number): void;
  /** Bytes received since the last call. */
  bytes(count: number): void;
  /** Files written since the last call. */
  files(count: number): void;
}

/** The counts a reporter has seen. */
export interface ProgressTotals {
  readonly windowsDone: number;
  readonly windowsTotal: number;
  readonly sessions: number;
  readonly bytes: number;
  readonly files: number;
}

export const silentProgress: ProgressReporter = {
  windows() {},
  windowDone() {},
  sessions() {},
  bytes() {},
  files() {},
};
