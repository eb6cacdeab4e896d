/**
 * Service level objectives and error budgets, as the SRE workbook defines them: an SLI (the share of good
 * events, or of good time slices for a latency objective), an objective over a window (99.9% over 30 days),
 * the error budget (1 − objective), the burn rate (how many times faster than "exactly spent at the end of
 * the window" the budget is being used) and the multi-window, multi-burn-rate alerts. Pure functions.
 */

/** Share of good events: two PromQL expressions whose `{{window}}` becomes the window (`[{{window}}]`). */
export interface RatioSli {
  kind: 'ratio';
  good: string;
  total: string;
}

/**
 * A latency objective as a time-slice SLI: the share of slices (default 1 minute) in which the quantile
 * expression (a `histogram_quantile` template whose `{{window}}` becomes the slice) stayed at or under the
 * threshold.
 */
export interface LatencySli {
  kind: 'latency';
  query: string;
  thresholdMs: number;
  /** What the expression returns: seconds (Prometheus' convention) or milliseconds. */
  unit: 'seconds' | 'milliseconds';
  sliceMs: number;
}

export interface SloSpec {
  name: string;
  /** 0.999 for 99.9%. */
  objective: number;
  /** The SLO window (30 days by default). */
  windowMs: number;
  sli: RatioSli | LatencySli;
}

/** One burn-rate alert: fires when the burn over both windows exceeds `factor`. */
export interface BurnRule {
  /** `page` or `ticket` (the workbook's two kinds); part of the alert's identity. */
  severity: string;
  factor: number;
  longMs: number;
  shortMs: number;
}

/** The SRE workbook's defaults: 2% of a 30-day budget in 1 h pages, 5% in 6 h too (both with a 1/12 short window). */
export const WORKBOOK_BURN_RULES: readonly BurnRule[] = [
  { severity: 'page', factor: 14.4, longMs: 3_600_000, shortMs: 300_000 },
  { severity: 'page', factor: 6, longMs: 6 * 3_600_000, shortMs: 1_800_000 },
];

/** Golden-signal expressions of a service (`status`): each returns one value per series. */
export interface GoldenSignalQueries {
  /** Requests per second. */
  traffic?: string;
  /** Share of failed requests, 0..1. */
  errors?: string;
  /** p99 latency in seconds. */
  latency?: string;
  /** Share of the scarcest resource in use, 0..1. */
  saturation?: string;
}

/** The error budget as a share of all events (or slices): 0.001 for 99.9%. */
export const budgetShare = (objective: number): number => 1 - objective;

/** How many times faster than sustainable the budget burns at this error ratio. */
export const burnRate = (errorRatio: number, objective: number): number => errorRatio / budgetShare(objective);

/** Share of the window's budget left (negative when overspent). */
export const budgetLeft = (errorRatioOverWindow: number, objective: number): number => 1 - burnRate(errorRatioOverWindow, objective);

/** The whole window's budget in minutes of full outage: 43.2 for 99.9% over 30 days. */
export const budgetMinutes = (objective: number, windowMs: number): number => (budgetShare(objective) * windowMs) / 60_000;

/** How long until what is left of the budget is gone at this burn rate; undefined when it is not burning. */
export function exhaustionMs(left: number, burn: number, windowMs: number): number | undefined {
  if (!(burn > 0) || !Number.isFinite(burn)) return burn === Infinity ? 0 : undefined;
  return Math.max(0, left) * (windowMs / burn);
}

/** The rules whose long and short windows both burn above the rule's factor. */
export function firingRules(rules: readonly BurnRule[], burnOver: (windowMs: number) => number | undefined): BurnRule[] {
  return rules.filter((r) => {
    const long = burnOver(r.longMs);
    const short = burnOver(r.shortMs);
    return long !== undefined && short !== undefined && long > r.factor && short > r.factor;
  });
}

/** `30d`, `1h`, `5m`, `90s`: a PromQL duration (largest unit that divides the time exactly). */
export function promDuration(ms: number): string {
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  for (const [u, size] of units) if (ms % size === 0 && ms >= size) return `${ms / size}${u}`;
  return `${Math.max(1, Math.round(ms))}ms`;
}

/** `2 days`, `5 hours`, `40 minutes`, `30 seconds`: rounded to the largest unit, for a sentence. */
export function inWords(ms: number): string {
  const units: [string, number][] = [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
    ['second', 1000],
  ];
  for (const [u, size] of units) {
    if (ms >= size) {
      const n = Math.round(ms / size);
      return `${n} ${u}${n === 1 ? '' : 's'}`;
    }
  }
  return 'under a second';
}

/** "30-day" for a window of 30 days, "10-minute" for a test window. */
export function windowAdjective(windowMs: number): string {
  return inWords(windowMs).replace(/s$/, '').replace(' ', '-');
}

/**
 * "At this rate the 30-day error budget is gone in 2 days" (what is left of it; the whole budget when
 * unknown), "The 30-day error budget is spent; at this rate a whole one lasts 2 days", or not burning.
 */
export function burnSentence(windowMs: number, left: number | undefined, burn: number): string {
  const budget = `the ${windowAdjective(windowMs)} error budget`;
  const whole = exhaustionMs(1, burn, windowMs);
  if (whole === undefined) return `${capital(budget)} is not burning`;
  if (left !== undefined && left <= 0) return `${capital(budget)} is spent; at this rate a whole one lasts ${inWords(whole)}`;
  return `At this rate ${budget} is gone in ${inWords(exhaustionMs(left ?? 1, burn, windowMs)!)}`;
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** `99.9%`, `99.95%`, `12.5%`: a share as a percentage with up to `digits` decimals. */
export function percent(share: number, digits = 2): string {
  const factor = 10 ** digits;
  return `${(Math.round(share * 100 * factor) / factor).toString()}%`;
}

/** `14.4x`, `0.52x`. */
export const times = (burn: number): string => `${burn >= 10 ? Math.round(burn * 10) / 10 : Math.round(burn * 100) / 100}x`;

/**
 * The burn-down of a window's budget from per-interval error ratios and weights (events per interval; 1 for
 * time slices): the share of the whole window's budget left after each interval, from 100% down.
 */
export function budgetBurnDown(intervals: readonly { errorRatio: number | undefined; weight: number }[], objective: number): number[] {
  const total = intervals.reduce((n, i) => n + (i.errorRatio === undefined ? 0 : i.weight), 0);
  let spent = 0;
  return intervals.map((i) => {
    if (i.errorRatio !== undefined && total > 0) spent += (i.errorRatio * i.weight) / total;
    return 1 - spent / budgetShare(objective);
  });
}
