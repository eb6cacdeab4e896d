/**
 * The incident use cases built once from their ports, so the incident-post dependencies are assembled in
 * one place: the Alertmanager notification service, the reconciliation of silenced incidents, escalation
 * paging, on-call handoff announcements and the start-up republish of open incidents' messages.
 */
import type { Catalog } from '../domain/catalog.js';
import { personName } from '../domain/people.js';
import type { AlertSource } from '../ports/alert-source.port.js';
import type { AuditLog } from '../ports/audit.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { DeploymentStore } from '../ports/deployment.port.js';
import type { IncidentStore } from '../ports/incident.port.js';
import type { Logger } from '../ports/logger.port.js';
import type { Notifier } from '../ports/notifier.port.js';
import type { HandoffLog, OncallOverrideStore } from '../ports/oncall.port.js';
import type { UnitOfWork } from '../ports/unit-of-work.port.js';
import type { AlertProcessorDeps } from './alert-notification.js';
import type { EscalationDeps } from './escalation.js';
import { republishOpenIncidents, type IncidentPostDeps } from './incident-posts.js';
import type { IncidentSettings } from './incident-settings.js';
import type { SilencedReconciliationDeps } from './silenced-reconciliation.js';
import type { HandoffDeps } from '../oncall/handoff.js';

export interface IncidentServiceDeps {
  incidents: IncidentStore;
  overrides: OncallOverrideStore;
  /** Which handoffs were announced (shared by replicas). */
  handoffs: HandoffLog;
  notifier: Notifier;
  /** Writes a state change and its messages together (an incident and its alert message, a page). */
  unit: UnitOfWork;
  clock: Clock;
  logger: Logger;
  audit: AuditLog;
  catalog: Pick<Catalog, 'projects' | 'people' | 'rotations'>;
  settings: IncidentSettings;
  /** Where the deploy an opening incident is linked to is looked up. */
  deployments: DeploymentStore;
  /** Alertmanager's alert list; without it silenced incidents are not reconciled. */
  alerts?: AlertSource;
}

export interface IncidentServices {
  /** The deps of the Alertmanager notification service (the webhook handler takes them). */
  alertDeps: AlertProcessorDeps;
  /** Deps of the reconciliation of silenced incidents; undefined without an alert source. */
  reconciliation?: SilencedReconciliationDeps;
  escalation: EscalationDeps;
  /** Deps of the on-call handoff announcements. */
  handoff: HandoffDeps;
  republishOpen(now: Date): Promise<number>;
}

export function createIncidentServices(deps: IncidentServiceDeps): IncidentServices {
  const nameOf = (id: string) => personName(deps.catalog.people, id);
  const posts: IncidentPostDeps = { notifier: deps.notifier, logger: deps.logger, nameOf, catalog: deps.catalog, settings: deps.settings };
  const alertDeps: AlertProcessorDeps = {
    ...posts,
    incidents: deps.incidents,
    unit: deps.unit,
    clock: deps.clock,
    audit: deps.audit,
    projectLabel: deps.settings.projectLabel,
    projects: new Set(deps.catalog.projects.map((p) => p.name)),
    deployLink: { deployments: deps.deployments, withinMs: deps.settings.linkDeployWithinMs, envLabel: deps.settings.envLabel },
  };
  const { incidents, overrides, notifier, clock, logger, audit } = deps;
  const { rotations, people } = deps.catalog;
  return {
    alertDeps,
    reconciliation: deps.alerts ? { ...posts, incidents, unit: deps.unit, alerts: deps.alerts, clock, audit } : undefined,
    escalation: { incidents, overrides, unit: deps.unit, clock, logger, audit, rotations, people, escalateAfterMs: deps.settings.escalateAfterMs },
    handoff: { overrides, unit: deps.unit, clock, logger, audit, rotations, people },
    republishOpen: (now) => republishOpenIncidents({ ...posts, incidents }, deps.catalog.projects.map((p) => p.name), now),
  };
}

