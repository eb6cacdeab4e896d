/**
 * Every freeze of a project as periods in time, whatever its source: the YAML's weekly windows (expanded to
 * their occurrences), ad hoc freezes and the iCalendar feeds. The calendar shows them per day and checks the
 * scheduled deploys against them, with the same rule as the deploy check (actionState): a period covers an
 * instant in [from, until) of an environment it names, or of every environment when it names none.
 */
import { DateTime } from 'luxon';
import { minuteOfWeek, WEEK_MINUTES, type RecurringFreeze } from '../domain/freeze.js';
import type { FreezeWindow } from '../ports/freeze.port.js';
import type { CoreServices } from '../services.js';

export interface FreezePeriod {
  name: string;
  /** Environments it applies to; empty = all. */
  envs: string[];
  from: Date;
  until: Date;
  source: 'config' | 'adhoc' | 'feed';
}

/** The occurrences of a weekly window that overlap [from, to). */
export function recurringPeriods(w: RecurringFreeze, from: Date, to: Date): FreezePeriod[] {
  const length = (minuteOfWeek(w.to.day, w.to.time) - minuteOfWeek(w.from.day, w.from.time) + WEEK_MINUTES) % WEEK_MINUTES || WEEK_MINUTES;
  const [h, m] = w.from.time.split(':').map(Number);
  // Start a week early: an occurrence that began the week before may still cover `from`.
  let week = DateTime.fromJSDate(from, { zone: w.timezone }).startOf('week').minus({ weeks: 1 });
  const out: FreezePeriod[] = [];
  while (week.toJSDate() < to) {
    const start = week.plus({ days: w.from.day - 1 }).set({ hour: h ?? 0, minute: m ?? 0 });
    const end = start.plus({ minutes: length });
    if (start.toJSDate() < to && end.toJSDate() > from) out.push({ name: w.name, envs: w.envs, from: start.toJSDate(), until: end.toJSDate(), source: 'config' });
    week = week.plus({ weeks: 1 });
  }
  return out;
}

const adhocPeriod = (w: FreezeWindow): FreezePeriod => ({ name: w.reason, envs: w.env ? [w.env] : [], from: w.from, until: w.until, source: 'adhoc' });

/** The project's freeze periods overlapping [from, to), soonest first (ad hoc ones: those not over at `now`). */
export async function freezePeriods(project: string, from: Date, to: Date, services: CoreServices): Promise<FreezePeriod[]> {
  const { actions } = services;
  const recurring = actions.recurringFreezes.filter((w) => w.project === project).flatMap((w) => recurringPeriods(w, from, to));
  const adhoc = (await actions.freezes.upcoming(services.clock.now())).filter((w) => w.project === project && w.from < to && w.until > from).map(adhocPeriod);
  const feed = (actions.freezeFeeds?.between(project, from, to) ?? []).map((f): FreezePeriod => ({ name: f.name, envs: f.envs, from: f.from, until: f.until, source: 'feed' }));
  return [...recurring, ...adhoc, ...feed].sort((a, b) => a.from.getTime() - b.from.getTime());
}

/** The periods covering `at` in `env`. */
export function periodsAt(periods: readonly FreezePeriod[], env: string, at: Date): FreezePeriod[] {
  return periods.filter((p) => (p.envs.length === 0 || p.envs.includes(env)) && p.from <= at && at < p.until);
}
