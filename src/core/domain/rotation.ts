/**
 * Who is on call: a rotation's primary and secondary at any instant, when the next handoff is, and how an
 * on-call override changes the primary. Pure; local handoff times in the rotation's zone, DST-safe (luxon).
 */
import { DateTime } from 'luxon';
import type { RotationSpec } from './catalog.js';

export interface OnCallNow {
  /** Person id on call now, or null before the rotation starts. */
  current: string | null;
  next: string;
  /** When `next` takes over. */
  nextHandoff: Date;
}

/** The part of an override the rotation needs (structurally an OncallOverride). */
export interface OverrideWindow {
  personId: string;
  startsAt: Date;
  endsAt: Date;
}

export interface OnCall {
  /** Who is paged first: the override's person while one is in effect, else the rotation's primary. */
  primary: string | null;
  /** The rotation's own primary for this shift (null before the rotation starts). */
  scheduled: string | null;
  /** The secondary of this shift (own order, else the member after the primary); null when there is none. */
  secondary: string | null;
  /** The override in effect at the instant, if any. */
  override: OverrideWindow | null;
  /** The rotation's primary after the next handoff. */
  next: string;
  nextHandoff: Date;
}

interface Shift {
  /** Shift number since the rotation's start (0 = first member). */
  index: number;
  /** When this shift began (the rotation's start or a handoff). */
  startedAt: DateTime;
  endsAt: DateTime;
}

function parseHandoff(handoff: string): { hour: number; minute: number } {
  const [h, m] = handoff.split(':').map(Number);
  return { hour: h ?? 0, minute: m ?? 0 };
}

function atHandoff(day: DateTime, spec: RotationSpec): DateTime {
  return day.set({ ...parseHandoff(spec.handoff), second: 0, millisecond: 0 });
}

/** The most recent local handoff instant at or before `now` (daily: any day; weekly: on handoffDay). */
function lastBoundary(spec: RotationSpec, now: DateTime): DateTime {
  let candidate = atHandoff(now, spec);
  if (spec.period === 'weekly') {
    const back = (candidate.weekday - spec.handoffDay + 7) % 7;
    candidate = atHandoff(candidate.minus({ days: back }), spec);
    if (candidate > now) candidate = atHandoff(candidate.minus({ days: 7 }), spec);
  } else if (candidate > now) {
    candidate = atHandoff(candidate.minus({ days: 1 }), spec);
  }
  return candidate;
}

function calendarDays(from: DateTime, to: DateTime): number {
  return Math.round(to.startOf('day').diff(from.startOf('day'), 'days').days);
}

function startOf(spec: RotationSpec): DateTime {
  return atHandoff(DateTime.fromISO(spec.start, { zone: spec.timezone }), spec);
}

function step(spec: RotationSpec): number {
  return spec.period === 'daily' ? 1 : 7;
}

/** The shift running at `at`, or null before the rotation starts. */
function shiftAt(spec: RotationSpec, at: Date): Shift | null {
  const now = DateTime.fromJSDate(at, { zone: spec.timezone });
  const start = startOf(spec);
  if (now < start) return null;
  const last = lastBoundary(spec, now);
  const next = atHandoff(last.plus({ days: step(spec) }), spec);
  if (spec.period === 'daily') return { index: calendarDays(start, last), startedAt: last, endsAt: next };
  // Weekly: a rotation starting mid-week has a short first shift up to the first handoff day.
  const before = lastBoundary(spec, start);
  const first = +before === +start ? start : atHandoff(before.plus({ days: 7 }), spec);
  if (last < start) return { index: 0, startedAt: start, endsAt: first };
  const offset = +first === +start ? 0 : 1;
  return { index: offset + Math.round(calendarDays(first, last) / 7), startedAt: last, endsAt: next };
}

function pick(list: readonly string[], i: number): string {
  const n = list.length;
  return list[((i % n) + n) % n]!;
}

function secondaryOf(spec: RotationSpec, index: number): string | null {
  const primary = pick(spec.members, index);
  const secondary = spec.secondaries?.length ? pick(spec.secondaries, index) : pick(spec.members, index + 1);
  return secondary === primary ? null : secondary;
}

/**
 * Who is on call at `at` for a rotation. Shifts start at `start` (local date at the handoff time) and
 * change at every handoff (daily, or weekly on `handoffDay`), in the local time zone, across DST changes.
 */
export function onCallAt(spec: RotationSpec, at: Date): OnCallNow {
  const shift = shiftAt(spec, at);
  if (!shift) return { current: null, next: pick(spec.members, 0), nextHandoff: startOf(spec).toJSDate() };
  return { current: pick(spec.members, shift.index), next: pick(spec.members, shift.index + 1), nextHandoff: shift.endsAt.toJSDate() };
}

/** Primary and secondary at `at`; an override in effect at `at` makes its person the primary. */
export function onCallWith(spec: RotationSpec, at: Date, override: OverrideWindow | null = null): OnCall {
  const shift = shiftAt(spec, at);
  const active = override && override.startsAt <= at && at < override.endsAt ? override : null;
  const scheduled = shift ? pick(spec.members, shift.index) : null;
  const rotationSecondary = shift ? secondaryOf(spec, shift.index) : null;
  // An override that makes the secondary primary swaps them: the scheduled primary backs them up instead of
  // the secondary being paged twice.
  const secondary = active && active.personId === rotationSecondary && scheduled !== active.personId ? scheduled : rotationSecondary;
  const base = onCallAt(spec, at);
  return { primary: active?.personId ?? scheduled, scheduled, secondary, override: active, next: base.next, nextHandoff: base.nextHandoff };
}

/** The last handoff (or the rotation's start) at or before `at`; null before the rotation starts. */
export function lastHandoffAt(spec: RotationSpec, at: Date): Date | null {
  return shiftAt(spec, at)?.startedAt.toJSDate() ?? null;
}

export function formatLocal(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).toFormat("ccc d LLL HH:mm ZZZZ");
}
