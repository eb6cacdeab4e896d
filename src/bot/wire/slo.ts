/**
 * SLOs and golden signals: the Prometheus client the `slo` and `status` commands query, and the burn-rate
 * alert job (a BullMQ job scheduler, so each evaluation runs once across replicas) that raises its alerts
 * through the incident path Alertmanager's alerts take.
 */
import { startIntervalJob, type IntervalJob } from '../../adapters/bullmq/interval-job.js';
import { createPrometheusClient } from '../../adapters/prometheus/prometheus.client.js';
import type { AlertProcessorDeps } from '../../core/incidents/alert-notification.js';
import { servicesWithSlos } from '../../core/slo/burn-alerts.js';
import type { SloServices } from '../../core/slo/slo-assessment.js';
import { createBurnAlertRun } from '../../jobs/slo-burn.schedule.js';
import type { DeckhandConfig } from '../config.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module } from './module.js';

export const BURN_JOB = 'slo-burn-alerts';

/** The SLO services the core gets; undefined without `prometheus.url`. */
export function sloServices(config: DeckhandConfig): SloServices | undefined {
  const p = config.prometheus;
  if (!p) return undefined;
  return { source: createPrometheusClient({ url: p.url, timeoutMs: p.timeoutMs }), burnRules: p.burnRules, timeoutMs: p.timeoutMs, statusTimeoutMs: p.statusTimeoutMs };
}

/** The burn-rate alert job (server only); nothing to run without SLOs. */
export function wireSloAlerts(config: DeckhandConfig, infra: Infrastructure, slo: SloServices | undefined, alertDeps: AlertProcessorDeps): Module {
  let job: IntervalJob | undefined;
  const everyMs = config.prometheus?.evaluateEveryMs ?? 60_000;
  const active = slo !== undefined && servicesWithSlos(config.catalog).length > 0;
  return {
    name: 'slo',
    async start() {
      if (!active || !slo) return;
      const run = createBurnAlertRun({ slo, catalog: config.catalog, alerts: alertDeps, settings: config.incidents, clock: infra.clock, logger: infra.logger });
      job = await startIntervalJob({
        queue: `deckhand-${BURN_JOB}`,
        id: BURN_JOB,
        everyMs,
        connection: infra.connection,
        prefix: infra.prefix,
        run: async () => {
          await run();
        },
        logger: infra.logger,
      });
    },
    stop: async () => job?.close(),
  };
}
