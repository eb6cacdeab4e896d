import { DateTime } from 'luxon';

/**
 * Recurring freeze windows from the config, e.g. Friday 16:00 → Monday 09:00 in Europe/Berlin.
 * A window may wrap around the end of the week.
 */
export interface RecurringFreeze {
  name: string;
  project: string;
  /** Environments it applies to; empty = all. */
  envs: string[];
  timezone: string;
  /** ISO weekday 1 (Monday) … 7 (Sunday) and local HH:MM. */
  from: { day: number; time: string };
  to: { day: number; time: string };
}

export interface ActiveFreeze {
  name: string;
  reason: string;
  until: Date;
  source: 'config' | 'adhoc' | 'feed';
  /** Time zone to show `until` in (the window's own, for recurring windows). */
  timezone?: string;
}

export const WEEK_MINUTES = 7 * 24 * 60;

/** Minutes since Monday 00:00 of an ISO weekday and local HH:MM. */
export function minuteOfWeek(day: number, time: string): number {
  const [h, m] = time.split(':').map(Number);
  return (day - 1) * 24 * 60 + (h ?? 0) * 60 + (m ?? 0);
}

/** The window covering `at`, with the instant it ends, or null. */
export function recurringFreezeAt(w: RecurringFreeze, env: string, at: Date): ActiveFreeze | null {
  if (w.envs.length > 0 && !w.envs.includes(env)) return null;
  const local = DateTime.fromJSDate(at, { zone: w.timezone });
  const now = minuteOfWeek(local.weekday, local.toFormat('HH:mm'));
  const start = minuteOfWeek(w.from.day, w.from.time);
  const end = minuteOfWeek(w.to.day, w.to.time);
  const inside = start <= end ? now >= start && now < end : now >= start || now < end;
  if (!inside) return null;
  const minutesLeft = (end - now + WEEK_MINUTES) % WEEK_MINUTES || WEEK_MINUTES;
  const until = local.set({ second: 0, millisecond: 0 }).plus({ minutes: minutesLeft });
  return { name: w.name, reason: w.name, until: until.toJSDate(), source: 'config', timezone: w.timezone };
}
