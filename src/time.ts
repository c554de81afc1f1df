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
  const whole = wholeSeconds(seconds);
  if (whole >= 0) {
    lastSeconds = seconds;
    lastIso = formatWholeSeconds(whole);
    return lastIso;
  }
  if (!INTEGER.test(seconds) && !DECIMAL.test(seconds)) return undefined;
  const value = Number(seconds);
  if (Number.isInteger(value) && value >= 0 && value < FAST_RANGE_END) {
    lastSeconds = seconds;
    lastIso = formatWholeSeconds(value);
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

/** Plain digits (at most 12) below {@link FAST_RANGE_END} -> their value; anything else -> -1. */
function wholeSeconds(text: string): number {
  const length = text.length;
  if (length === 0 || length > 12) return -1;
  let value = 0;
  for (let i = 0; i < length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value < FAST_RANGE_END ? value : -1;
}

// The date part of the last day formatted (`YYYY-MM-DD` as character codes): a report's times
// cluster in a few days.
let cachedDay = -1;
const dayCodes: number[] = [];

/**
 * Whole seconds in [0, FAST_RANGE_END) -> `YYYY-MM-DDTHH:MM:SSZ`, the text luxon gives. Written with
 * one `String.fromCharCode`: every event carries a time, and text pieced together with `+` (or
 * Date's ISO text with `.000` cut out) is a tree of two or three string objects where this is one.
 */
function formatWholeSeconds(seconds: number): string {
  const day = Math.floor(seconds / 86_400);
  if (day !== cachedDay) {
    const date = new Date(day * 86_400_000);
    const year = date.getUTCFullYear();
    const month = date.getUTCMonth() + 1;
    const dayOfMonth = date.getUTCDate();
    dayCodes[0] = 48 + Math.floor(year / 1000);
    dayCodes[1] = 48 + (Math.floor(year / 100) % 10);
    dayCodes[2] = 48 + (Math.floor(year / 10) % 10);
    dayCodes[3] = 48 + (year % 10);
    dayCodes[4] = 48 + Math.floor(month / 10);
    dayCodes[5] = 48 + (month % 10);
    dayCodes[6] = 48 + Math.floor(dayOfMonth / 10);
    dayCodes[7] = 48 + (dayOfMonth % 10);
    cachedDay = day;
  }
  const rest = seconds - day * 86_400;
  const hour = Math.floor(rest / 3600);
  const minute = Math.floor((rest % 3600) / 60);
  const second = rest % 60;
  const d = dayCodes as [number, number, number, number, number, number, number, number];
  return String.fromCharCode(
    d[0], d[1], d[2], d[3], 45, d[4], d[5], 45, d[6], d[7], 84,
    48 + Math.floor(hour / 10), 48 + (hour % 10), 58, 48 + Math.floor(minute / 10), 48 + (minute % 10), 58,
    48 + Math.floor(second / 10), 48 + (second % 10), 90,
  );
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
