/**
 * DORA metrics from Deckhand's own records: deployment frequency, lead time for changes, change failure
 * rate and time to restore. Pure: the caller passes the records, the window and the time.
 */
import type { Deployment } from '../ports/deployment.port.js';
import type { Incident } from '../ports/incident.port.js';
import { formatDuration } from './duration.js';

/** An incident as DORA needs it: when it opened and resolved, and the deploy it was linked to on opening. */
export type DoraIncident = Pick<Incident, 'id' | 'project' | 'openedAt' | 'resolvedAt' | 'deploymentId'>;

/** A deployment, optionally with its commit time when a store keeps it as a field. */
export type DoraDeployment = Deployment & { committedAt?: Date | null };

export interface DoraWindow {
  days: number;
}

export interface MedianSample {
  medianMs: number;
  samples: number;
}

/** Time to restore: the median, and the 90th percentile once there are enough samples to mean something. */
export interface RestoreSample extends MedianSample {
  p90Ms: number | null;
}

export interface DoraReport {
  from: Date;
  to: Date;
  days: number;
  /** Successful deploys that finished in the window. */
  deploys: number;
  perDay: number;
  perWeek: number;
  /** Commit time → deploy finished, over successful deploys whose commit time is known. */
  leadTime: MedianSample | null;
  /**
   * Finished deploys that failed, were rolled back (automatically, or by a later rollback of the service) or
   * were linked to an incident, over all finished deploys.
   */
  changeFailure: { failed: number; total: number; rate: number } | null;
  /** Incident opened → resolved, over incidents opened in the window and resolved; null without any. */
  timeToRestore: RestoreSample | null;
  /** Incidents opened in the window that are still open (not in the time to restore). */
  openIncidents: number;
}

const DAY_MS = 86_400_000;
const MAX_WINDOW_DAYS = 365;
/** Below this many samples a 90th percentile is just the worst case: it is left out. */
export const P90_MIN_SAMPLES = 10;
const COMMIT_STEP = 'commit time ';

/** `7d`, `30d`, `90d`, `2w` → a window of whole days (1–365); undefined when it is not one. */
export function parseDoraWindow(text: string): DoraWindow | undefined {
  const m = /^(\d{1,3})([dw])$/.exec(text.trim().toLowerCase());
  if (!m) return undefined;
  const days = Number(m[1]) * (m[2] === 'w' ? 7 : 1);
  return days >= 1 && days <= MAX_WINDOW_DAYS ? { days } : undefined;
}

/** The deployment step text that records the commit time (written by the CI webhook receiver). */
export function commitTimeStep(at: Date): string {
  return `${COMMIT_STEP}${at.toISOString()}`;
}

/** Commit time of a deployment: its `committedAt` field, else the commit-time step, else null. */
export function commitTimeOf(d: DoraDeployment): Date | null {
  if (d.committedAt) return d.committedAt;
  const step = d.steps.find((s) => s.text.startsWith(COMMIT_STEP));
  if (!step) return null;
  const at = new Date(step.text.slice(COMMIT_STEP.length).trim());
  return Number.isNaN(at.getTime()) ? null : at;
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile (`p` in (0, 100]); undefined for no values. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}

const sample = (values: number[]): MedianSample | null => {
  const m = median(values);
  return m === undefined ? null : { medianMs: m, samples: values.length };
};

const restoreSample = (values: number[]): RestoreSample | null => {
  const m = sample(values);
  return m && { ...m, p90Ms: values.length >= P90_MIN_SAMPLES ? percentile(values, 90)! : null };
};

const within = (at: Date | null, from: number, to: number): at is Date => at !== null && at.getTime() > from && at.getTime() <= to;
const serviceKey = (d: Deployment) => `${d.project}/${d.env}/${d.service}`;

/** True when a rollback of the same service started after `d` and before the service's next deploy. */
function rolledBackLater(d: Deployment, all: readonly Deployment[]): boolean {
  const key = serviceKey(d);
  const later = all
    .filter((o) => o.id !== d.id && serviceKey(o) === key && o.kind !== 'restart' && o.startedAt.getTime() > d.startedAt.getTime())
    .sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  return later[0]?.kind === 'rollback';
}

function isChangeFailure(d: Deployment, all: readonly Deployment[], linked: ReadonlySet<string>): boolean {
  return d.status === 'failed' || d.status === 'rolled_back' || linked.has(d.id) || rolledBackLater(d, all);
}

/** `median 45m, p90 2h`; the p90 only once there are enough incidents for it. */
export function describeRestore(r: RestoreSample): string {
  return `median ${formatDuration(r.medianMs)}${r.p90Ms === null ? '' : `, p90 ${formatDuration(r.p90Ms)}`}`;
}

/**
 * Computes the four metrics over deploys finished and incidents opened in `(now - window, now]`. `incidents`
 * may hold more (they are filtered); linked incidents make their deploy a change failure.
 */
export function computeDora(
  deployments: readonly DoraDeployment[],
  incidents: readonly DoraIncident[] = [],
  window: DoraWindow,
  now: Date,
): DoraReport {
  const to = now.getTime();
  const from = to - window.days * DAY_MS;
  const finished = deployments.filter((d) => d.kind === 'deploy' && d.status !== 'running' && within(d.finishedAt, from, to));
  const succeeded = finished.filter((d) => d.status === 'succeeded');
  const leadTimes = succeeded.flatMap((d) => {
    const commit = commitTimeOf(d);
    return commit && d.finishedAt && d.finishedAt >= commit ? [d.finishedAt.getTime() - commit.getTime()] : [];
  });
  const linked = new Set(incidents.flatMap((i) => (i.deploymentId ? [i.deploymentId] : [])));
  const failed = finished.filter((d) => isChangeFailure(d, deployments, linked)).length;
  const opened = incidents.filter((i) => within(i.openedAt, from, to));
  const restores = opened.flatMap((i) => (i.resolvedAt ? [Math.max(0, i.resolvedAt.getTime() - i.openedAt.getTime())] : []));
  return {
    from: new Date(from),
    to: new Date(to),
    days: window.days,
    deploys: succeeded.length,
    perDay: succeeded.length / window.days,
    perWeek: (succeeded.length / window.days) * 7,
    leadTime: sample(leadTimes),
    changeFailure: finished.length === 0 ? null : { failed, total: finished.length, rate: failed / finished.length },
    timeToRestore: restoreSample(restores),
    openIncidents: opened.length - restores.length,
  };
}
