/**
 * Turns one Alertmanager notification into incident changes and chat messages: per project of the group,
 * open the incident (first firing alert) or fold the alerts into it; publish the group's state whenever it
 * changed (one message per incident and chat, edited in place: `incidentMessageKey`), and post a
 * postmortem draft once every alert has resolved.
 */
import { applyAlerts, groupTitle, routeByProject, type AlertGroup, type ProjectSlice } from '../../core/domain/alert-group.js';
import type { Clock } from '../../core/ports/clock.port.js';
import type { Incident, IncidentStore } from '../../core/ports/incident.port.js';
import { livingPost, postIncident, resolveIncident, type IncidentPost, type IncidentPostDeps } from '../../jobs/incident-posts.js';
import { linkRecentDeploy, type DeployLinkSettings } from './alertmanager.deploy-link.js';

export interface AlertProcessorDeps extends IncidentPostDeps {
  incidents: IncidentStore;
  clock: Clock;
  /** Label naming the project (default `project` in the handler). */
  projectLabel: string;
  /** Project names from the catalog; alerts naming others are not routed. */
  projects: ReadonlySet<string>;
  /** Where to find the deploy an opening incident is linked to; no linking without it. */
  deployLink?: DeployLinkSettings;
}

export type IncidentChange = 'opened' | 'updated' | 'resolved' | 'unchanged' | 'ignored';

export interface ProcessOutcome {
  incidents: { project: string; id: string | null; change: IncidentChange }[];
  unrouted: number;
  /** False when at least one chat message could not be posted (the incident is recorded anyway). */
  notified: boolean;
}

export async function processAlertGroup(deps: AlertProcessorDeps, group: AlertGroup): Promise<ProcessOutcome> {
  const { slices, unrouted } = routeByProject(group, deps.projectLabel, deps.projects);
  if (unrouted.length > 0) {
    deps.logger.warn({ groupKey: group.groupKey, unrouted: unrouted.length, label: deps.projectLabel }, 'alerts without a known project label');
  }
  const outcome: ProcessOutcome = { incidents: [], unrouted: unrouted.length, notified: true };
  for (const slice of slices) {
    const { id, change, posts } = await applySlice(deps, group, slice);
    outcome.incidents.push({ project: slice.project, id, change });
    for (const p of posts) {
      if (!(await postIncident(deps, slice.project, p))) outcome.notified = false;
    }
  }
  return outcome;
}

interface SliceResult {
  id: string | null;
  change: IncidentChange;
  posts: IncidentPost[];
}

async function applySlice(deps: AlertProcessorDeps, group: AlertGroup, slice: ProjectSlice): Promise<SliceResult> {
  const now = deps.clock.now();
  const existing = await deps.incidents.findOpen(slice.project, group.groupKey);
  if (!existing) return openIncident(deps, group, slice, now);
  const change = applyAlerts(existing.alerts, slice.alerts, now);
  if (change.entries.length === 0) return { id: existing.id, change: 'unchanged', posts: [] };
  if (!change.allResolved) {
    // Resolved meanwhile (the reconciler, another replica): these alerts start a new incident.
    if (!(await deps.incidents.update(existing.id, change.alerts, change.entries))) return openIncident(deps, group, slice, now);
    // Rendered from a fresh read, so an acknowledgement or silence made meanwhile is not undone on the message.
    const updated: Incident = (await deps.incidents.get(existing.id)) ?? { ...existing, alerts: change.alerts, timeline: [...existing.timeline, ...change.entries] };
    return { id: existing.id, change: 'updated', posts: [living(deps, updated)] };
  }
  const resolved = await resolveIncident(deps, existing.id, now, change.alerts, change.entries);
  if (!resolved) return { id: existing.id, change: 'unchanged', posts: [] };
  return { id: resolved.incident.id, change: 'resolved', posts: resolved.posts };
}

async function openIncident(deps: AlertProcessorDeps, group: AlertGroup, slice: ProjectSlice, now: Date): Promise<SliceResult> {
  const change = applyAlerts([], slice.alerts, now);
  if (change.allResolved) return { id: null, change: 'ignored', posts: [] };
  const firingStarts = change.alerts.filter((a) => a.status === 'firing').map((a) => a.startsAt.getTime());
  const openedAt = new Date(Math.min(now.getTime(), ...firingStarts));
  const incident = await deps.incidents.open({
    project: slice.project,
    groupKey: group.groupKey,
    title: groupTitle(group, deps.projectLabel),
    openedAt,
    alerts: change.alerts,
    timeline: [{ at: openedAt, kind: 'opened', text: 'Incident opened by Alertmanager', by: null }, ...change.entries],
  });
  const linked = deps.deployLink ? await linkRecentDeploy(deps, deps.deployLink, incident) : incident;
  return { id: linked.id, change: 'opened', posts: [living(deps, linked)] };
}

const living = (deps: AlertProcessorDeps, incident: Incident): IncidentPost => livingPost(deps, incident, deps.clock.now());
