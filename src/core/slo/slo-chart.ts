/**
 * The chart of the `slo` reply: how much of each SLO's error budget was left over its window, as a burn-down
 * from 100% at the window's start to what is left now, in 30 steps. One range query of the error ratio per
 * step interval (and, for an event SLI, of the events per interval, so a busy hour weighs more than a quiet one).
 */
import { budgetBurnDown, promDuration } from '../domain/slo.js';
import type { ChartSpec } from '../messages/reply.js';
import type { RangeSeries } from '../ports/timeseries.port.js';
import type { SloAssessment, SloServices } from './slo-assessment.js';
import { errorRatioQuery, weightQuery } from './slo-queries.js';

export const CHART_POINTS = 30;
/** Series in one chart at most (one per SLO). */
const MAX_SERIES = 6;

const pad = (n: number) => String(n).padStart(2, '0');

/** `11-02` for daily steps, `14:05` (UTC) for shorter ones. */
function label(at: Date, stepMs: number): string {
  return stepMs >= 86_400_000 ? `${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}` : `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}`;
}

/** The values of the first series at each of the `count` steps from `start` (undefined where it has none). */
function byStep(series: RangeSeries[], start: number, stepMs: number, count: number): (number | undefined)[] {
  const out: (number | undefined)[] = Array.from({ length: count }, () => undefined);
  for (const p of series[0]?.points ?? []) {
    const i = Math.round((p.at.getTime() - start) / stepMs);
    if (i >= 0 && i < count && Number.isFinite(p.value)) out[i] = p.value;
  }
  return out;
}

/**
 * The burn-down chart of the SLOs sharing the first one's window; undefined when there is nothing to draw.
 * Query failures leave the chart out (the text of the reply says what is known).
 */
export async function budgetChart(deps: Pick<SloServices, 'source' | 'timeoutMs'>, assessed: readonly SloAssessment[], now: Date): Promise<ChartSpec | undefined> {
  const first = assessed[0];
  if (!first) return undefined;
  const windowMs = first.slo.windowMs;
  const stepMs = Math.max(1000, Math.floor(windowMs / CHART_POINTS));
  const start = now.getTime() - stepMs * (CHART_POINTS - 1);
  const shown = assessed.filter((a) => a.slo.windowMs === windowMs).slice(0, MAX_SERIES);
  const options = { timeoutMs: deps.timeoutMs };
  const series = await Promise.all(
    shown.map(async (a) => {
      try {
        const weight = weightQuery(a.slo, stepMs);
        const [ratios, weights] = await Promise.all([
          deps.source.range(errorRatioQuery(a.slo, stepMs), new Date(start), now, stepMs, options),
          weight ? deps.source.range(weight, new Date(start), now, stepMs, options) : Promise.resolve(undefined),
        ]);
        const e = byStep(ratios, start, stepMs, CHART_POINTS);
        const w = weights ? byStep(weights, start, stepMs, CHART_POINTS) : undefined;
        const left = budgetBurnDown(
          e.map((errorRatio, i) => ({ errorRatio: errorRatio === undefined ? undefined : Math.min(1, Math.max(0, errorRatio)), weight: w ? (w[i] ?? 0) : 1 })),
          a.slo.objective,
        );
        return { name: `${a.service.name} ${a.slo.name}`, values: left.map((v) => Math.round(v * 1000) / 10) };
      } catch {
        return undefined;
      }
    }),
  );
  const drawn = series.filter((s): s is NonNullable<typeof s> => s !== undefined);
  if (drawn.length === 0) return undefined;
  return {
    kind: 'line',
    title: `Error budget left over ${promDuration(windowMs)}`,
    labels: Array.from({ length: CHART_POINTS }, (_, i) => label(new Date(start + i * stepMs), stepMs)),
    series: drawn,
    unit: '%',
  };
}
