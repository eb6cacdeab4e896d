/**
 * DORA metrics from Deckhand's own records: deployment frequency, lead time for changes, change failure
 * rate and time to restore. Pure: the caller passes the records, the window and the time.
 */
import type { Deployment } from '../ports/deployment.port.js';

/** An incident as DORA needs it (the incident store is not built yet; any store can map to this). */
export interface DoraIncident {
  id: string;
  project: string;
  openedAt: Date;
  resolvedAt: Date | null;
  /** Deployments the incident was linked to (a deploy finished shortly before it opened). */
  deploymentIds: string[];
}

/** A deployment, optionally with its commit time when a store keeps it as a field. */
export type DoraDeployment = Deployment & { committedAt?: Date | null };

export interface DoraWindow {
  days: number;
}

export interface MedianSample {
  medianMs: number;
  samples: number;
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
  /** Finished deploys that failed, were rolled back or caused an incident, over all finished deploys. */
  changeFailure: { failed: number; total: number; rate: number } | null;
  /** Incident opened → resolved, over incidents resolved in the window; null without incidents. */
  timeToRestore: MedianSample | null;
}

const DAY_MS = 86_400_000;
const MAX_WINDOW_DAYS = 365;
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

const sample = (values: number[]): MedianSample | null => {
  const m = median(values);
  return m === undefined ? null : { medianMs: m, samples: values.length };
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

/** Computes the four metrics over deploys finished (and incidents resolved) in `(now - window, now]`. */
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
  const linked = new Set(incidents.flatMap((i) => i.deploymentIds));
  const failed = finished.filter((d) => isChangeFailure(d, deployments, linked)).length;
  const restores = incidents.filter((i) => within(i.resolvedAt, from, to)).map((i) => i.resolvedAt!.getTime() - i.openedAt.getTime());
  return {
    from: new Date(from),
    to: new Date(to),
    days: window.days,
    deploys: succeeded.length,
    perDay: succeeded.length / window.days,
    perWeek: (succeeded.length / window.days) * 7,
    leadTime: sample(leadTimes),
    changeFailure: finished.length === 0 ? null : { failed, total: finished.length, rate: failed / finished.length },
    timeToRestore: sample(restores),
  };
}
