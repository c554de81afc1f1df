/** Report times: UNIX seconds and ISO text to ISO UTC; the fast path for whole seconds agrees with luxon. */
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { isoFromText, isoFromUnixSeconds, readReportTime } from '../../../src/time.ts';
import { Prng } from '../../../fixtures/generator/prng.ts';

const luxon = (seconds: number) => DateTime.fromSeconds(seconds, { zone: 'utc' }).toISO({ suppressMilliseconds: true });

describe('isoFromUnixSeconds', () => {
  it('gives exactly luxon\'s text for whole seconds across 1970-9999 (the fast path)', () => {
    const prng = new Prng('time');
    const samples = [0, 1, 59, 951782400, 1733239565, 2147483647, 4102444800, 253402300799];
    for (let i = 0; i < 2000; i++) samples.push(prng.int(0, 253402300799));
    for (const seconds of samples) expect(isoFromUnixSeconds(String(seconds)), String(seconds)).toBe(luxon(seconds));
  });

  it('gives luxon\'s text for runs of times within a day and across midnight (the cached date part)', () => {
    const starts = [1733184000, 951782400 - 3, 4107542400 - 2, 253402300800 - 5];
    for (const start of starts) {
      for (let seconds = start - 2; seconds < start + 4000; seconds += 7) expect(isoFromUnixSeconds(String(seconds)), String(seconds)).toBe(luxon(seconds));
    }
    expect(isoFromUnixSeconds('0001733239565')).toBe('2024-12-03T15:26:05Z');
    expect(isoFromUnixSeconds('1733239565.0')).toBe('2024-12-03T15:26:05Z');
  });

  it('handles fractions, negative times and garbage like luxon (the slow path)', () => {
    expect(isoFromUnixSeconds('1733239565.5')).toBe(luxon(1733239565.5));
    expect(isoFromUnixSeconds('-86400')).toBe('1969-12-31T00:00:00Z');
    expect(isoFromUnixSeconds('soon')).toBeUndefined();
    expect(isoFromUnixSeconds('')).toBeUndefined();
  });
});

describe('readReportTime', () => {
  it('prefers @timestamp, accepts ISO text, and reads empty as in progress', () => {
    expect(readReportTime('1733239565', '2024-12-03T15:26:05+00:00')).toBe('2024-12-03T15:26:05Z');
    expect(readReportTime(undefined, '2024-12-03T17:26:05+02:00')).toBe('2024-12-03T15:26:05Z');
    expect(readReportTime('2024-04-04T13:30:00Z', null)).toBe('2024-04-04T13:30:00Z');
    expect(readReportTime(undefined, '')).toBeNull();
    expect(readReportTime(undefined, 'never')).toBeUndefined();
    expect(isoFromText('2024-12-03T15:26:05.250Z')).toBe('2024-12-03T15:26:05.250Z');
  });
});
