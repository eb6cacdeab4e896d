/**
 * The buttons of an alert message: their action ids, and the service/environment an incident's Restart and
 * Roll back buttons act on (named by the alerts' common labels, checked against the catalog). Pure.
 */
import type { Incident } from '../ports/incident.port.js';
import { commonLabels } from './alert-group.js';
import type { Catalog, EnvironmentSpec, ServiceSpec } from './catalog.js';

export const INCIDENT_ACTIONS = {
  ack: 'incident.ack',
  silence: 'incident.silence',
  restart: 'incident.restart',
  rollback: 'incident.rollback',
} as const;

export type IncidentAction = keyof typeof INCIDENT_ACTIONS;

const BY_ID = new Map<string, IncidentAction>(Object.entries(INCIDENT_ACTIONS).map(([k, v]) => [v, k as IncidentAction]));

/** The alert button behind an action id, if it is one. */
export const incidentActionOf = (actionId: string): IncidentAction | undefined => BY_ID.get(actionId);

/**
 * Whether a click's answer must leave the clicked message alone: alert buttons sit on the incident's living
 * message (edited by the notifier), so their answers (and a Restart's confirm prompt) are new messages.
 */
export const keepsClickedMessage = (actionId: string): boolean => BY_ID.has(actionId);

/** The alert label names of the service and the environment (IncidentSettings). */
type Labels = { serviceLabel: string; envLabel: string };

/** The environment the incident's alerts name (env label), else the project's only environment. */
export function incidentEnv(incident: Pick<Incident, 'project' | 'alerts'>, catalog: Pick<Catalog, 'projects'>, settings: Labels): EnvironmentSpec | undefined {
  const project = catalog.projects.find((p) => p.name === incident.project);
  if (!project) return undefined;
  const named = commonLabels(incident.alerts)[settings.envLabel];
  if (named === undefined) return project.environments.length === 1 ? project.environments[0] : undefined;
  return project.environments.find((e) => e.name === named);
}

export interface AlertTarget {
  service: ServiceSpec;
  env: EnvironmentSpec;
}

/** The catalog service every alert of the incident names (service label) in its environment, if any. */
export function alertTarget(incident: Pick<Incident, 'project' | 'alerts'>, catalog: Pick<Catalog, 'projects'>, settings: Labels): AlertTarget | undefined {
  const name = commonLabels(incident.alerts)[settings.serviceLabel];
  if (name === undefined) return undefined;
  const env = incidentEnv(incident, catalog, settings);
  const service = env?.services.find((s) => s.name === name);
  return env && service ? { service, env } : undefined;
}
