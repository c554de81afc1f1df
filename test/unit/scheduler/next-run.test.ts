import { describe, expect, it } from 'vitest';
import { nextCronMatch, nextSlotAfterNow, slotAfter } from '../../../src/scheduler/next-run.ts';
import type { ScheduleTiming } from '../../../src/config/timing.ts';
import { describeTiming, parsePeriodMinutes } from '../../../src/config/timing.ts';

const at = (iso: string) => new Date(iso);

describe('slot arithmetic', () => {
  const every15: ScheduleTiming = { kind: 'every', minutes: 15 };

  it('reads the guide\'s Run Every periods', () => {
    expect(['1 minute', '15 minutes', '2h', '1 day', '7 days', '1 week', '90m'].map(parsePeriodMinutes)).toEqual([1, 15, 120, 1440, 10080, 10080, 90]);
    expect(parsePeriodMinutes('soon')).toBeUndefined();
    expect(describeTiming({ kind: 'every', minutes: 1440 * 2, at: { hour: 2, minute: 5 } })).toBe('2 days at 02:05');
    expect(describeTiming({ kind: 'every', minutes: 90 })).toBe('90 minutes');
    expect(describeTiming({ kind: 'every', minutes: 60 })).toBe('1 hour');
  });

  it('runs a never-run interval schedule at once, then every period in phase', () => {
    const now = at('2024-05-01T10:07:00Z');
    expect(slotAfter(every15, undefined, now)).toEqual(now);
    expect(slotAfter(every15, at('2024-05-01T10:00:00Z'), now)).toEqual(at('2024-05-01T10:15:00Z'));
  });

  it('after a long run or downtime, goes to the next slot after now, keeping the phase', () => {
    const previous = at('2024-05-01T10:00:00Z');
    expect(nextSlotAfterNow(every15, previous, at('2024-05-01T10:07:00Z'))).toEqual(at('2024-05-01T10:15:00Z'));
    expect(nextSlotAfterNow(every15, previous, at('2024-05-01T13:40:00Z'))).toEqual(at('2024-05-01T13:45:00Z'));
    expect(nextSlotAfterNow(every15, previous, at('2024-05-01T10:15:00Z'))).toEqual(at('2024-05-01T10:30:00Z'));
  });

  it('runs day periods at their time of day in their zone, across daylight-saving changes', () => {
    const daily: ScheduleTiming = { kind: 'every', minutes: 1440, at: { hour: 2, minute: 30 }, timezone: 'Europe/Berlin' };
    // first slot: the next 02:30 Berlin time; on 2024-03-31 02:30 does not exist (clocks jump
    // 02:00 -> 03:00), so it runs an hour later by the wall clock, 03:30 CEST
    expect(slotAfter(daily, undefined, at('2024-03-30T12:00:00Z'))).toEqual(at('2024-03-31T01:30:00Z'));
    // and the day after, back at 02:30 (CEST, 00:30 UTC)
    expect(slotAfter(daily, at('2024-03-31T01:30:00Z'), at('2024-03-31T02:00:00Z'))).toEqual(at('2024-04-01T00:30:00Z'));
    // 2024-10-27 02:30 happens twice (03:00 CEST -> 02:00 CET): the first one runs, once
    expect(slotAfter(daily, at('2024-10-26T00:30:00Z'), at('2024-10-26T01:00:00Z'))).toEqual(at('2024-10-27T00:30:00Z'));
    // then winter time: 02:30 CET is 01:30 UTC
    expect(slotAfter(daily, at('2024-10-27T00:30:00Z'), at('2024-10-27T01:00:00Z'))).toEqual(at('2024-10-28T01:30:00Z'));
    const everyThreeDays: ScheduleTiming = { kind: 'every', minutes: 3 * 1440, at: { hour: 23, minute: 0 }, timezone: 'UTC' };
    expect(nextSlotAfterNow(everyThreeDays, at('2024-05-01T23:00:00Z'), at('2024-05-09T12:00:00Z'))).toEqual(at('2024-05-10T23:00:00Z'));
  });

  it('finds cron matches in a zone, including weekdays and last day of month', () => {
    const weekdays: ScheduleTiming = { kind: 'cron', expression: '*/15 8-18 * * 1-5', timezone: 'Europe/Berlin' };
    // Friday 2024-05-03 18:50 Berlin -> Monday 08:00 Berlin (06:00 UTC)
    expect(nextCronMatch(weekdays, at('2024-05-03T16:50:00Z'))).toEqual(at('2024-05-06T06:00:00Z'));
    expect(nextCronMatch(weekdays, at('2024-05-06T06:00:00Z'))).toEqual(at('2024-05-06T06:15:00Z'));
    const monthEnd: ScheduleTiming = { kind: 'cron', expression: '0 2 L * *', timezone: 'UTC' };
    expect(nextCronMatch(monthEnd, at('2024-02-01T00:00:00Z'))).toEqual(at('2024-02-29T02:00:00Z'));
    const leapDay: ScheduleTiming = { kind: 'cron', expression: '0 0 29 2 *', timezone: 'UTC' };
    expect(nextCronMatch(leapDay, at('2024-03-01T00:00:00Z'))).toEqual(at('2028-02-29T00:00:00Z'));
  });
});
