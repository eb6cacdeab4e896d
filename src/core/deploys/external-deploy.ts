/**
 * Turns a finished CI deployment into an external Deployment record, once per GitHub deployment or run, and
 * notes it on the open incidents of the project (a CI deploy during an incident is part of its story).
 */
import { commitTimeStep } from '../domain/dora.js';
import { externalDeployEntry } from '../domain/incident-deploys.js';
import type { Deployment, DeploymentStore, NewDeployment } from '../ports/deployment.port.js';
import type { IncidentStore } from '../ports/incident.port.js';
import type { Logger } from '../ports/logger.port.js';
import { noteOnOpenIncidents } from '../incidents/incident-timeline.js';

/** Where a repository's deploys land in the catalog (`github.repos` in deckhand.yaml maps repository and environment to it). */
export interface WebhookTarget {
  project: string;
  env: string;
  service: string;
  /**
   * Image repository of the service (`reg/shop/api`): the record then carries `image:version`, which a later
   * Deckhand rollback can deploy. Without it the record carries `github:owner/repo@version`, not an image.
   */
  image?: string;
}

export interface ExternalDeploy {
  target: WebhookTarget;
  /** `owner/name` of the repository. */
  repo: string;
  /** Stable id of the CI deployment (`github-deployment:<id>`), unique per service like an action id. */
  actionId: string;
  version: string;
  startedAt: Date;
  finishedAt: Date;
  status: 'succeeded' | 'failed';
  committedAt: Date | null;
  requestedBy: string;
  note: string;
}

/** How many of the service's newest records are searched for a duplicate. */
const LOOKBACK = 50;

/** Where a recorded CI deploy is noted: the open incidents of its project (failures are logged only). */
export interface IncidentNotes {
  incidents: IncidentStore;
  logger: Logger;
}

/**
 * Records the deploy and, with `notes`, adds a 'deploy' entry to each open incident of the project; returns
 * null when this CI deployment was recorded before (a replay or a re-sent status: no second entry either).
 */
export async function recordExternalDeploy(store: DeploymentStore, d: ExternalDeploy, notes?: IncidentNotes): Promise<Deployment | null> {
  const recorded = await record(store, d);
  if (recorded && notes) await noteOnOpenIncidents(notes.incidents, recorded.project, externalDeployEntry(recorded, d.finishedAt), notes.logger);
  return recorded;
}

async function record(store: DeploymentStore, d: ExternalDeploy): Promise<Deployment | null> {
  const { project, env, service, image } = d.target;
  const history = await store.recent({ project, env, service, limit: LOOKBACK });
  if (history.some((h) => h.actionId === d.actionId)) return null;
  // What this deploy replaced: the last success before its own time, not the newest record (CI statuses
  // arrive late and out of order).
  const previous = await store.lastSucceededBefore({ project, env, service, before: d.startedAt });
  const started = await startOnce(store, {
    actionId: d.actionId,
    kind: 'deploy',
    project,
    env,
    service,
    version: d.version,
    image: image ? `${image}:${d.version}` : `github:${d.repo}@${d.version}`,
    previousVersion: previous?.version ?? null,
    previousImage: previous?.image ?? null,
    requestedBy: d.requestedBy,
    approvedBy: null,
    startedAt: d.startedAt,
    source: 'external',
  });
  if (!started) return null;
  if (d.committedAt) await store.step(started.id, commitTimeStep(d.committedAt), d.startedAt);
  await store.finish(started.id, d.status, d.finishedAt, d.note);
  return { ...started, status: d.status, finishedAt: d.finishedAt };
}

/** Starts the record; a concurrent delivery of the same CI deployment that won the race makes this null. */
async function startOnce(store: DeploymentStore, d: NewDeployment): Promise<Deployment | null> {
  try {
    return await store.start(d);
  } catch (err) {
    const now = await store.recent({ project: d.project, env: d.env, service: d.service, limit: LOOKBACK });
    if (now.some((h) => h.actionId === d.actionId)) return null;
    throw err;
  }
}
