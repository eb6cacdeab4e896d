/**
 * What the morning report shows about a project's environments: unhealthy services, recent deploys, open
 * incidents, who is on call, locks and freezes, DORA. Shared by the `morning` command and the scheduled report.
 */
import type { EnvironmentSpec, ServiceSpec } from '../domain/catalog.js';
import { computeDora } from '../domain/dora.js';
import type { MorningReportData, OnCallToday, ServiceProblem } from '../domain/morning-report.js';
import { incidentInEnvs } from '../domain/incident-deploys.js';
import { actionState } from '../actions/action-state.js';
import { findContainers, type ServiceContainers } from '../actions/runtime-query.js';
import type { CoreServices } from '../services.js';
import { projectOnCall } from '../oncall/oncall-now.js';
import { doraIncidents } from './dora-incidents.js';
import { reportRef } from '../support/bug-filing.js';
import { assessHealth } from '../health/health-data.js';
import { healthAttentionLines } from '../health/health-reply.js';
import { DateTime } from 'luxon';
import { projectConflicts } from '../calendar/calendar.js';
import { actionTitle } from '../actions/action-reply.js';
import { projectTimeZone } from '../domain/time-zone.js';

const DAY_MS = 86_400_000;
const DORA_DAYS = 30;
/** Records read per environment: the most DeploymentStore.recent returns (PostgreSQL store caps at 500). */
const MAX_RECORDS = 500;

/** What is wrong with a service's containers; empty when every container runs and is not unhealthy. */
function problemsOf(env: string, s: ServiceSpec, found: ServiceContainers): ServiceProblem[] {
  const at = { env, host: s.host };
  if (!found.ok) return [{ ...at, service: s.name, problem: found.problem }];
  if (found.containers.length === 0) return [{ ...at, service: s.name, problem: 'missing' }];
  const named = (c: { name: string }) => (found.containers.length > 1 ? `${s.name} (${c.name})` : s.name);
  return found.containers
    .filter((c) => c.state !== 'running' || c.health === 'unhealthy')
    .map((c) => ({ ...at, service: named(c), problem: c.state === 'running' ? 'unhealthy' : c.state }));
}

async function serviceHealth(envs: EnvironmentSpec[], services: CoreServices): Promise<MorningReportData['services']> {
  const specs = envs.flatMap((e) => e.services);
  const found = await findContainers(specs, services);
  const problems = envs.flatMap((e) => e.services.flatMap((s) => problemsOf(e.name, s, found.get(s)!)));
  return { total: specs.length, problems };
}

async function onCallToday(project: string, services: CoreServices, now: Date, people: Record<string, string>): Promise<OnCallToday[]> {
  const name = (id: string) => people[id] ?? id;
  const shifts = await projectOnCall(services.catalog.rotations, services.incidents.overrides, project, now);
  return shifts.map(({ spec, onCall }) => ({
    current: onCall.primary && name(onCall.primary),
    next: name(onCall.next),
    nextHandoff: onCall.nextHandoff,
    timezone: spec.timezone,
  }));
}

/** Open incidents of the project that concern the environments (see incidentInEnvs). */
async function openIncidents(project: string, envs: EnvironmentSpec[], services: CoreServices): Promise<MorningReportData['incidents']> {
  const names = envs.map((e) => e.name);
  const open = await services.incidents.store.openIncidents([project]);
  return open.filter((i) => incidentInEnvs(i, names, services.incidents.settings.envLabel));
}

/** Today's planned deploys (the project's local day) and their conflicts; absent where nothing schedules. */
async function plannedToday(project: string, envs: EnvironmentSpec[], services: CoreServices, now: Date): Promise<MorningReportData['planned']> {
  if (!services.actions.scheduler) return undefined;
  const day = DateTime.fromJSDate(now, { zone: projectTimeZone(services.catalog, project) }).startOf('day');
  const names = envs.map((e) => e.name);
  const { actions, conflicts } = await projectConflicts(project, names, day.toJSDate(), day.plus({ days: 1 }).toJSDate(), services);
  const today = actions.flatMap((a) =>
    (a.status === 'pending' || a.status === 'scheduled') && a.runAt && a.runAt >= now ? [{ id: a.id, at: a.runAt, what: actionTitle(a.plan), requestedBy: a.requestedBy, status: a.status }] : [],
  );
  return { today, conflicts: conflicts.filter((c) => c.at >= now).map(({ text, recommendation }) => ({ text, recommendation })) };
}

/** Gathers everything the report shows about the environments the person may see. */
export async function gatherMorningData(project: string, envs: EnvironmentSpec[], services: CoreServices): Promise<MorningReportData> {
  const now = services.clock.now();
  const people = Object.fromEntries(services.catalog.people.map((p) => [p.id, p.name]));
  const store = services.actions.deployments;
  const prod = envs.filter((e) => e.production);
  const doraEnvs = prod.length > 0 ? prod : envs;
  const [health, perEnv, states, incidents, doraIncidentList, scored] = await Promise.all([
    serviceHealth(envs, services),
    Promise.all(envs.map((e) => store.recent({ project, env: e.name, limit: MAX_RECORDS }))),
    Promise.all(envs.map((e) => actionState(project, e.name, services))),
    openIncidents(project, envs, services),
    doraIncidents(services, project, doraEnvs.map((e) => e.name), DORA_DAYS, now),
    assessHealth(services, project, envs),
  ]);
  const doraRecords = perEnv.filter((_, i) => doraEnvs.includes(envs[i]!)).flat();
  const onCall = await onCallToday(project, services, now, people);
  const critical = services.bugs && (await services.bugs.reports.openCritical(project, 3));
  const planned = await plannedToday(project, envs, services, now);
  return {
    project,
    now,
    since: new Date(now.getTime() - DAY_MS),
    timezone: onCall[0]?.timezone ?? 'UTC',
    people,
    services: health,
    deployments: perEnv.flat(),
    incidents,
    onCall,
    locks: states.flatMap((s) => (s.lock ? [s.lock] : [])),
    freezes: states.flatMap((s, i) => s.freezes.map((freeze) => ({ env: envs[i]!.name, freeze }))),
    health: healthAttentionLines(scored),
    dora: { envs: doraEnvs.map((e) => e.name), report: computeDora(doraRecords, doraIncidentList, { days: DORA_DAYS }, now) },
    ...(planned ? { planned } : {}),
    ...(critical ? { criticalBugs: { count: critical.count, oldest: critical.oldest.map((r) => ({ ref: reportRef(r), title: r.title, createdAt: r.createdAt })) } } : {}),
  };
}
