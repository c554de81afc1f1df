/**
 * Time arithmetic of incremental pulls: where a run starts and ends on the appliance's clock, and how
 * a span is cut into windows that are read and committed one at a time.
 */
import type { TimeWindow } from './report-source.ts';

/** Splits [from, to] (UNIX seconds) into windows of at most `size` seconds, in order. */
export function splitWindows(from: number, to: number, size: number): TimeWindow[] {
  if (!(size >= 1)) throw new RangeError(`window size must be at least 1 second, got ${size}`);
  const windows: TimeWindow[] = [];
  for (let start = from; start < to; start += size) windows.push({ start, seconds: Math.min(size, to - start) });
  return windows;
}

export interface RunEndInput {
  /** Local clock, ms. */
  readonly localNow: number;
  /** Appliance clock from the latest Date header, ms, when known. */
  readonly applianceNow: number | undefined;
  /** Whether to cap at the appliance clock when it is behind ours. */
  readonly useApplianceClock: boolean;
}

/**
 * Where this run's reading ends (UNIX seconds). A local clock ahead of the appliance's would ask for
 * a future the appliance has not lived yet and then move the watermark past sessions that start in
 * it (the vendor guide's warning); so the earlier of the two clocks is used. The overlap window
 * covers what the Date header's one-second resolution and a skew it cannot see still leave.
 */
export function runEnd(input: RunEndInput): number {
  const local = Math.floor(input.localNow / 1000);
  if (!input.useApplianceClock || input.applianceNow === undefined) return local;
  return Math.min(local, Math.floor(input.applianceNow / 1000));
}

/** UNIX seconds of an ISO date or date-time given on the command line (`2024-12-01`, UTC when no offset). */
export function parseStartDate(text: string): number | undefined {
  const trimmed = text.trim();
  let iso = trimmed;
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) iso += 'T00:00:00Z';
  else if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(iso)) iso = `${iso.replace(' ', 'T')}Z`;
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(iso) ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}
