/**
 * Multi-window, multi-burn-rate alerts (SRE workbook, chapter 5): every configured SLO is measured over the
 * rules' windows; a rule fires while both its long and its short window burn above its factor. The alerts
 * go through the same path as Alertmanager's (core/incidents/alert-notification.ts): one incident per SLO
 * (its group key), opened by the first firing rule with the usual alert message and buttons, folded into
 * while it burns (a repeat changes nothing, so one burn opens one incident however often the job runs) and
 * resolved, with its postmortem draft, once no rule of the SLO fires any more.
 */
import { createHash } from 'node:crypto';
import type { AlertGroup, GroupAlert } from '../domain/alert-group.js';
import type { Catalog, ServiceSpec } from '../domain/catalog.js';
import { burnSentence, promDuration, times, type BurnRule, type SloSpec } from '../domain/slo.js';
import { processAlertGroup, type AlertProcessorDeps } from '../incidents/alert-notification.js';
import type { IncidentSettings } from '../incidents/incident-settings.js';
import type { Clock } from '../ports/clock.port.js';
import type { Logger } from '../ports/logger.port.js';
import { queryProblem, TimeSeriesUnavailableError } from '../ports/timeseries.port.js';
import { BOT_ACTOR } from '../audit/system-change.js';
import { assessSlo, type SloAssessment, type SloServices } from './slo-assessment.js';

export const BURN_ALERT_NAME = 'ErrorBudgetBurn';

export interface BurnAlertDeps {
  slo: SloServices;
  catalog: Pick<Catalog, 'projects'>;
  /** The Alertmanager notification path's deps (incidents, notifier, audit, catalog, labels). */
  alerts: AlertProcessorDeps;
  settings: Pick<IncidentSettings, 'projectLabel' | 'serviceLabel' | 'envLabel'>;
  clock: Clock;
  logger: Logger;
}

export interface BurnRun {
  /** SLOs measured. */
  measured: number;
  /** SLOs with at least one rule firing. */
  burning: number;
  /** Incidents opened or resolved by this run. */
  opened: number;
  resolved: number;
  /** SLOs that could not be measured (the server unreachable, a query refused). */
  failed: number;
}

/** The incident group of one SLO: one open incident per burn. */
export const burnGroupKey = (service: Pick<ServiceSpec, 'env' | 'name'>, slo: Pick<SloSpec, 'name'>): string => `slo:${service.env}/${service.name}/${slo.name}`;

const fingerprint = (groupKey: string, rule: BurnRule): string =>
  createHash('sha256').update(`${groupKey}\n${rule.severity}\n${rule.factor}\n${rule.longMs}\n${rule.shortMs}`).digest('hex').slice(0, 16);

/**
 * The plain-language line first (the alert table clips long summaries), then the burn that fired:
 * "At this rate the 30-day error budget is gone in 2 days · 15x over 1h, 16x over 5m (page above 14.4x)".
 */
export function burnSummary(a: Pick<SloAssessment, 'slo' | 'left' | 'burns'>, rule: BurnRule): string {
  const long = a.burns.get(rule.longMs) ?? 0;
  const short = a.burns.get(rule.shortMs) ?? 0;
  const burn = `${times(long)} over ${promDuration(rule.longMs)}, ${times(short)} over ${promDuration(rule.shortMs)} (${rule.severity} above ${times(rule.factor)})`;
  return `${burnSentence(a.slo.windowMs, a.left, long)} · ${burn}`;
}

function alertOf(deps: BurnAlertDeps, a: SloAssessment, rule: BurnRule, groupKey: string, now: Date, firing: boolean, startsAt: Date): GroupAlert {
  const { service, slo } = a;
  return {
    status: firing ? 'firing' : 'resolved',
    labels: {
      alertname: BURN_ALERT_NAME,
      [deps.settings.projectLabel]: service.project,
      [deps.settings.envLabel]: service.env,
      [deps.settings.serviceLabel]: service.name,
      slo: slo.name,
      severity: rule.severity,
      burn: `${rule.factor}x/${promDuration(rule.longMs)}/${promDuration(rule.shortMs)}`,
    },
    annotations: { summary: firing ? burnSummary(a, rule) : `burn back under ${times(rule.factor)} over ${promDuration(rule.shortMs)}` },
    startsAt,
    endsAt: firing ? null : now,
    fingerprint: fingerprint(groupKey, rule),
  };
}

/**
 * The alert group of one SLO as of `now`: the firing rules, and the rules the open incident still has firing
 * that stopped (resolved). Null when nothing fires and nothing was firing: nothing to tell.
 */
async function groupOf(deps: BurnAlertDeps, a: SloAssessment, now: Date): Promise<AlertGroup | null> {
  const groupKey = burnGroupKey(a.service, a.slo);
  const open = await deps.alerts.incidents.findOpen(a.service.project, groupKey);
  const known = new Map((open?.alerts ?? []).map((x) => [x.fingerprint, x]));
  const alerts: GroupAlert[] = [];
  for (const rule of deps.slo.burnRules) {
    const fp = fingerprint(groupKey, rule);
    const before = known.get(fp);
    const firing = a.firing.includes(rule);
    if (firing) alerts.push(alertOf(deps, a, rule, groupKey, now, true, before?.status === 'firing' ? before.startsAt : now));
    else if (before?.status === 'firing') alerts.push(alertOf(deps, a, rule, groupKey, now, false, before.startsAt));
  }
  if (alerts.length === 0) return null;
  const groupLabels = { alertname: BURN_ALERT_NAME, [deps.settings.serviceLabel]: a.service.name, [deps.settings.envLabel]: a.service.env, slo: a.slo.name };
  const status = alerts.some((x) => x.status === 'firing') ? 'firing' : 'resolved';
  return {
    groupKey,
    status,
    receiver: 'slo',
    groupLabels,
    commonLabels: { ...groupLabels, [deps.settings.projectLabel]: a.service.project },
    commonAnnotations: {},
    truncatedAlerts: 0,
    alerts,
  };
}

/** Every service with SLOs, in catalog order. */
export function servicesWithSlos(catalog: Pick<Catalog, 'projects'>): ServiceSpec[] {
  return catalog.projects.flatMap((p) => p.environments.flatMap((e) => e.services.filter((s) => (s.slos?.length ?? 0) > 0)));
}

/** One evaluation of every SLO at `now`. An SLO that cannot be measured keeps its incident as it is. */
export async function evaluateBurnAlerts(deps: BurnAlertDeps, now: Date = deps.clock.now()): Promise<BurnRun> {
  const run: BurnRun = { measured: 0, burning: 0, opened: 0, resolved: 0, failed: 0 };
  const alertDeps: AlertProcessorDeps = { ...deps.alerts, origin: { source: 'schedule', actor: BOT_ACTOR, name: 'an SLO burn-rate alert' } };
  const targets = servicesWithSlos(deps.catalog).flatMap((service) => (service.slos ?? []).map((slo) => ({ service, slo })));
  const assessed = await Promise.all(
    targets.map(async ({ service, slo }) => {
      try {
        return await assessSlo(deps.slo, service, slo, now);
      } catch (err) {
        run.failed++;
        const level = err instanceof TimeSeriesUnavailableError ? 'warn' : 'error';
        deps.logger[level]({ project: service.project, env: service.env, service: service.name, slo: slo.name, reason: queryProblem(err) }, 'cannot measure an SLO');
        return undefined;
      }
    }),
  );
  for (const a of assessed) {
    if (!a) continue;
    run.measured++;
    if (a.firing.length > 0) run.burning++;
    const group = await groupOf(deps, a, now);
    if (!group) continue;
    const outcome = await processAlertGroup(alertDeps, group);
    for (const i of outcome.incidents) {
      if (i.change === 'opened') run.opened++;
      if (i.change === 'resolved') run.resolved++;
    }
  }
  return run;
}
