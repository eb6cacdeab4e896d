/**
 * Reads the health signals of every service of some environments from what Deckhand already stores: the
 * cost sampler's daily rows (restarts, unhealthy time, the image's build date), the incidents, the deploy
 * history (change failures, versions other environments replaced) and, with a metrics server, the SLOs.
 * The same records give the score as of 30 days ago, where they reach back that far (the trend).
 */
import type { EnvironmentSpec, ServiceSpec } from '../domain/catalog.js';
import { computeDora } from '../domain/dora.js';
import { incidentInEnvs } from '../domain/incident-deploys.js';
import { budgetLeft } from '../domain/slo.js';
import type { Deployment } from '../ports/deployment.port.js';
import type { Incident } from '../ports/incident.port.js';
import type { UsageDay } from '../ports/usage.port.js';
import type { CoreServices } from '../services.js';
import { errorRatio } from '../slo/slo-assessment.js';
import { scoreHealth, type HealthScore, type HealthSignals } from './health-score.js';

const DAY_MS = 86_400_000;
export const USAGE_DAYS = 7;
export const INCIDENT_DAYS = 30;
/** How far back the trend compares. */
export const TREND_DAYS = 30;
/** Records read per environment: the most DeploymentStore.recent returns (PostgreSQL store caps at 500). */
const MAX_RECORDS = 500;

export interface ServiceHealth {
  env: string;
  service: string;
  health: HealthScore;
  /** The score as of 30 days ago; null when Deckhand has no records of the service from then. */
  past: HealthScore | null;
}

export type HealthServices = Pick<CoreServices, 'clock' | 'actions' | 'incidents' | 'cost' | 'slo' | 'logger'>;

interface Records {
  deploys: Map<string, Deployment[]>;
  incidents: Incident[];
  usage: UsageDay[] | undefined;
}

const startOfDay = (at: Date) => Math.floor(at.getTime() / DAY_MS) * DAY_MS;
const changesVersion = (d: Deployment) => d.kind !== 'restart' && d.status === 'succeeded' && d.finishedAt !== null;

/** The sampler's rows of the service over the 7 UTC days up to `at`'s; undefined without any. */
function usageAt(rows: readonly UsageDay[] | undefined, s: ServiceSpec, at: Date): HealthSignals['usage'] {
  if (!rows) return undefined;
  const last = startOfDay(at);
  const first = last - (USAGE_DAYS - 1) * DAY_MS;
  const mine = rows.filter((r) => r.env === s.env && r.service === s.name && r.day.getTime() >= first && r.day.getTime() <= last);
  if (mine.length === 0) return undefined;
  const newest = [...mine].sort((a, b) => b.day.getTime() - a.day.getTime()).find((r) => r.imageCreatedAt !== null);
  return {
    restarts: mine.reduce((n, r) => n + r.restarts, 0),
    unhealthySeconds: mine.reduce((n, r) => n + r.unhealthySeconds, 0),
    imageCreatedAt: newest?.imageCreatedAt ?? null,
  };
}

/** The version the service ran at `at` by its history: the newest succeeded deploy or rollback finished by then. */
function versionAt(history: readonly Deployment[], service: string, at: Date): Deployment | undefined {
  return history
    .filter((d) => d.service === service && changesVersion(d) && d.finishedAt!.getTime() <= at.getTime())
    .sort((a, b) => b.finishedAt!.getTime() - a.finishedAt!.getTime())[0];
}

/**
 * Another environment that ran the version this one runs and has since replaced it by a successful deploy
 * of another version (staging moved on from 1.4 to 1.5 while prod still runs 1.4).
 */
function supersededAt(s: ServiceSpec, records: Records, at: Date): HealthSignals['superseded'] {
  const running = versionAt(records.deploys.get(s.env) ?? [], s.name, at);
  if (!running) return null;
  for (const [env, history] of records.deploys) {
    if (env === s.env) continue;
    const theirs = versionAt(history, s.name, at);
    if (!theirs || theirs.kind !== 'deploy' || theirs.version === running.version) continue;
    const ranOurs = history.some((d) => d.service === s.name && changesVersion(d) && d.version === running.version && d.finishedAt!.getTime() < theirs.finishedAt!.getTime());
    if (ranOurs) return { env, running: running.version, newer: theirs.version };
  }
  return null;
}

/** Incidents of the service as they stood at `at`: named by an alert's service label (in its environment) or linked to one of its deploys. */
function incidentsOf(s: ServiceSpec, records: Records, services: HealthServices, at: Date): Incident[] {
  const { serviceLabel, envLabel } = services.incidents.settings;
  const deployIds = new Set((records.deploys.get(s.env) ?? []).filter((d) => d.service === s.name).map((d) => d.id));
  return records.incidents
    .filter((i) => i.openedAt.getTime() <= at.getTime())
    .filter((i) => (i.deploymentId !== null && deployIds.has(i.deploymentId)) || (i.alerts.some((a) => a.labels[serviceLabel] === s.name) && incidentInEnvs(i, [s.env], envLabel)))
    .map((i) => (i.resolvedAt && i.resolvedAt.getTime() > at.getTime() ? { ...i, resolvedAt: null } : i));
}

function signalsAt(s: ServiceSpec, records: Records, services: HealthServices, at: Date, slos: HealthSignals['slos']): HealthSignals {
  const history = (records.deploys.get(s.env) ?? []).filter((d) => d.service === s.name && d.startedAt.getTime() <= at.getTime());
  const incidents = incidentsOf(s, records, services, at);
  const dora = computeDora(history, incidents, { days: INCIDENT_DAYS }, at);
  return {
    usage: usageAt(records.usage, s, at),
    incidents: { opened: dora.openIncidents + (dora.timeToRestore?.samples ?? 0), stillOpen: dora.openIncidents, restoreMedianMs: dora.timeToRestore?.medianMs ?? null },
    changeFailure: dora.changeFailure && { failed: dora.changeFailure.failed, total: dora.changeFailure.total },
    superseded: supersededAt(s, records, at),
    ...(slos ? { slos } : {}),
  };
}

/** Each SLO's budget left at `at`; undefined without SLOs, a metrics server or events; `unavailable` when it does not answer. */
async function slosAt(services: HealthServices, s: ServiceSpec, at: Date): Promise<HealthSignals['slos']> {
  const slo = services.slo;
  if (!slo || !s.slos?.length) return undefined;
  try {
    const measured = await Promise.all(
      s.slos.map(async (spec) => {
        const ratio = await errorRatio(slo.source, spec, spec.windowMs, at, slo.timeoutMs);
        return ratio === undefined ? [] : [{ name: spec.name, left: budgetLeft(ratio, spec.objective) }];
      }),
    );
    const flat = measured.flat();
    return flat.length > 0 ? flat : undefined;
  } catch (err) {
    services.logger.warn({ err, project: s.project, service: s.name }, 'health could not measure the SLOs');
    return 'unavailable';
  }
}

/** Whether the records reach back to `past` for the service: sampler rows from then, else a deploy recorded by then. */
function knownAt(s: ServiceSpec, records: Records, past: Date): boolean {
  if (records.usage) return usageAt(records.usage, s, past) !== undefined;
  return (records.deploys.get(s.env) ?? []).some((d) => d.service === s.name && d.startedAt.getTime() <= past.getTime());
}

/** Every service of the environments, scored now and as of 30 days ago. */
export async function assessHealth(services: HealthServices, project: string, envs: readonly EnvironmentSpec[]): Promise<ServiceHealth[]> {
  const now = services.clock.now();
  const past = new Date(now.getTime() - TREND_DAYS * DAY_MS);
  const earliest = new Date(past.getTime() - INCIDENT_DAYS * DAY_MS);
  const store = services.actions.deployments;
  const [perEnv, incidents, usage] = await Promise.all([
    Promise.all(envs.map((e) => store.recent({ project, env: e.name, limit: MAX_RECORDS }))),
    services.incidents.store.between({ projects: [project], from: earliest, to: new Date(now.getTime() + 1) }),
    services.cost?.usage.daily({ projects: [project], from: new Date(startOfDay(past) - USAGE_DAYS * DAY_MS), to: new Date(startOfDay(now) + DAY_MS) }),
  ]);
  const records: Records = { deploys: new Map(envs.map((e, i) => [e.name, perEnv[i]!])), incidents, usage };
  const specs = envs.flatMap((e) => e.services);
  return Promise.all(
    specs.map(async (s) => {
      const known = knownAt(s, records, past);
      const [slosNow, slosPast] = await Promise.all([slosAt(services, s, now), known ? slosAt(services, s, past) : undefined]);
      const target = { project, env: s.env, service: s.name };
      return {
        env: s.env,
        service: s.name,
        health: scoreHealth(signalsAt(s, records, services, now, slosNow), now, target),
        past: known ? scoreHealth(signalsAt(s, records, services, past, slosPast), past, target) : null,
      };
    }),
  );
}
