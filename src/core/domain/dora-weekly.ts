/**
 * Deploys per calendar week (ISO weeks, Monday 00:00 UTC), for the `dora` chart. Pure: the caller passes the
 * finished deployments, the time and whether the store's answer was cut at its limit.
 */
import type { ChartSpec } from '../messages/reply.js';
import type { Deployment } from '../ports/deployment.port.js';

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
export const DORA_CHART_WEEKS = 8;

export interface WeeklyDeploys {
  /** Monday of each week (UTC), oldest first; the last one is the current week, still running. */
  weekStarts: Date[];
  /** Successful deploys finished in each week; null where the records read may not cover the whole week. */
  succeeded: (number | null)[];
  /** Deploys that failed or were rolled back, per week; null as above. */
  failed: (number | null)[];
}

/** Monday 00:00 UTC of the week `at` falls in. */
export function weekStart(at: Date): Date {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return new Date(day.getTime() - sinceMonday * DAY_MS);
}

/** The first instant of the oldest week of a chart of `weeks` weeks ending with the current one. */
export function weeklyFrom(now: Date, weeks = DORA_CHART_WEEKS): Date {
  return new Date(weekStart(now).getTime() - (weeks - 1) * WEEK_MS);
}

/**
 * Counts finished deploys (kind `deploy`) per week over the `weeks` weeks up to `now`. When `truncated`
 * (the store returned as many rows as it was asked for: older rows may be missing), weeks at or before the
 * oldest record read are gaps (null) rather than counts that are too low.
 */
export function weeklyDeploys(deployments: readonly Deployment[], now: Date, opts: { weeks?: number; truncated?: boolean } = {}): WeeklyDeploys {
  const weeks = opts.weeks ?? DORA_CHART_WEEKS;
  const from = weeklyFrom(now, weeks).getTime();
  const weekStarts = Array.from({ length: weeks }, (_, i) => new Date(from + i * WEEK_MS));
  const succeeded: (number | null)[] = weekStarts.map(() => 0);
  const failed: (number | null)[] = weekStarts.map(() => 0);
  let oldest = Infinity;
  for (const d of deployments) {
    if (d.kind !== 'deploy' || d.status === 'running' || !d.finishedAt) continue;
    const at = d.finishedAt.getTime();
    oldest = Math.min(oldest, at);
    if (at < from || at > now.getTime()) continue;
    const i = Math.floor((at - from) / WEEK_MS);
    const counts = d.status === 'succeeded' ? succeeded : failed;
    counts[i] = (counts[i] ?? 0) + 1;
  }
  if (opts.truncated && oldest !== Infinity) {
    weekStarts.forEach((start, i) => {
      if (start.getTime() <= oldest) {
        succeeded[i] = null;
        failed[i] = null;
      }
    });
  }
  return { weekStarts, succeeded, failed };
}

const monthDay = (d: Date) => d.toISOString().slice(5, 10);

/** The chart of `weeklyDeploys`: bars per week, succeeded beside failed or rolled back. */
export function weeklyDeploysChart(project: string, w: WeeklyDeploys): ChartSpec {
  return {
    kind: 'bar',
    title: `Deploys per week, ${project}`,
    labels: w.weekStarts.map(monthDay),
    series: [
      { name: 'succeeded', values: w.succeeded },
      { name: 'failed or rolled back', values: w.failed },
    ],
    unit: 'deploys',
  };
}
