/**
 * Report times, normalised to ISO-8601 UTC with luxon. The appliance sends UNIX seconds in
 * `@timestamp` and ISO text with an offset as the element text; synthetic mocks put ISO text in
 * `@timestamp`. All three are accepted.
 */
import { DateTime } from 'luxon';

/** Result of reading a report time: an ISO UTC string, `null` for "absent/empty", or `undefined` for "unreadable". */
export type ReportTime = string | null | undefined;

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+\.\d+$/;

// Events in one session often share a timestamp; a one-entry memo saves most conversions.
let lastSeconds = '';
let lastIso = '';

/** Whole seconds from 1970 up to the end of year 9999: the range Date formats exactly as luxon does. */
const FAST_RANGE_END = 253_402_300_800;

/** `1733239565` -> `2024-12-03T15:26:05Z`. */
export function isoFromUnixSeconds(seconds: string): string | undefined {
  if (seconds === lastSeconds) return lastIso;
  if (!INTEGER.test(seconds) && !DECIMAL.test(seconds)) return undefined;
  const value = Number(seconds);
  if (Number.isInteger(value) && value >= 0 && value < FAST_RANGE_END) {
    // Every event carries a timestamp: Date's ISO form (same text as luxon's, minus `.000`) costs a
    // tenth of luxon's fromSeconds + toISO, which was 4% of the parser's time.
    lastSeconds = seconds;
    lastIso = new Date(value * 1000).toISOString().replace('.000Z', 'Z');
    return lastIso;
  }
  const dateTime = DateTime.fromSeconds(value, { zone: 'utc' });
  if (!dateTime.isValid) return undefined;
  const iso = dateTime.toISO({ suppressMilliseconds: true }) ?? undefined;
  if (iso !== undefined) {
    lastSeconds = seconds;
    lastIso = iso;
  }
  return iso;
}

/** `2024-12-03T17:26:05+02:00` -> `2024-12-03T15:26:05Z`. */
export function isoFromText(text: string): string | undefined {
  const dateTime = DateTime.fromISO(text.trim(), { setZone: true });
  if (!dateTime.isValid) return undefined;
  return dateTime.toUTC().toISO({ suppressMilliseconds: true }) ?? undefined;
}

/**
 * Reads a report time from an element's `@timestamp` and text. An empty element (an `end_time` of a
 * session in progress) is `null`; something present but unreadable is `undefined`, so the caller
 * can keep the raw value instead of losing it.
 */
export function readReportTime(timestamp: string | undefined, text: string | null): ReportTime {
  const stamp = timestamp?.trim();
  if (stamp) return isoFromUnixSeconds(stamp) ?? isoFromText(stamp);
  const body = text?.trim();
  if (!body) return null;
  return isoFromUnixSeconds(body) ?? isoFromText(body);
}

/** Epoch milliseconds of an ISO UTC string produced above (for SQL drivers that want numbers or Dates). */
export function epochMillis(iso: string): number {
  return Date.parse(iso);
}
