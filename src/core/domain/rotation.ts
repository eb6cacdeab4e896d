import { DateTime } from 'luxon';
import type { RotationSpec } from './catalog.js';

export interface OnCallNow {
  /** Person id on call now, or null before the rotation starts. */
  current: string | null;
  next: string;
  /** When `next` takes over. */
  nextHandoff: Date;
}

function parseHandoff(handoff: string): { hour: number; minute: number } {
  const [h, m] = handoff.split(':').map(Number);
  return { hour: h ?? 0, minute: m ?? 0 };
}

/** The most recent local handoff instant at or before `now` (daily: any day; weekly: on handoffDay). */
function lastHandoff(spec: RotationSpec, now: DateTime): DateTime {
  const { hour, minute } = parseHandoff(spec.handoff);
  let candidate = now.set({ hour, minute, second: 0, millisecond: 0 });
  if (spec.period === 'weekly') {
    const back = (candidate.weekday - spec.handoffDay + 7) % 7;
    candidate = candidate.minus({ days: back }).set({ hour, minute });
    if (candidate > now) candidate = candidate.minus({ days: 7 }).set({ hour, minute });
  } else if (candidate > now) {
    candidate = candidate.minus({ days: 1 }).set({ hour, minute });
  }
  return candidate;
}

function calendarDays(from: DateTime, to: DateTime): number {
  return Math.round(to.startOf('day').diff(from.startOf('day'), 'days').days);
}

/**
 * Who is on call at `at` for a rotation. Shifts start at `start` (local date at the handoff time) and
 * change at every handoff (daily, or weekly on `handoffDay`), in the local time zone, across DST changes.
 */
export function onCallAt(spec: RotationSpec, at: Date): OnCallNow {
  const { hour, minute } = parseHandoff(spec.handoff);
  const zone = spec.timezone;
  const now = DateTime.fromJSDate(at, { zone });
  const start = DateTime.fromISO(spec.start, { zone }).set({ hour, minute, second: 0, millisecond: 0 });
  const n = spec.members.length;
  const member = (i: number) => spec.members[((i % n) + n) % n]!;

  if (now < start) {
    return { current: null, next: member(0), nextHandoff: start.toJSDate() };
  }
  const last = lastHandoff(spec, now);
  const step = spec.period === 'daily' ? 1 : 7;
  let index: number;
  if (spec.period === 'daily') {
    index = calendarDays(start, last);
  } else {
    // Weekly: the first shift runs from `start` to the first handoff day after it.
    const firstBoundary = lastHandoff(spec, start.plus({ days: 7 }));
    const first = firstBoundary.minus({ days: 7 }).set({ hour, minute }) > start ? firstBoundary.minus({ days: 7 }).set({ hour, minute }) : firstBoundary;
    index = last < first ? 0 : 1 + Math.floor(calendarDays(first, last) / 7);
  }
  const nextHandoff = last.plus({ days: step }).set({ hour, minute });
  return { current: member(index), next: member(index + 1), nextHandoff: nextHandoff.toJSDate() };
}

export function formatLocal(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).toFormat("ccc d LLL HH:mm ZZZZ");
}
