/**
 * Slot arithmetic: when a schedule is next due. A slot is the instant a run is meant for; the run
 * history records it as `scheduled_for`, so "missed during downtime" and "caught up" are facts in
 * the state store rather than guesses.
 *
 * - `every` without `at`: slots are `period` apart, phased on the previous slot (a never-run schedule
 *   is due at once, as the old client did on its first check).
 * - `every N days at HH:MM`: the time of day in the schedule's zone (DST-safe), N days apart.
 * - `cron`: the next match of the expression in its zone (node-cron's parser and matcher).
 */
import cron from 'node-cron';
import { DateTime } from 'luxon';
import type { CronTiming, ScheduleTiming } from '../config/timing.ts';

const MINUTE_MS = 60_000;
/** How far ahead a cron expression is searched (leap days need four years). */
const CRON_SEARCH_DAYS = 5 * 366;

type Matcher = { match(date: Date): boolean };
const matchers = new Map<string, Matcher>();

function matcherFor(timing: CronTiming): Matcher {
  const key = `${timing.timezone ?? ''}\u0000${timing.expression}`;
  let matcher = matchers.get(key);
  if (!matcher) {
    // A task that is never started: node-cron's matcher, DST- and zone-aware, without a timer.
    matcher = cron.createTask(timing.expression, () => undefined, { timezone: timing.timezone, name: `sra-etl matcher ${timing.expression}` });
    matchers.set(key, matcher);
  }
  return matcher;
}

/** The first instant strictly after `after` that matches a cron expression. */
export function nextCronMatch(timing: CronTiming, after: Date): Date {
  const fields = cron.parse(timing.expression);
  const matcher = matcherFor(timing);
  const zone = timing.timezone ?? 'local';
  const hours = [...fields.hour].sort((a, b) => a - b);
  const minutes = [...fields.minute].sort((a, b) => a - b);
  const seconds = [...fields.second].sort((a, b) => a - b);
  const firstTime = { hour: hours[0] ?? 0, minute: minutes[0] ?? 0, second: seconds[0] ?? 0, millisecond: 0 };
  let day = DateTime.fromJSDate(after, { zone }).startOf('day');
  for (let i = 0; i < CRON_SEARCH_DAYS; i++, day = day.plus({ days: 1 })) {
    // Day fields (day of month, month, weekday, `L`) are checked once per day with a time that
    // surely matches the time fields; only matching days are searched minute by minute.
    const probe = day.set(firstTime);
    const probeExists = probe.hour === firstTime.hour && probe.minute === firstTime.minute;
    if (probeExists && !matcher.match(probe.toJSDate())) continue;
    for (const hour of hours) {
      for (const minute of minutes) {
        for (const second of seconds) {
          const candidate = day.set({ hour, minute, second, millisecond: 0 });
          if (candidate.hour !== hour || candidate.minute !== minute) continue; // inside a DST gap
          if (candidate.toMillis() <= after.getTime()) continue;
          if (matcher.match(candidate.toJSDate())) return candidate.toJSDate();
        }
      }
    }
  }
  throw new Error(`cron expression "${timing.expression}" has no match within ${CRON_SEARCH_DAYS} days`);
}

/** The first `HH:MM` in the zone at or after `from` (the first slot of a never-run day schedule). */
function timeOfDayAtOrAfter(at: { hour: number; minute: number }, zone: string, from: Date): Date {
  const start = DateTime.fromJSDate(from, { zone });
  let candidate = start.set({ hour: at.hour, minute: at.minute, second: 0, millisecond: 0 });
  if (candidate < start) candidate = candidate.plus({ days: 1 }).set({ hour: at.hour, minute: at.minute });
  return candidate.toJSDate();
}

/**
 * The slot after `previous` (the slot of the last run), regardless of the present: it may lie in
 * the past, which is how a missed run is recognised. Without a previous slot: the first slot at or
 * after `now`.
 */
export function slotAfter(timing: ScheduleTiming, previous: Date | undefined, now: Date): Date {
  if (timing.kind === 'cron') return nextCronMatch(timing, previous ?? new Date(now.getTime() - 1000));
  const zone = timing.timezone ?? 'local';
  if (timing.at) {
    if (!previous) return timeOfDayAtOrAfter(timing.at, zone, now);
    return DateTime.fromJSDate(previous, { zone })
      .plus({ days: timing.minutes / 1440 })
      .set({ hour: timing.at.hour, minute: timing.at.minute, second: 0, millisecond: 0 })
      .toJSDate();
  }
  if (!previous) return now;
  return new Date(previous.getTime() + timing.minutes * MINUTE_MS);
}

/**
 * The first slot strictly after `now` in the phase of `previous`: where a schedule goes next once a
 * run (regular, caught-up or overrunning) has finished. Slots that passed meanwhile are not run
 * again: one catch-up covers them, because every pull resumes from its watermark.
 */
export function nextSlotAfterNow(timing: ScheduleTiming, previous: Date | undefined, now: Date): Date {
  if (timing.kind === 'cron') return nextCronMatch(timing, now);
  if (!timing.at && previous) {
    const period = timing.minutes * MINUTE_MS;
    const behind = now.getTime() - previous.getTime();
    const steps = Math.max(1, Math.floor(behind / period) + 1);
    return new Date(previous.getTime() + steps * period);
  }
  let slot = slotAfter(timing, previous, now);
  for (let guard = 0; slot.getTime() <= now.getTime() && guard < 10_000; guard++) slot = slotAfter(timing, slot, now);
  return slot;
}
