/**
 * Progress lines on a terminal: one line per running transfer, redrawn in place five times a
 * second: `Sessions #1 support -> db  windows 3/10  1,234 sessions  12.3 MB  2.1 MB/s  4 files`.
 * Only used when the stream is a TTY (see {@link progressBoardFor}); logs never see it.
 */
import type { Writable } from 'node:stream';
import type { ProgressReporter, ProgressTotals } from './progress.ts';

interface Row {
  readonly label: string;
  readonly started: number;
  totals: { windowsDone: number; windowsTotal: number; sessions: number; bytes: number; files: number };
}

const number = new Intl.NumberFormat('en-US');

function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

/** One line of progress text (exported for tests). */
export function progressLine(label: string, totals: ProgressTotals, elapsedMs: number): string {
  const parts = [label];
  if (totals.windowsTotal > 0) parts.push(`windows ${totals.windowsDone}/${totals.windowsTotal}`);
  parts.push(`${number.format(totals.sessions)} sessions`);
  parts.push(formatBytes(totals.bytes));
  if (elapsedMs > 0) parts.push(`${formatBytes((totals.bytes * 1000) / elapsedMs)}/s`);
  if (totals.files > 0) parts.push(`${number.format(totals.files)} files`);
  return parts.join('  ');
}

export class ProgressBoard {
  readonly #stream: Writable & { columns?: number };
  readonly #rows: Row[] = [];
  readonly #now: () => number;
  #drawn = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(stream: Writable & { columns?: number }, options: { readonly intervalMs?: number; readonly now?: () => number } = {}) {
    this.#stream = stream;
    this.#now = options.now ?? Date.now;
    this.#timer = setInterval(() => this.render(), options.intervalMs ?? 200);
    this.#timer.unref();
  }

  /** A reporter drawn as its own line. */
  reporter(label: string): ProgressReporter {
    const row: Row = { label, started: this.#now(), totals: { windowsDone: 0, windowsTotal: 0, sessions: 0, bytes: 0, files: 0 } };
    this.#rows.push(row);
    return {
      windows: (total) => {
        row.totals.windowsTotal = total;
      },
      windowDone: () => {
        row.totals.windowsDone++;
      },
      sessions: (count) => {
        row.totals.sessions += count;
      },
      bytes: (count) => {
        row.totals.bytes += count;
      },
      files: (count) => {
        row.totals.files += count;
      },
    };
  }

  /** Redraws every line in place. */
  render(): void {
    if (this.#rows.length === 0) return;
    const width = Math.max(20, (this.#stream.columns || 120) - 1);
    let text = this.#drawn > 0 ? `\x1b[${this.#drawn}F` : '';
    for (const row of this.#rows) {
      const line = progressLine(row.label, row.totals, this.#now() - row.started);
      text += `\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}\n`;
    }
    this.#drawn = this.#rows.length;
    this.#stream.write(text);
  }

  /** Final draw; the lines stay on screen as a summary. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.render();
  }
}

/** A board when `stream` is a terminal, else undefined (progress stays silent). */
export function progressBoardFor(stream: Writable & { isTTY?: boolean; columns?: number }, enabled = true): ProgressBoard | undefined {
  return enabled && stream.isTTY === true && !process.env.CI ? new ProgressBoard(stream) : undefined;
}
