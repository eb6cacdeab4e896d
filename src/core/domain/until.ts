/**
 * The end times people type for on-call overrides (`until 18:00`, `until tomorrow 09:00`,
 * `until 2026-11-24 09:00`, `until 4h`), parsed without a clock and resolved later in a time zone.
 */
import { DateTime } from 'luxon';
import { parseDuration } from './duration.js';

export type UntilSpec =
  /** A duration from now. */
  | { kind: 'in'; ms: number }
  /** A local time today (tomorrow when already past) or tomorrow. */
  | { kind: 'at'; tomorrow: boolean; hour: number; minute: number }
  /** A local date and time. */
  | { kind: 'on'; year: number; month: number; day: number; hour: number; minute: number };

export const UNTIL_EXAMPLES = '18:00, tomorrow 09:00, 2026-11-24 09:00, 4h or 90m';

const CLOCK = /^([01]?\d|2[0-3]):([0-5]\d)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether a word starts a two-word time (`tomorrow HH:MM`, `YYYY-MM-DD HH:MM`). */
export function startsTwoWordTime(word: string | undefined): boolean {
  return word !== undefined && (word.toLowerCase() === 'tomorrow' || DATE.test(word));
}

/** Parses the words after `until`; undefined when they are not one of the accepted forms. */
export function parseUntil(text: string): UntilSpec | undefined {
  const words = text.trim().split(/\s+/);
  if (words.length === 1) {
    const ms = parseDuration(words[0]!);
    if (ms !== undefined) return { kind: 'in', ms };
    const clock = CLOCK.exec(words[0]!);
    return clock ? { kind: 'at', tomorrow: false, hour: Number(clock[1]), minute: Number(clock[2]) } : undefined;
  }
  if (words.length !== 2) return undefined;
  const clock = CLOCK.exec(words[1]!);
  if (!clock) return undefined;
  const [hour, minute] = [Number(clock[1]), Number(clock[2])];
  if (words[0]!.toLowerCase() === 'tomorrow') return { kind: 'at', tomorrow: true, hour, minute };
  const date = DATE.exec(words[0]!);
  if (!date) return undefined;
  return { kind: 'on', year: Number(date[1]), month: Number(date[2]), day: Number(date[3]), hour, minute };
}

/** The instant meant, in `zone`; undefined for a date that does not exist (2026-02-30). */
export function resolveUntil(spec: UntilSpec, now: Date, zone: string): Date | undefined {
  if (spec.kind === 'in') return new Date(now.getTime() + spec.ms);
  const local = DateTime.fromJSDate(now, { zone });
  const time = { hour: spec.hour, minute: spec.minute, second: 0, millisecond: 0 };
  if (spec.kind === 'on') {
    const at = DateTime.fromObject({ year: spec.year, month: spec.month, day: spec.day, ...time }, { zone });
    return at.isValid ? at.toJSDate() : undefined;
  }
  const today = local.set(time);
  const day = spec.tomorrow || today <= local ? local.plus({ days: 1 }).set(time) : today;
  return day.toJSDate();
}
