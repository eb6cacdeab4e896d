/**
 * Measures one SLO: its error ratio over the SLO window (attainment, budget left) and over every window the
 * burn-rate rules name, all queried at once. A window without events (no traffic) has no burn rate.
 */
import type { ServiceSpec } from '../domain/catalog.js';
import { budgetLeft, budgetMinutes, burnRate, firingRules, type BurnRule, type SloSpec } from '../domain/slo.js';
import type { TimeSeriesSource } from '../ports/timeseries.port.js';
import { errorRatioQuery } from './slo-queries.js';

/** What the SLO features need: where to query, the burn-rate rules and how long a query may take. */
export interface SloServices {
  source: TimeSeriesSource;
  /** Multi-window, multi-burn-rate alert rules (the workbook's by default). */
  burnRules: readonly BurnRule[];
  /** Per query of `slo` and of the burn-rate job. */
  timeoutMs: number;
  /** Per query of `status` (short: status must answer fast when the server is down). */
  statusTimeoutMs: number;
}

export interface SloAssessment {
  service: ServiceSpec;
  slo: SloSpec;
  /** Share of good events (or slices) over the SLO window; undefined without events. */
  attainment: number | undefined;
  /** Share of the window's budget left (negative when overspent); undefined without events. */
  left: number | undefined;
  /** The window's whole budget, in minutes. */
  budgetMinutes: number;
  /** Burn rate by window length (ms); a window without events is absent. */
  burns: Map<number, number>;
  /** The rules whose both windows burn above their factor. */
  firing: BurnRule[];
}

/** The burn-rate windows: every rule's long and short window, each once. */
export const ruleWindows = (rules: readonly BurnRule[]): number[] => [...new Set(rules.flatMap((r) => [r.longMs, r.shortMs]))].sort((a, b) => a - b);

/** The error ratio over a window at `at`: undefined when there were no events (NaN, no series). */
export async function errorRatio(source: TimeSeriesSource, slo: SloSpec, windowMs: number, at: Date, timeoutMs: number): Promise<number | undefined> {
  const samples = await source.instant(errorRatioQuery(slo, windowMs), at, { timeoutMs });
  const value = samples[0]?.value;
  if (value === undefined || !Number.isFinite(value)) return undefined;
  return Math.min(1, Math.max(0, value));
}

export async function assessSlo(deps: Pick<SloServices, 'source' | 'burnRules' | 'timeoutMs'>, service: ServiceSpec, slo: SloSpec, at: Date): Promise<SloAssessment> {
  const windows = ruleWindows(deps.burnRules);
  const [whole, ...ratios] = await Promise.all([slo.windowMs, ...windows].map((w) => errorRatio(deps.source, slo, w, at, deps.timeoutMs)));
  const burns = new Map<number, number>();
  windows.forEach((w, i) => {
    const r = ratios[i];
    if (r !== undefined) burns.set(w, burnRate(r, slo.objective));
  });
  return {
    service,
    slo,
    attainment: whole === undefined ? undefined : 1 - whole,
    left: whole === undefined ? undefined : budgetLeft(whole, slo.objective),
    budgetMinutes: budgetMinutes(slo.objective, slo.windowMs),
    burns,
    firing: firingRules(deps.burnRules, (w) => burns.get(w)),
  };
}
