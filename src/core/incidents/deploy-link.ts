/**
 * The link step of opening an incident: the newest deploy or rollback of the project (Deckhand's own or a
 * CI deploy, whatever its outcome) that finished shortly before the incident opened is linked to it, in the
 * environment the alerts name when they name one. Linking is best effort: a failure is logged and the
 * incident stays open without a link.
 */
import { alertEnvs, linkEntry, LINKABLE_KINDS } from '../domain/incident-deploys.js';
import type { DeploymentStore } from '../ports/deployment.port.js';
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

/** Links the deploy, if there is one, and returns the incident as it now is (with the entry and the id). */
export async function linkRecentDeploy(deps: DeployLinkDeps, settings: DeployLinkSettings, incident: Incident): Promise<Incident> {
  try {
    const [deploy] = await settings.deployments.finishedBetween({
      project: incident.project,
      envs: alertEnvs(incident.alerts, settings.envLabel),
      kinds: LINKABLE_KINDS,
      from: new Date(incident.openedAt.getTime() - settings.withinMs),
      to: incident.openedAt,
      limit: 1,
    });
    if (!deploy) return incident;
    const entry = linkEntry(deploy, incident.openedAt, deps.nameOf);
    if (!(await deps.incidents.linkDeployment(incident.id, deploy.id, entry))) return incident;
    return { ...incident, deploymentId: deploy.id, timeline: [...incident.timeline, entry] };
  } catch (err) {
    deps.logger.warn({ err, incidentId: incident.id }, 'could not link the incident to a recent deploy');
    return incident;
  }
}
