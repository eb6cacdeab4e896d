/**
 * The time range of `logs <project> <env>`: `--since 15m` (up to now) or `--at 14:23 [--window 2m]` (the
 * moment ± the window). A clock time is read in the project's time zone (domain/time-zone.ts, as the
 * confirm prompt does) and means the last such moment: `--at 23:50` typed at
 * 00:10 is yesterday's.
 */
import { DateTime } from 'luxon';
import { formatDuration, parseDuration } from '../domain/duration.js';

export const DEFAULT_SINCE_MS = 15 * 60_000;
export const MAX_SINCE_MS = 24 * 3_600_000;
export const DEFAULT_WINDOW_MS = 2 * 60_000;
export const MAX_WINDOW_MS = 30 * 60_000;

export const AT_EXAMPLES = '14:23, 14:23:05, 2026-12-02 14:23 or 2026-12-02T14:23';

export type MomentSpec =
  | { kind: 'clock'; hour: number; minute: number; second: number }
  | { kind: 'date'; year: number; month: number; day: number; hour: number; minute: number; second: number };

const CLOCK = /^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T]([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;

/** Parses what follows `--at`; undefined when it is none of AT_EXAMPLES. */
export function parseMoment(text: string): MomentSpec | undefined {
  const t = text.trim();
  const clock = CLOCK.exec(t);
  if (clock) return { kind: 'clock', hour: Number(clock[1]), minute: Number(clock[2]), second: Number(clock[3] ?? 0) };
  const d = DATE_TIME.exec(t);
  if (!d) return undefined;
  return { kind: 'date', year: Number(d[1]), month: Number(d[2]), day: Number(d[3]), hour: Number(d[4]), minute: Number(d[5]), second: Number(d[6] ?? 0) };
}

/** The instant meant, in `zone`; a clock time is the latest one not after now; undefined for a date that does not exist. */
export function resolveMoment(spec: MomentSpec, now: Date, zone: string): Date | undefined {
  const time = { hour: spec.hour, minute: spec.minute, second: spec.second, millisecond: 0 };
  if (spec.kind === 'date') {
    const at = DateTime.fromObject({ year: spec.year, month: spec.month, day: spec.day, ...time }, { zone });
    return at.isValid && at.year === spec.year && at.month === spec.month && at.day === spec.day ? at.toJSDate() : undefined;
  }
  const local = DateTime.fromJSDate(now, { zone });
  const today = local.set(time);
  return (today > local ? today.minus({ days: 1 }) : today).toJSDate();
}

/** A `--since` / `--window` value within its bound, or the sentence saying what is accepted. */
export function boundedDuration(text: string, max: number): { ok: true; ms: number } | { ok: false; problem: string } {
  const ms = parseDuration(text);
  if (ms === undefined) return { ok: false, problem: 'must be a duration such as 30s, 10m or 2h' };
  if (ms > max) return { ok: false, problem: `must be at most ${formatDuration(max)}` };
  return { ok: true, ms };
}

export interface LogWindow {
  since: Date;
  /** End of the range; now when unset. */
  until?: Date;
  /** The moment asked for with --at. */
  around?: Date;
}

export function sinceWindow(now: Date, sinceMs: number): LogWindow {
  return { since: new Date(now.getTime() - sinceMs) };
}

export function aroundWindow(at: Date, windowMs: number): LogWindow {
  return { since: new Date(at.getTime() - windowMs), until: new Date(at.getTime() + windowMs), around: at };
}

/**
 * At most `cap` lines of a time-ordered list: the newest ones, or with a moment the ones nearest it
 * (as many before as after where both sides have enough).
 */
export function capLines<T extends { at?: Date | undefined }>(lines: readonly T[], cap: number, around?: Date): T[] {
  if (lines.length <= cap) return [...lines];
  if (!around) return lines.slice(-cap);
  const t = around.getTime();
  let pivot = lines.findIndex((l) => (l.at?.getTime() ?? 0) >= t);
  if (pivot === -1) pivot = lines.length;
  let start = Math.max(0, pivot - Math.floor(cap / 2));
  start = Math.min(start, lines.length - cap);
  return lines.slice(start, start + cap);
}
