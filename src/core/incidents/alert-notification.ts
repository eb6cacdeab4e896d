/**
 * Turns one Alertmanager notification into incident changes and chat messages: per project of the group,
 * open the incident (first firing alert) or fold the alerts into it; publish the group's state whenever it
 * changed (one message per incident and chat, edited in place: `incidentMessageKey`), and post a
 * postmortem draft once every alert has resolved. Each project's change and its messages are one unit of
 * work: both are written or neither (a notification that fails is answered with an error, and Alertmanager
 * sends it again). Every change is audited with `alertmanager` as the actor.
 */
import { randomUUID } from 'node:crypto';
import { auditSystemChange, type SystemChangeIntent } from '../audit/system-change.js';
import { applyAlerts, groupTitle, routeByProject, type AlertGroup, type ProjectSlice } from '../domain/alert-group.js';
import type { AuditLog, AuditSource } from '../ports/audit.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { Deployment } from '../ports/deployment.port.js';
import type { Incident, IncidentStore, NewIncident } from '../ports/incident.port.js';
import type { UnitOfWork } from '../ports/unit-of-work.port.js';
import { linkDeploy, recentDeployFor, type DeployLinkSettings } from './deploy-link.js';
import { livingPost, pushIncident, resolveIncident, type IncidentPost, type IncidentPostDeps } from './incident-posts.js';

export interface AlertProcessorDeps extends IncidentPostDeps {
  /** Where the open incident is read (committed state); its changes are written through `unit`. */
  incidents: IncidentStore;
  /** Writes an incident change and its messages together. */
  unit: UnitOfWork;
  clock: Clock;
  /** Every incident this notification opens, updates or resolves gets an entry. */
  audit: AuditLog;
  /** Label naming the project (default `project` in the handler). */
  projectLabel: string;
  /** Project names from the catalog; alerts naming others are not routed. */
  projects: ReadonlySet<string>;
  /** Where to find the deploy an opening incident is linked to; no linking without it. */
  deployLink?: DeployLinkSettings;
  /**
   * Who sent the alerts, for the audit entries and the opening timeline entry: Alertmanager's webhook unless
   * said otherwise (the SLO burn-rate job raises its alerts through the same path).
   */
  origin?: AlertOrigin;
}

export interface AlertOrigin {
  source: AuditSource;
  actor: string;
  /** Completes "Incident opened by …". */
  name: string;
}

const ALERTMANAGER: AlertOrigin = { source: 'webhook', actor: 'alertmanager', name: 'Alertmanager' };

export type IncidentChange = 'opened' | 'updated' | 'resolved' | 'unchanged' | 'ignored';

export interface ProcessOutcome {
  incidents: { project: string; id: string | null; change: IncidentChange }[];
  unrouted: number;
}

const AUDITED: Partial<Record<IncidentChange, SystemChangeIntent>> = { opened: 'incident.opened', updated: 'incident.updated', resolved: 'incident.resolved' };

export async function processAlertGroup(deps: AlertProcessorDeps, group: AlertGroup): Promise<ProcessOutcome> {
  const requestId = `${(deps.origin ?? ALERTMANAGER).actor}-${randomUUID().slice(0, 8)}`;
  const { slices, unrouted } = routeByProject(group, deps.projectLabel, deps.projects);
  if (unrouted.length > 0) {
    deps.logger.warn({ groupKey: group.groupKey, unrouted: unrouted.length, label: deps.projectLabel }, 'alerts without a known project label');
  }
  const outcome: ProcessOutcome = { incidents: [], unrouted: unrouted.length };
  for (const slice of slices) {
    const startedAt = deps.clock.now().getTime();
    const result = await applySlice(deps, group, slice);
    const durationMs = deps.clock.now().getTime() - startedAt;
    outcome.incidents.push({ project: slice.project, id: result.id, change: result.change });
    await audit(deps, requestId, slice, result, durationMs);
  }
  return outcome;
}

interface SliceResult {
  id: string | null;
  change: IncidentChange;
  posts: IncidentPost[];
  incident?: Incident;
}

/** One entry per incident changed: which incident, its group and what the alerts are now. */
async function audit(deps: AlertProcessorDeps, requestId: string, slice: ProjectSlice, result: SliceResult, durationMs: number): Promise<void> {
  const intent = AUDITED[result.change];
  if (!intent || !result.id) return;
  const firing = slice.alerts.filter((a) => a.status === 'firing').length;
  const title = result.incident ? `: ${result.incident.title}` : '';
  const linked = result.incident?.deploymentId ? `; linked to deploy ${result.incident.deploymentId}` : '';
  const origin = deps.origin ?? ALERTMANAGER;
  await auditSystemChange(deps, {
    source: origin.source,
    actor: origin.actor,
    requestId,
    project: slice.project,
    intent,
    args: `${slice.project} incident ${result.id}${title}`,
    detail: `${firing} firing, ${slice.alerts.length - firing} resolved in the notification${linked}`,
    durationMs,
  });
}

/**
 * Reads, decides and writes with conditional steps only, so a notification that reaches several replicas at
 * once (Alertmanager in HA mode sends it from every peer) changes the incident once: one replica opens the
 * group (the store's claim), the others fold the same alerts into that incident and find nothing new.
 * When another writer changed the incident between the read and the write, the next round reads it again.
 * Each round's write and its messages are one unit of work; the read before it is not part of it.
 */
async function applySlice(deps: AlertProcessorDeps, group: AlertGroup, slice: ProjectSlice): Promise<SliceResult> {
  const now = deps.clock.now();
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    const read = await deps.incidents.findOpen(slice.project, group.groupKey);
    const opening = read ? null : newIncident(deps, group, slice, now);
    // Read before the unit, so its transaction waits for no second connection (see recentDeployFor).
    const deploy = opening && deps.deployLink ? await recentDeployFor(deps, deps.deployLink, opening) : undefined;
    const written = await deps.unit.run(async ({ incidents, notifier }) => {
      const inUnit: AlertProcessorDeps = { ...deps, incidents, notifier };
      const result = await writeRound(inUnit, slice, read, opening, deploy, now);
      for (const p of result?.posts ?? []) await pushIncident(inUnit, slice.project, p);
      return result;
    });
    if (written) return written;
  }
  // Every round lost to another writer: Alertmanager re-sends the notification when it is not accepted.
  throw new Error(`incident of ${slice.project} group ${group.groupKey} changed by other writers ${MAX_ROUNDS} times while applying a notification`);
}

/** One round's conditional write given what was read; null when another writer changed the incident since. */
async function writeRound(
  deps: AlertProcessorDeps,
  slice: ProjectSlice,
  read: Incident | null,
  opening: NewIncident | null,
  deploy: Deployment | undefined,
  now: Date,
): Promise<SliceResult | null> {
  let existing = read;
  if (!existing) {
    if (!opening) return { id: null, change: 'ignored', posts: [] };
    const claim = await deps.incidents.openOrGet(opening);
    if (claim.opened) {
      const linked = deploy ? await linkDeploy(deps, deploy, claim.incident) : claim.incident;
      return { id: linked.id, change: 'opened', posts: [living(deps, linked)], incident: linked };
    }
    existing = claim.incident;
  }
  const change = applyAlerts(existing.alerts, slice.alerts, now);
  if (change.entries.length === 0) return { id: existing.id, change: 'unchanged', posts: [] };
  if (!change.allResolved) {
    // False when resolved meanwhile (the reconciler, another replica: these alerts then open a new incident)
    // or when its alert states changed since the read (another replica wrote this notification already).
    if (!(await deps.incidents.updateIfUnchanged(existing.id, existing.alerts, change.alerts, change.entries))) return null;
    // Rendered from a fresh read, so an acknowledgement or silence made meanwhile is not undone on the message.
    const updated: Incident = (await deps.incidents.get(existing.id)) ?? { ...existing, alerts: change.alerts, timeline: [...existing.timeline, ...change.entries] };
    return { id: existing.id, change: 'updated', posts: [living(deps, updated)], incident: updated };
  }
  const resolved = await resolveIncident(deps, existing.id, now, change.alerts, change.entries);
  if (!resolved) return { id: existing.id, change: 'unchanged', posts: [] };
  return { id: resolved.incident.id, change: 'resolved', posts: resolved.posts, incident: resolved.incident };
}

/** Rounds of read, decide and conditional write before a notification is given up (another writer won each). */
const MAX_ROUNDS = 5;

/** The incident these alerts open, or null when none of them fires. */
function newIncident(deps: AlertProcessorDeps, group: AlertGroup, slice: ProjectSlice, now: Date): NewIncident | null {
  const change = applyAlerts([], slice.alerts, now);
  if (change.allResolved) return null;
  const firingStarts = change.alerts.filter((a) => a.status === 'firing').map((a) => a.startsAt.getTime());
  const openedAt = new Date(Math.min(now.getTime(), ...firingStarts));
  return {
    project: slice.project,
    groupKey: group.groupKey,
    title: groupTitle(group, deps.projectLabel),
    openedAt,
    alerts: change.alerts,
    timeline: [{ at: openedAt, kind: 'opened', text: `Incident opened by ${(deps.origin ?? ALERTMANAGER).name}`, by: null }, ...change.entries],
  };
}

const living = (deps: AlertProcessorDeps, incident: Incident): IncidentPost => livingPost(deps, incident, deps.clock.now());
