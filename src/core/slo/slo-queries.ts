/**
 * The PromQL the SLO features send, built from the configured templates: `{{window}}` in a template becomes
 * a PromQL duration (`[{{window}}]` → `[1h]`). Every expression is aggregated to one series (sum for event
 * counts, max for a latency quantile), so label sets of the good and total expressions never need to match.
 */
import { promDuration, type GoldenSignalQueries, type SloSpec } from '../domain/slo.js';

const WINDOW = /\{\{\s*window\s*\}\}/g;

/** The template with its window placeholder filled in. */
export const withWindow = (template: string, windowMs: number): string => template.replace(WINDOW, promDuration(windowMs));

/** The SLI's error ratio over the window (0..1; NaN or no series when there were no events). */
export function errorRatioQuery(slo: SloSpec, windowMs: number): string {
  const { sli } = slo;
  if (sli.kind === 'ratio') {
    return `1 - (sum(${withWindow(sli.good, windowMs)}) / sum(${withWindow(sli.total, windowMs)}))`;
  }
  const threshold = sli.unit === 'seconds' ? sli.thresholdMs / 1000 : sli.thresholdMs;
  const slice = Math.min(sli.sliceMs, windowMs);
  return `1 - avg_over_time((max(${withWindow(sli.query, slice)}) <= bool ${threshold})[${promDuration(windowMs)}:${promDuration(slice)}])`;
}

/** How much each interval weighs in the budget: its events (ratio SLI); undefined: every slice weighs the same. */
export function weightQuery(slo: SloSpec, windowMs: number): string | undefined {
  return slo.sli.kind === 'ratio' ? `sum(${withWindow(slo.sli.total, windowMs)})` : undefined;
}

export type GoldenSignal = keyof GoldenSignalQueries;

export const GOLDEN_SIGNALS: readonly GoldenSignal[] = ['traffic', 'errors', 'latency', 'saturation'];
