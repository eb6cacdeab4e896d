/**
 * Where deploys and incidents meet: which environments an incident concerns, and the timeline entries for
 * the deploy an opening incident is linked to, for Deckhand's own actions and for CI deploys recorded while
 * an incident is open. Pure: the stores are read and written by the callers.
 */
import type { Deployment } from '../ports/deployment.port.js';
import type { Incident, IncidentAlert, TimelineEntry } from '../ports/incident.port.js';
import type { ActionPlan } from '../ports/pending-action.port.js';
import { formatDuration } from './duration.js';

/**
 * Kinds an incident can be linked to: deploys and rollbacks change what runs (Deckhand's own and CI's);
 * a restart does not, so it is never the suspect.
 */
export const LINKABLE_KINDS: readonly Deployment['kind'][] = ['deploy', 'rollback'];

/**
 * The environments named by the env label of the firing alerts; undefined (any environment of the project)
 * when a firing alert names none, since the incident may then concern any of them.
 */
export function alertEnvs(alerts: readonly IncidentAlert[], envLabel: string): string[] | undefined {
  const firing = alerts.filter((a) => a.status === 'firing');
  const envs = firing.map((a) => a.labels[envLabel]);
  if (envs.length === 0 || envs.some((e) => !e)) return undefined;
  return [...new Set(envs as string[])];
}

/** True when an alert of the incident names one of `envs`, or no alert names an environment at all. */
export function incidentInEnvs(incident: Pick<Incident, 'alerts'>, envs: readonly string[], envLabel: string): boolean {
  const named = incident.alerts.flatMap((a) => (a.labels[envLabel] ? [a.labels[envLabel]] : []));
  return named.length === 0 || named.some((e) => envs.includes(e));
}

/** `deploy of api 1.4.2 to shop/prod`, `rollback of api to 1.4.1 in shop/prod`, `restart of api in shop/prod`. */
function change(kind: Deployment['kind'], services: string, target: string): string {
  if (kind === 'rollback') return `rollback of ${services} in ${target}`;
  if (kind === 'restart') return `restart of ${services} in ${target}`;
  return `deploy of ${services} to ${target}`;
}

const versioned = (kind: Deployment['kind'], service: string, version: string) =>
  kind === 'restart' ? service : kind === 'rollback' ? `${service} to ${version}` : `${service} ${version}`;

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Who asked for a deployment: a person's name, or the CI login for external records (`github:alice` → `alice via CI`). */
export function requesterOf(d: Pick<Deployment, 'requestedBy' | 'source'>, nameOf: (personId: string) => string): string {
  return d.source === 'external' ? `${d.requestedBy.replace(/^github:/, '')} via CI` : nameOf(d.requestedBy);
}

const ENDED: Record<Deployment['status'], string> = {
  running: 'running',
  succeeded: 'finished',
  failed: 'failed',
  rolled_back: 'failed and was rolled back',
};

/** "Linked to deploy of api 1.4.2 to shop/prod by Alice, finished 12m before" (at the incident's opening). */
export function linkEntry(d: Deployment, openedAt: Date, nameOf: (personId: string) => string): TimelineEntry {
  const what = change(d.kind, versioned(d.kind, d.service, d.version), `${d.project}/${d.env}`);
  const before = formatDuration(openedAt.getTime() - (d.finishedAt ?? openedAt).getTime());
  return { at: openedAt, kind: 'deploy', text: `${LINK_PREFIX}${what} by ${requesterOf(d, nameOf)}, ${ENDED[d.status]} ${before} before`, by: null };
}

const LINK_PREFIX = 'Linked to ';

/**
 * The entry of the deploy the incident is linked to, if any. CI deploys recorded while the incident is open
 * are 'deploy' entries too, so the link entry is found by its text, not by being the last 'deploy' entry.
 */
export function linkedDeployEntry(incident: Pick<Incident, 'deploymentId' | 'timeline'>): TimelineEntry | undefined {
  if (!incident.deploymentId) return undefined;
  return incident.timeline.find((e) => e.kind === 'deploy' && e.text.startsWith(LINK_PREFIX));
}

function planChange(plan: ActionPlan): string {
  const services = plan.services.map((s) => versioned(plan.kind, s.service, s.targetVersion)).join(', ');
  return capital(change(plan.kind, services, `${plan.project}/${plan.env}`));
}

/** "Deploy of api 1.4.2 to shop/prod started" by the person who requested it (the timeline adds the name). */
export function actionStartedEntry(plan: ActionPlan, requestedBy: string, at: Date): TimelineEntry {
  return { at, kind: 'action', text: `${planChange(plan)} started`, by: requestedBy };
}

/** "Rollback of api to 1.4.1 in shop/prod succeeded" by the person who requested it. */
export function actionFinishedEntry(plan: ActionPlan, requestedBy: string, status: 'succeeded' | 'failed', at: Date): TimelineEntry {
  return { at, kind: 'action', text: `${planChange(plan)} ${status}`, by: requestedBy };
}

/** "CI deploy of api v1.4.2 to shop/prod succeeded (alice via CI)" for a deploy recorded from a CI webhook. */
export function externalDeployEntry(d: Deployment, at: Date): TimelineEntry {
  const status = d.status === 'succeeded' ? 'succeeded' : d.status === 'running' ? 'started' : 'failed';
  const what = change(d.kind, versioned(d.kind, d.service, d.version), `${d.project}/${d.env}`);
  return { at, kind: 'deploy', text: `CI ${what} ${status} (${requesterOf(d, (id) => id)})`, by: null };
}
