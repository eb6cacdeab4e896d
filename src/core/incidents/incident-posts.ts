/**
 * What the chats get when an incident changes, shared by the Alertmanager webhook processor and the
 * reconciler of silenced incidents: the living alert message (one per incident and chat, edited in place)
 * and, when the last alert resolves, the conditional resolve plus the postmortem draft, so with several
 * replicas (or a webhook racing the reconciler) only the one caller that resolved it posts them.
 */
import { alertGroupReply, incidentMessageKey, postmortemReply } from '../domain/alert-group.reply.js';
import type { Catalog } from '../domain/catalog.js';
import type { IncidentSettings } from './incident-settings.js';
import type { Reply } from '../messages/reply.js';
import type { Incident, IncidentAlert, IncidentStore, TimelineEntry } from '../ports/incident.port.js';
import type { Logger } from '../ports/logger.port.js';
import type { Notifier } from '../ports/notifier.port.js';

/** What rendering and posting an incident's messages needs. */
export interface IncidentPostDeps {
  notifier: Notifier;
  logger: Logger;
  /** Person id → display name for acknowledgements and notes. */
  nameOf: (personId: string) => string;
  /** What the alert message's buttons need: the catalog (Restart / Roll back a service), labels, Silence length. */
  catalog: Pick<Catalog, 'projects'>;
  settings: Pick<IncidentSettings, 'serviceLabel' | 'envLabel' | 'silenceMs'>;
}

/** A chat push: the incident's living message (published under its key) or a message of its own. */
export interface IncidentPost {
  reply: Reply;
  key?: string;
}

/** The incident's living alert message as of `now`. */
export const livingPost = (deps: IncidentPostDeps, incident: Incident, now: Date): IncidentPost => ({
  reply: alertGroupReply(incident, { nameOf: deps.nameOf, settings: deps.settings, catalog: deps.catalog, now }),
  key: incidentMessageKey(incident.id),
});

/**
 * Resolves the incident with the final alert states, the entries that resolved them and a closing entry.
 * Returns the living message and the postmortem draft only to the caller that resolved it, else null.
 */
export async function resolveIncident(
  deps: IncidentPostDeps & { incidents: IncidentStore },
  id: string,
  now: Date,
  alerts: IncidentAlert[],
  entries: TimelineEntry[],
): Promise<{ incident: Incident; posts: IncidentPost[] } | null> {
  const closing: TimelineEntry[] = [...entries, { at: now, kind: 'closed', text: 'All alerts resolved', by: null }];
  const resolved = await deps.incidents.resolve(id, now, alerts, closing);
  if (!resolved) return null;
  return { incident: resolved, posts: [livingPost(deps, resolved, now), { reply: postmortemReply(resolved, deps.nameOf) }] };
}

/** Posts to the project's chats; throws when it cannot be queued (inside a unit of work: the unit rolls back). */
export async function pushIncident(deps: Pick<IncidentPostDeps, 'notifier'>, project: string, { reply, key }: IncidentPost): Promise<void> {
  if (key) await deps.notifier.publish(project, key, reply);
  else await deps.notifier.announce(project, reply);
}

/** Posts to the project's chats; false (and logged) when it could not be posted. */
export async function postIncident(deps: IncidentPostDeps, project: string, post: IncidentPost): Promise<boolean> {
  try {
    await pushIncident(deps, project, post);
    return true;
  } catch (err) {
    deps.logger.error({ err, project }, 'could not post an alert message');
    return false;
  }
}

/**
 * At start-up: the living message of every open incident is published again. A push still queued when the
 * previous process stopped is lost with the in-memory queue; publishing is idempotent (an edit to the same
 * content, or the first post of a message that never went out), so the chats end on the incident's state.
 */
export async function republishOpenIncidents(deps: IncidentPostDeps & { incidents: IncidentStore }, projects: readonly string[], now: Date): Promise<number> {
  const open = await deps.incidents.openIncidents(projects);
  let posted = 0;
  for (const incident of open) {
    if (await postIncident(deps, incident.project, livingPost(deps, incident, now))) posted++;
  }
  return posted;
}
