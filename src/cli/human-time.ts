/**
 * Times for people: local `2024-05-01 10:15:00` plus how long ago or ahead (`3 min ago`,
 * `in 2 h 5 min`). Tables stay narrow; `--json` gives ISO UTC instead.
 */

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

export function localDateTime(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** `45 s`, `3 min`, `2 h 5 min`, `3 d 4 h`. */
export function duration(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  const days = Math.floor(hours / 24);
  return `${days} d${hours % 24 ? ` ${hours % 24} h` : ''}`;
}

/** `2024-05-01 10:15:00 (3 min ago)` or `… (in 12 min)`. */
export function when(iso: string | undefined, now: Date): string {
  if (!iso) return 'never';
  const date = new Date(iso);
  const delta = date.getTime() - now.getTime();
  const relative = Math.abs(delta) < 1000 ? 'now' : delta < 0 ? `${duration(delta)} ago` : `in ${duration(delta)}`;
  return `${localDateTime(date)} (${relative})`;
}

/** Columns separated by two spaces, left-aligned unless `right` lists the column. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], right: readonly number[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (right.includes(i) ? cell.padStart(widths[i] ?? 0) : i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
