/**
 * Incidents and on-call: the Alertmanager webhook, paging of unacknowledged incidents, handoff
 * announcements and the reconciliation of silenced incidents (clock-driven sweeps whose steps are claimed
 * by conditional updates, so with several replicas each page and each announcement is posted once).
 */
import { createAlertmanagerAlertSource } from '../../adapters/http/alertmanager.alerts.js';
import { ALERTMANAGER_WEBHOOK_PATH, createAlertmanagerWebhookHandler } from '../../adapters/http/alertmanager.handler.js';
import { createAlertmanagerSilencer } from '../../adapters/http/alertmanager.silencer.js';
import type { AlertProcessorDeps } from '../../core/incidents/alert-notification.js';
import { createIncidentServices } from '../../core/incidents/incident-services.js';
import type { IncidentServices } from '../../core/services.js';
import type { Notifier } from '../../core/ports/notifier.port.js';
import type { UnitOfWork } from '../../core/ports/unit-of-work.port.js';
import { escalationSweeper } from '../../jobs/escalation.sweeper.js';
import { handoffAnnouncer } from '../../jobs/handoff.announcer.js';
import { incidentReconciler } from '../../jobs/incident-reconciler.js';
import type { DeckhandConfig } from '../config.js';
import { alertmanagerAuth, type Env } from '../env.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module } from './module.js';
import type { Stores } from './stores.js';

export function wireIncidents(env: Env, config: DeckhandConfig, infra: Infrastructure, stores: Stores, notifier: Notifier, unit: UnitOfWork, options: { server: boolean }): Module & { services: IncidentServices; alertDeps: AlertProcessorDeps } {
  const { clock, logger } = infra;
  const { incidents, overrides, audit } = stores;
  const amUrl = config.alertmanager.url;
  const services = createIncidentServices({
    incidents,
    overrides,
    handoffs: stores.handoffs,
    notifier,
    unit,
    clock,
    logger,
    audit,
    catalog: config.catalog,
    settings: config.incidents,
    deployments: stores.deployments,
    alerts: amUrl ? createAlertmanagerAlertSource({ url: amUrl }) : undefined,
  });
  const sweeps = [
    escalationSweeper(services.escalation),
    handoffAnnouncer(services.handoff),
    // Alerts that resolve while silenced send no notification (Alertmanager mutes and drops it).
    ...(services.reconciliation ? [incidentReconciler(services.reconciliation)] : []),
  ];
  const auth = options.server ? alertmanagerAuth(env) : undefined;
  return {
    name: 'incidents',
    // The path Alertmanager's alerts take, for other alert sources (SLO burn-rate alerts).
    alertDeps: services.alertDeps,
    services: { store: incidents, overrides, silencer: amUrl ? createAlertmanagerSilencer({ url: amUrl }) : undefined, settings: config.incidents },
    routes: auth ? [{ method: 'POST', path: ALERTMANAGER_WEBHOOK_PATH, handler: createAlertmanagerWebhookHandler({ ...services.alertDeps, auth }) }] : [],
    async start() {
      // Timed work belongs to the server replicas (as the cost sampler and the reports do): a shell pointed
      // at a deployment's database must not page people or announce handoffs from a laptop.
      if (!options.server) return;
      for (const sweep of sweeps) sweep.start();
      // Alert messages whose last push was still queued when the previous process stopped catch up here.
      await services.republishOpen(clock.now()).catch((err: unknown) => logger.warn({ err }, 'could not republish the messages of open incidents'));
    },
    async stop() {
      await Promise.all(sweeps.map((s) => s.stop()));
    },
  };
}
