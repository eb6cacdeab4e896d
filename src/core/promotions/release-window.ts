/**
 * A project's release window (`releaseWindow: "22:00"`, in the project's time zone): the next time it opens,
 * which is when "Schedule for tonight" runs a promotion. Pure.
 */
import { DateTime } from 'luxon';
import type { Catalog } from '../domain/catalog.js';
import { projectTimeZone } from '../domain/time-zone.js';

/** The next `HH:MM` in `tz` strictly after `now` (today's when still ahead, else tomorrow's). */
export function nextLocalTime(now: Date, hhmm: string, tz: string): Date {
  const [hour, minute] = hhmm.split(':').map(Number) as [number, number];
  const local = DateTime.fromJSDate(now, { zone: tz });
  let at = local.set({ hour, minute, second: 0, millisecond: 0 });
  if (at.toMillis() <= now.getTime()) at = at.plus({ days: 1 }).set({ hour, minute });
  return at.toJSDate();
}

/** When the project's next release window opens after `now`, or undefined when it has none configured. */
export function nextReleaseWindow(catalog: Pick<Catalog, 'projects' | 'rotations'>, project: string, now: Date): Date | undefined {
  const window = catalog.projects.find((p) => p.name === project)?.releaseWindow;
  return window ? nextLocalTime(now, window, projectTimeZone(catalog, project)) : undefined;
}
