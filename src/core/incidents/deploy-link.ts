/**
 * The link step of opening an incident: the newest deploy or rollback of the project (Deckhand's own or a
 * CI deploy, whatever its outcome) that finished shortly before the incident opened is linked to it, in the
 * environment the alerts name when they name one. Finding the deploy is best effort: a failed read is logged
 * and the incident opens without a link.
 */
import { alertEnvs, linkEntry, LINKABLE_KINDS } from '../domain/incident-deploys.js';
import type { Deployment, DeploymentStore } from '../ports/deployment.port.js';
import type { Incident, IncidentStore } from '../ports/incident.port.js';
import type { Logger } from '../ports/logger.port.js';

export interface DeployLinkSettings {
  deployments: DeploymentStore;
  /** A deploy finished at most this long before the incident opened is linked to it. */
  withinMs: number;
  /** The alert label naming the environment (`env`). */
  envLabel: string;
}

export interface DeployLinkDeps {
  incidents: IncidentStore;
  logger: Logger;
  nameOf: (personId: string) => string;
}

/**
 * The deploy to link to an incident opening with these alerts at `openedAt`, or undefined (none, or the
 * read failed: logged, the incident opens without a link). Read before the incident's unit of work, on the
 * shared connection pool: a read inside the unit would hold its transaction's connection while waiting for a
 * second one, and a burst of alert groups would then starve the pool.
 */
export async function recentDeployFor(
  deps: Pick<DeployLinkDeps, 'logger'>,
  settings: DeployLinkSettings,
  opening: Pick<Incident, 'project' | 'alerts' | 'openedAt'>,
): Promise<Deployment | undefined> {
  try {
    const [deploy] = await settings.deployments.finishedBetween({
      project: opening.project,
      envs: alertEnvs(opening.alerts, settings.envLabel),
      kinds: LINKABLE_KINDS,
      from: new Date(opening.openedAt.getTime() - settings.withinMs),
      to: opening.openedAt,
      limit: 1,
    });
    return deploy;
  } catch (err) {
    deps.logger.warn({ err, project: opening.project }, 'could not read the recent deploys to link to an incident');
    return undefined;
  }
}

/**
 * Links `deploy` to the incident just opened (inside its unit of work) and returns the incident as it now is.
 * A failure is not caught: inside a transaction it has aborted the unit anyway, which is then retried whole.
 */
export async function linkDeploy(deps: DeployLinkDeps, deploy: Deployment, incident: Incident): Promise<Incident> {
  const entry = linkEntry(deploy, incident.openedAt, deps.nameOf);
  if (!(await deps.incidents.linkDeployment(incident.id, deploy.id, entry))) return incident;
  return { ...incident, deploymentId: deploy.id, timeline: [...incident.timeline, entry] };
}
