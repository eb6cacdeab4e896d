/**
 * The health score of one service: 100 minus what each signal costs, every signal capped at its weight.
 * The weights and how each signal is scaled live here and nowhere else; the `health` command, the morning
 * report and the docs (docs/health.md) all follow this table. Pure: the caller reads the signals.
 */
import { formatDuration } from '../domain/duration.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Each signal's weight (the most points it can cost; they add up to 100) and how it is scaled. */
export const HEALTH_WEIGHTS = {
  /** Restarts in 7 days: `perRestart` points each. */
  restarts: { weight: 15, perRestart: 3 },
  /** Time unhealthy in 7 days: `perHour` points per hour. */
  unhealthy: { weight: 15, perHour: 5 },
  /** Incidents opened in 30 days: `perIncident` points each. */
  incidents: { weight: 15, perIncident: 5 },
  /** Median time to restore in 30 days (an incident still open counts as not restored): points from this table. */
  restore: { weight: 10, steps: [{ overMs: 4 * HOUR_MS, points: 10 }, { overMs: HOUR_MS, points: 6 }, { overMs: 30 * 60_000, points: 3 }] },
  /** Change failure rate of the deploys of 30 days: the rate times `perRate`. */
  changeFailure: { weight: 15, perRate: 30 },
  /** Age of the running image past `freeDays`: one point per `daysPerPoint`. */
  imageAge: { weight: 10, freeDays: 30, daysPerPoint: 15 },
  /** Running a version that a newer successful deploy in another environment has replaced. */
  superseded: { weight: 10 },
  /** Share of the SLO's error budget spent (the worst SLO of the service) times the weight. */
  slo: { weight: 10 },
} as const;

export type HealthSignal = keyof typeof HEALTH_WEIGHTS;

/** Each signal's name in one word or two, for the reply's compact lines and the weights line. */
export const SIGNAL_NAMES: Record<HealthSignal, string> = {
  restarts: 'restarts',
  unhealthy: 'unhealthy',
  incidents: 'incidents',
  restore: 'restore',
  changeFailure: 'failed deploys',
  imageAge: 'image age',
  superseded: 'behind',
  slo: 'SLO',
};

/** Below this a service is listed in the morning report. */
export const HEALTH_ATTENTION_BELOW = 70;

/** What the score is computed from; a signal left undefined was not measured and costs nothing. */
export interface HealthSignals {
  /** The cost sampler's readings over the 7 days; undefined when it has none of the service. */
  usage?: { restarts: number; unhealthySeconds: number; imageCreatedAt: Date | null };
  /** Incidents of the service opened in the 30 days, and the median restore time of the resolved ones. */
  incidents: { opened: number; stillOpen: number; restoreMedianMs: number | null };
  /** Finished deploys of the 30 days and how many of them failed; null without any. */
  changeFailure: { failed: number; total: number } | null;
  /** The environment whose newer successful deploy replaced the version running here. */
  superseded: { env: string; running: string; newer: string } | null;
  /**
   * Each configured SLO's share of error budget left (1 = untouched, ≤ 0 = spent); undefined: no SLO or no
   * events to measure; `unavailable`: the metrics server did not answer.
   */
  slos?: { name: string; left: number }[] | 'unavailable';
}

export interface Deduction {
  signal: HealthSignal;
  weight: number;
  points: number;
  /** Why it cost points, short: `5 restarts in 7 days`. */
  reason: string;
  /** What to do about it, as an instruction. */
  action: string;
}

export interface HealthScore {
  score: number;
  /** The signals that cost points, most points first. */
  deductions: Deduction[];
  /** Signals that were not measured (so cost nothing): `restarts`, `image age`, … */
  unmeasured: string[];
}

const capped = (signal: HealthSignal, points: number) => Math.min(HEALTH_WEIGHTS[signal].weight, Math.max(0, Math.round(points)));
const pct = (share: number) => `${Math.round(share * 100)}%`;
const times = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function restorePoints(medianMs: number): number {
  return HEALTH_WEIGHTS.restore.steps.find((s) => medianMs > s.overMs)?.points ?? 0;
}

/** The service's score from its signals at `at` (image age is measured against it). */
export function scoreHealth(s: HealthSignals, at: Date, target: { project: string; env: string; service: string }): HealthScore {
  const w = HEALTH_WEIGHTS;
  const { project, service, env } = target;
  const found: Omit<Deduction, 'weight'>[] = [];
  const unmeasured: string[] = [];
  const add = (d: Omit<Deduction, 'weight' | 'points'> & { points: number }) => {
    const points = capped(d.signal, d.points);
    if (points > 0) found.push({ ...d, points });
  };

  if (s.usage) {
    const { restarts, unhealthySeconds, imageCreatedAt } = s.usage;
    add({ signal: 'restarts', points: restarts * w.restarts.perRestart, reason: `${times(restarts, 'restart')} in 7 days`, action: `find why ${service} restarts: logs ${service} ${env} --previous` });
    add({
      signal: 'unhealthy',
      points: (unhealthySeconds / 3600) * w.unhealthy.perHour,
      reason: `unhealthy for ${formatDuration(unhealthySeconds * 1000)} in 7 days`,
      action: `look at ${service}'s health check: logs ${service} ${env}`,
    });
    if (imageCreatedAt) {
      const days = Math.floor((at.getTime() - imageCreatedAt.getTime()) / DAY_MS);
      add({ signal: 'imageAge', points: Math.floor((days - w.imageAge.freeDays) / w.imageAge.daysPerPoint), reason: `image built ${days} days ago`, action: `rebuild ${service}'s image (base image and dependencies)` });
    } else unmeasured.push('image age');
  } else unmeasured.push('restarts', 'unhealthy time', 'image age');

  const inc = s.incidents;
  add({ signal: 'incidents', points: inc.opened * w.incidents.perIncident, reason: `${times(inc.opened, 'incident')} in 30 days`, action: `review ${service}'s incidents of the last 30 days` });
  if (inc.restoreMedianMs !== null) {
    add({ signal: 'restore', points: restorePoints(inc.restoreMedianMs), reason: `median time to restore ${formatDuration(inc.restoreMedianMs)}`, action: `shorten ${service}'s time to restore (runbook, alerts, rollback)` });
  }
  if (inc.stillOpen > 0) {
    add({ signal: 'restore', points: w.restore.weight, reason: `${times(inc.stillOpen, 'incident')} still open`, action: `resolve the open incident of ${service}` });
  }

  if (s.changeFailure) {
    const rate = s.changeFailure.failed / s.changeFailure.total;
    add({
      signal: 'changeFailure',
      points: rate * w.changeFailure.perRate,
      reason: `${s.changeFailure.failed} of ${times(s.changeFailure.total, 'deploy')} failed (${pct(rate)})`,
      action: `find why ${service}'s deploys fail: deploys ${project} ${env}`,
    });
  }

  if (s.superseded) {
    const { env: from, running, newer } = s.superseded;
    add({ signal: 'superseded', points: w.superseded.weight, reason: `runs ${running}, ${from} replaced it with ${newer}`, action: `bring ${service} up to ${newer}: promote ${project} ${from} ${env} ${service}` });
  }

  if (s.slos === 'unavailable') unmeasured.push('SLO');
  else if (s.slos && s.slos.length > 0) {
    const worst = s.slos.reduce((a, b) => (b.left < a.left ? b : a));
    const spent = Math.min(1, 1 - worst.left);
    add({
      signal: 'slo',
      points: spent * w.slo.weight,
      reason: worst.left <= 0 ? `SLO ${worst.name}: error budget spent` : `SLO ${worst.name}: ${pct(worst.left)} of error budget left`,
      action: `slow down changes to ${service} until its ${worst.name} budget recovers`,
    });
  }

  // Two deductions of one signal (a slow restore and an incident still open) count once: the larger.
  const bySignal = new Map<HealthSignal, Omit<Deduction, 'weight'>>();
  for (const d of found) if ((bySignal.get(d.signal)?.points ?? -1) < d.points) bySignal.set(d.signal, d);
  const deductions = [...bySignal.values()].map((d) => ({ ...d, weight: w[d.signal].weight })).sort((a, b) => b.points - a.points);
  const score = 100 - deductions.reduce((sum, d) => sum + d.points, 0);
  return { score, deductions, unmeasured };
}

/** The most urgent actions across services: the largest deductions first, then the lowest score. */
export function urgentActions(scored: readonly { label: string; health: HealthScore }[], count = 3): string[] {
  return scored
    .flatMap((s) => s.health.deductions.map((d) => ({ d, score: s.health.score, label: s.label })))
    .sort((a, b) => b.d.points - a.d.points || a.score - b.score)
    .slice(0, count)
    .map(({ d, label }) => `${label}: ${d.action} (${d.reason}, -${d.points})`);
}
