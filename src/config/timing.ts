/**
 * When a schedule runs: the guide's "Run Every" (1 minute to 7 days, with a time of day for periods
 * in whole days) or a cron expression. Parsing only; next-run arithmetic is in src/scheduler.
 */
import cron from 'node-cron';
import { IANAZone } from 'luxon';

/** The shortest and longest "Run Every" the guide allows, in minutes. */
export const MIN_PERIOD_MINUTES = 1;
export const MAX_PERIOD_MINUTES = 7 * 24 * 60;

export interface EveryTiming {
  readonly kind: 'every';
  /** The period in minutes, 1 to 10080. */
  readonly minutes: number;
  /** Time of day (only for periods in whole days), in `timezone`. */
  readonly at?: { readonly hour: number; readonly minute: number };
  /** IANA zone for `at`; undefined = the host's zone. */
  readonly timezone?: string;
}

export interface CronTiming {
  readonly kind: 'cron';
  /** Five fields: minute hour day-of-month month day-of-week. */
  readonly expression: string;
  readonly timezone?: string;
}

export type ScheduleTiming = EveryTiming | CronTiming;

const UNIT_MINUTES: Readonly<Record<string, number>> = {
  m: 1, min: 1, mins: 1, minute: 1, minutes: 1,
  h: 60, hr: 60, hrs: 60, hour: 60, hours: 60,
  d: 1440, day: 1440, days: 1440,
  w: 10080, week: 10080, weeks: 10080,
};

/** `"15 minutes"` -> 15, `"2h"` -> 120; undefined when unreadable. Range is checked by the caller. */
export function parsePeriodMinutes(text: string): number | undefined {
  const match = /^\s*(\d+)\s*([a-z]+)\s*$/i.exec(text);
  if (!match) return undefined;
  const unit = UNIT_MINUTES[(match[2] as string).toLowerCase()];
  if (unit === undefined) return undefined;
  return Number(match[1]) * unit;
}

/** `"02:30"` -> { hour: 2, minute: 30 }; undefined when unreadable. */
export function parseTimeOfDay(text: string): { hour: number; minute: number } | undefined {
  const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  if (!match) return undefined;
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

/** Why a cron expression is not acceptable, or undefined when it is. */
export function cronProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) {
    return `must have five fields (minute hour day-of-month month day-of-week), got ${fields.length}: ${JSON.stringify(expression)}`;
  }
  const detail = cron.validateDetailed(expression.trim());
  if (!detail.valid) {
    const first = detail.errors[0];
    const what = first ? `${first.field}${first.value === undefined ? '' : ` ${JSON.stringify(first.value)}`}: ${first.message}` : 'not a valid expression';
    return `is not a valid cron expression (${what}), e.g. "*/15 8-18 * * 1-5"`;
  }
  return undefined;
}

export function isValidTimezone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/** The guide's Period column: `15 minutes`, `2 hours`, `1 day at 02:30`, `cron 0 2 * * 1-5`. */
export function describeTiming(timing: ScheduleTiming): string {
  const zone = timing.timezone ? ` (${timing.timezone})` : '';
  if (timing.kind === 'cron') return `cron ${timing.expression}${zone}`;
  const { minutes } = timing;
  let text: string;
  if (minutes % 1440 === 0) text = plural(minutes / 1440, 'day');
  else if (minutes % 60 === 0) text = plural(minutes / 60, 'hour');
  else text = plural(minutes, 'minute');
  if (timing.at) text += ` at ${String(timing.at.hour).padStart(2, '0')}:${String(timing.at.minute).padStart(2, '0')}${zone}`;
  return text;
}
