/**
 * The plan of `promote <project> <from> <to>`: per service what runs in the source and in the target and
 * the commits between, the configuration diff (keys only), whether every image is in its registry, and
 * the pre-flight checks. Everything is looked up before anything runs; a ⛔ refuses, a ⚠️ refuses unless
 * an admin asked with --force, and otherwise the plan goes behind Promote now / Cancel like a deploy's.
 */
import { actionState, type NameOf } from '../actions/action-state.js';
import type { PlanResult } from '../actions/action-plan.js';
import { revisionOf } from '../actions/revision.js';
import { describeRuntimeError, findContainers, hostProblem, withTimeout, type ServiceContainers } from '../actions/runtime-query.js';
import { describeUnits, planDetailLines } from '../actions/unit-details.js';
import { deployChanges } from '../deploys/deploy-changes.js';
import type { EnvironmentSpec, ServiceSpec } from '../domain/catalog.js';
import { replies } from '../messages/reply-builder.js';
import type { Incident } from '../ports/incident.port.js';
import type { ActionPlan, ConfigDiff, PlannedService, PreflightCheck } from '../ports/pending-action.port.js';
import type { ContainerInfo } from '../ports/runtime.port.js';
import type { CoreServices } from '../services.js';
import { CONFIG_HASH_PURPOSE, configDiff } from './config-diff.js';
import { concerns, healthCheck, imagesCheck, incidentsCheck, runningSince, soakCheck, targetCheck } from './promotion-checks.js';
import { promotionReply } from './promotion-reply.js';

/** Incidents opened this recently in the source block a promotion (and any still open). */
export const INCIDENT_WINDOW_MS = 24 * 3_600_000;
const HISTORY_LOOKBACK = 20;

/** One service in both environments (same name). */
export interface PromotedPair {
  from: ServiceSpec;
  to: ServiceSpec;
}

export interface PromotionRequest {
  from: EnvironmentSpec;
  to: EnvironmentSpec;
  services: PromotedPair[];
  force: boolean;
  personId: string;
  nameOf: NameOf;
  tz: string;
}

interface Side {
  pair: PromotedPair;
  source: ContainerInfo[];
  target: ContainerInfo[];
}

const refuse = (text: string, hint?: string): PlanResult => ({ ok: false, reply: replies.error(text, hint) });

export async function planPromotion(req: PromotionRequest, deps: CoreServices): Promise<PlanResult> {
  const promotion = deps.actions.promotion;
  if (!promotion) return refuse('Promotion is not set up in this Deckhand.');
  const { from, to } = req;
  const found = await findContainers(req.services.flatMap((p) => [p.from, p.to]), deps, { fresh: true });
  const sides: Side[] = [];
  for (const pair of req.services) {
    const source = found.get(pair.from)!;
    const target = found.get(pair.to)!;
    for (const r of [source, target]) if (!r.ok) return refuse(`${hostProblem(r)}; cannot plan the promotion of ${pair.to.name}.`);
    const [s, t] = [containersOf(source), containersOf(target)];
    if (s.length === 0) return refuse(`No container of ${pair.from.name} runs in ${from.name}; nothing to promote.`);
    if (t.length === 0) return refuse(`No container of ${pair.to.name} runs in ${to.name}: a promotion replaces running containers.`, `Start ${pair.to.name} in ${to.name} first, or leave it out.`);
    sides.push({ pair, source: s, target: t });
  }
  const inSync = sides.filter((s) => synced(s)).map((s) => s.pair.to.name);
  const moving = sides.filter((s) => !synced(s));
  if (moving.length === 0) {
    const versions = sides.map((s) => `${s.pair.to.name} ${s.source[0]!.version}`).join(', ');
    return { ok: false, reply: replies.info(`Nothing to promote: ${to.name} already runs what ${from.name} runs (${versions}).`) };
  }

  const now = deps.clock.now();
  const [planned, config, images, histories, incidents, state] = await Promise.all([
    Promise.all(moving.map((s) => plannedService(s, req, deps))),
    configDiffs(moving, deps, promotion.keys),
    Promise.all(moving.map(async (s) => ({ image: s.source[0]!.image, presence: await promotion.images.exists(s.source[0]!.image) }))),
    Promise.all(moving.map((s) => deps.actions.deployments.recent({ project: from.project, env: from.name, service: s.pair.from.name, limit: HISTORY_LOOKBACK }).catch(() => []))),
    incidentsOf(req, moving, deps, now),
    actionState(to.project, to.name, deps),
  ]);
  const mixed = moving.filter((s) => new Set(s.source.map((c) => c.imageId)).size > 1).map((s) => s.pair.from.name);
  const checks: PreflightCheck[] = [
    ...(mixed.length > 0 ? [{ level: 'block' as const, text: `${from.name} runs more than one version of ${mixed.join(', ')}` }] : []),
    ...imagesCheck(images),
    healthCheck(from.name, moving.map((s) => ({ service: s.pair.from.name, containers: s.source }))),
    ...incidentsCheck(from.name, incidents, now, INCIDENT_WINDOW_MS),
    ...soakCheck(from.name, promotion.soakMs, moving.map((s, i) => ({ service: s.pair.from.name, since: runningSince(s.source[0]!.version, histories[i]!, s.source) })), now),
    ...targetCheck(to.name, state, req.personId, req.nameOf, req.tz),
    { level: 'ok', text: `what runs in ${to.name} is checked again when Promote now is clicked` },
  ];
  const plan: ActionPlan = {
    kind: 'deploy',
    project: to.project,
    env: to.name,
    services: planned,
    force: req.force,
    promotion: { from: from.name, config, checks, inSync },
  };
  const blocked = checks.filter((c) => c.level === 'block');
  const warned = checks.filter((c) => c.level === 'warn');
  if (blocked.length > 0) {
    return { ok: false, outcome: 'refused', reply: promotionReply(plan, { verdict: `Cannot promote: ${plural(blocked.length, 'check')} failed (⛔).`, tz: req.tz, nameOf: req.nameOf }) };
  }
  if (warned.length > 0 && !req.force) {
    const verdict = `Not promoted: ${plural(warned.length, 'warning')} (⚠️). An admin may promote anyway with --force (audited and announced).`;
    return { ok: false, outcome: 'refused', reply: promotionReply(plan, { verdict, tz: req.tz, nameOf: req.nameOf }) };
  }
  return { ok: true, plan };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

const containersOf = (r: ServiceContainers): ContainerInfo[] => (r.ok ? r.containers : []);

/** The target already runs, in every unit, the image the source runs. */
function synced(s: Side): boolean {
  const source = s.source[0]!;
  return s.source.every((c) => c.imageId === source.imageId) && s.target.every((c) => c.imageId === source.imageId && c.image === source.image);
}

/** The deploy of one service: the target's units to the source's image, with the commits between. */
async function plannedService(s: Side, req: PromotionRequest, deps: CoreServices): Promise<PlannedService> {
  const current = s.target[0]!;
  const source = s.source[0]!;
  const details = planDetailLines(s.pair.to.host, await describeUnits(s.pair.to, s.target, deps, { fresh: true }));
  const planned: PlannedService = {
    service: s.pair.to.name,
    host: s.pair.to.host,
    currentImage: current.image,
    currentVersion: current.version,
    targetImage: source.image,
    targetVersion: source.version,
    revision: revisionOf(s.target),
    units: s.target.map((c) => c.name),
    ...(details.length > 0 ? { details } : {}),
  };
  const sources = deps.actions.changes;
  if (sources) {
    const changes = await deployChanges(
      {
        project: req.to.project,
        env: req.to.name,
        service: planned.service,
        current: { image: current.image, version: current.version, labels: current.labels },
        target: { image: source.image, version: source.version, labels: source.labels },
      },
      { sources, deployments: deps.actions.deployments, logger: deps.logger },
    );
    if (changes) planned.changes = changes;
  }
  return planned;
}

/** Each service's environment in both places, compared by keyed hash; a side that cannot be read says so. */
async function configDiffs(sides: readonly Side[], deps: CoreServices, keys: NonNullable<CoreServices['actions']['promotion']>['keys']): Promise<ConfigDiff[]> {
  const key = await keys.key(CONFIG_HASH_PURPOSE);
  const timeoutMs = deps.limits.hostTimeoutMs;
  const read = async (spec: ServiceSpec, unit: ContainerInfo): Promise<Record<string, string> | string> => {
    try {
      return await withTimeout(timeoutMs, (signal) => deps.runtimes.get(spec.host).env(unit.id, { signal }));
    } catch (err) {
      deps.metrics.runtimeError(spec.host, 'environment');
      return `${unit.name}: ${describeRuntimeError(err, timeoutMs)}`;
    }
  };
  return Promise.all(
    sides.map(async (s) => {
      const [source, target] = await Promise.all([read(s.pair.from, s.source[0]!), read(s.pair.to, s.target[0]!)]);
      if (typeof source === 'string' || typeof target === 'string') {
        const why = [source, target].filter((v): v is string => typeof v === 'string').join('; ');
        return { service: s.pair.to.name, missingInTarget: [], missingInSource: [], differing: [], unknown: `cannot read the environment (${why})` };
      }
      return configDiff(s.pair.to.name, key, source, target);
    }),
  );
}

/**
 * What stops a scheduled promotion at its run time, besides what stops any scheduled action (lock, freeze,
 * drift of the target): the source may have gone bad since the plan was approved, hours earlier. An incident
 * opened on a promoted service in the source, or a source unit no longer healthy (or unreadable), refuses it.
 */
export async function promotionRunTimeProblems(plan: ActionPlan, deps: CoreServices): Promise<string[]> {
  const promotion = plan.promotion;
  if (!promotion) return [];
  const from = deps.catalog.projects.find((p) => p.name === plan.project)?.environments.find((e) => e.name === promotion.from);
  if (!from) return [`the source environment ${promotion.from} is no longer configured`];
  const specs = plan.services.map((s) => from.services.find((f) => f.name === s.service));
  const missing = plan.services.filter((_, i) => specs[i] === undefined).map((s) => s.service);
  if (missing.length > 0) return [`${missing.join(', ')} no longer configured in ${from.name}`];
  const present = specs.filter((s): s is ServiceSpec => s !== undefined);
  const found = await findContainers(present, deps, { fresh: true });
  const units: { service: string; containers: ContainerInfo[] }[] = [];
  for (const spec of present) {
    const r = found.get(spec)!;
    if (!r.ok) return [`${hostProblem(r)}; cannot check ${spec.name} in ${from.name}`];
    units.push({ service: spec.name, containers: r.containers });
  }
  const now = deps.clock.now();
  const incidents = await incidentsIn(from, new Set(present.map((s) => s.name)), deps, now);
  const checks = [healthCheck(from.name, units), ...incidentsCheck(from.name, incidents, now, INCIDENT_WINDOW_MS)];
  return checks.filter((c) => c.level === 'block').map((c) => c.text);
}

/** Incidents of the project opened in the window, or still open, whose alerts name a promoted service in the source. */
async function incidentsOf(req: PromotionRequest, sides: readonly Side[], deps: CoreServices, now: Date): Promise<{ incident: Incident; service: string }[]> {
  return incidentsIn(req.from, new Set(sides.map((s) => s.pair.from.name)), deps, now);
}

async function incidentsIn(from: EnvironmentSpec, names: ReadonlySet<string>, deps: CoreServices, now: Date): Promise<{ incident: Incident; service: string }[]> {
  const store = deps.incidents.store;
  const project = [from.project];
  const [recent, open] = await Promise.all([
    store.between({ projects: project, from: new Date(now.getTime() - INCIDENT_WINDOW_MS), to: new Date(now.getTime() + 1) }),
    store.openIncidents(project),
  ]);
  const byId = new Map<string, Incident>([...recent, ...open].map((i) => [i.id, i]));
  const out: { incident: Incident; service: string }[] = [];
  for (const incident of [...byId.values()].sort((a, b) => b.openedAt.getTime() - a.openedAt.getTime())) {
    const service = concerns(incident, names, from.name, deps.incidents.settings);
    if (service) out.push({ incident, service });
  }
  return out;
}
