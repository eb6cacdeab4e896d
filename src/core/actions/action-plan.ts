import type { EnvironmentSpec, ServiceSpec } from '../domain/catalog.js';
import { formatLocal } from '../domain/rotation.js';
import { ReplyBuilder, replies } from '../messages/reply-builder.js';
import type { Reply } from '../messages/reply.js';
import type { ContainerInfo } from '../ports/runtime.port.js';
import type { ActionKind, ActionPlan, PendingAction, PlannedService } from '../ports/pending-action.port.js';
import type { CoreServices } from '../services.js';
import { findContainers, hostProblem, unitNounOf } from './runtime-query.js';
import { describeFreeze, describeLock, type ActionState } from './action-state.js';
import { revisionOf } from './revision.js';
import { deployChanges } from '../deploys/deploy-changes.js';
import { changesText } from './plan-changes.js';
import { describeUnits, planDetailLines } from './unit-details.js';
import { promotionReply } from '../promotions/promotion-reply.js';

export const CONFIRM = 'act.confirm';
export const CANCEL = 'act.cancel';
/** A promotion's "Schedule for tonight": approve now, run when the project's release window next opens. */
export const SCHEDULE = 'act.schedule';

/** A confirmable intent's answer: a plan to store behind buttons, or a reply refusing to plan. */
export type PlanResult = { ok: true; plan: ActionPlan; notes?: string[]; /** A scheduled action's run time. */ runAt?: Date } | { ok: false; reply: Reply; outcome?: 'refused' };

/** Target image/version for a service given what runs now; a string is a refusal. */
export type TargetFor = (service: ServiceSpec, current: ContainerInfo) => { image: string; version: string } | string | Promise<{ image: string; version: string } | string>;

/** Looks up what runs now and builds the plan; refuses when a host is unreachable or nothing runs. */
export async function buildPlan(
  kind: ActionKind,
  env: EnvironmentSpec,
  services: ServiceSpec[],
  force: boolean,
  targetFor: TargetFor,
  deps: CoreServices,
): Promise<PlanResult> {
  // A plan pins what an action will change: never from a runtime's cache.
  const found = await findContainers(services, deps, { fresh: true });
  const planned: PlannedService[] = [];
  const runningLabels: Record<string, string>[] = [];
  for (const s of services) {
    const r = found.get(s)!;
    if (!r.ok) return { ok: false, reply: replies.error(`${hostProblem(r)}; cannot plan ${kind} of ${s.name}.`) };
    const first = r.containers[0];
    if (!first) return { ok: false, reply: replies.error(`No ${unitNounOf(deps.runtimes, s.host)} of ${s.name} runs in ${env.name}; nothing to ${kind}.`) };
    const target = await targetFor(s, first);
    if (typeof target === 'string') return { ok: false, reply: replies.error(target) };
    const details = planDetailLines(s.host, await describeUnits(s, r.containers, deps, { fresh: true }));
    planned.push({
      service: s.name,
      host: s.host,
      currentImage: first.image,
      currentVersion: first.version,
      targetImage: target.image,
      targetVersion: target.version,
      revision: revisionOf(r.containers),
      units: r.containers.map((c) => c.name),
      ...(details.length > 0 ? { details } : {}),
    });
    runningLabels.push(first.labels);
  }
  if (kind !== 'restart') await addChanges(env, planned, runningLabels, deps);
  return { ok: true, plan: { kind, project: env.project, env: env.name, services: planned, force } };
}

/** Looks up, for every service at once, the commits between what runs and the target (never fails). */
async function addChanges(
  env: EnvironmentSpec,
  planned: PlannedService[],
  runningLabels: readonly Record<string, string>[],
  deps: CoreServices,
): Promise<void> {
  const sources = deps.actions.changes;
  if (!sources) return;
  await Promise.all(
    planned.map(async (s, i) => {
      const labels = runningLabels[i];
      const changes = await deployChanges(
        {
          project: env.project,
          env: env.name,
          service: s.service,
          current: { image: s.currentImage, version: s.currentVersion, ...(labels ? { labels } : {}) },
          target: { image: s.targetImage, version: s.targetVersion },
        },
        { sources, deployments: deps.actions.deployments, logger: deps.logger },
      );
      if (changes) s.changes = changes;
    }),
  );
}

/**
 * `yes: overrides the lock (audited and announced)` when --force passes something, plain `yes` when there
 * was nothing to override: never a colon with nothing after it.
 */
export function forceValue(state: ActionState): string {
  const overridden = [state.lock ? 'the lock' : null, state.freezes.length > 0 ? 'the freeze' : null].filter((s) => s !== null);
  return overridden.length > 0 ? `yes: overrides ${overridden.join(' and ')} (audited and announced)` : 'yes';
}

const VERB: Record<ActionKind, string> = { restart: 'Restart', deploy: 'Deploy', rollback: 'Roll back' };

/** Exactly what will change, with the lock/freeze state and who may confirm. */
export function describePlan(action: PendingAction, state: ActionState, personName: (id: string) => string, tz = 'UTC', scheduleAt?: Date): Reply {
  const { plan } = action;
  // A promotion shows the source's versions, its configuration diff and its checks (lock and freeze among them).
  if (plan.promotion) return promotionReply(plan, { action, tz, nameOf: personName, ...(scheduleAt && !action.runAt ? { scheduleAt } : {}) });
  const b = new ReplyBuilder(plan.force ? 'warning' : 'info').header(`${VERB[plan.kind]} ${plan.project}/${plan.env}: ${plan.services.map((s) => s.service).join(', ')}`);
  const rows = plan.services.map((s) => [
    s.service,
    plan.kind === 'restart' ? s.currentVersion : `${s.currentVersion} → ${s.targetVersion}`,
    s.units.join(', '),
    s.host,
  ]);
  b.table(['SERVICE', plan.kind === 'restart' ? 'VERSION' : 'CHANGE', 'CONTAINERS', 'HOST'], rows);
  if (plan.kind !== 'restart') b.text(plan.services.map((s) => `${s.currentImage} → ${s.targetImage}`).join('\n'));
  // What the runtime says of the units beyond the image (Kubernetes: namespace, cluster, replicas, strategy).
  const details = plan.services.flatMap((s) => (s.details ?? []).map((line) => (plan.services.length > 1 ? `${s.service}: ${line}` : line)));
  if (details.length > 0) b.text(details.join('\n'));
  const changes = plan.kind === 'restart' ? undefined : changesText(plan.services);
  if (changes) b.text(changes);
  const runAt = action.runAt ?? null;
  const fields = [
    { label: 'Requested by', value: personName(action.requestedBy) },
    ...(runAt ? [{ label: 'Runs at', value: formatLocal(runAt, tz) }] : []),
    { label: runAt ? 'Lock now' : 'Lock', value: state.lock ? describeLock(state.lock, tz, personName) : 'none' },
    { label: runAt ? 'Freeze then' : 'Freeze', value: state.freezes.length ? state.freezes.map((f) => describeFreeze(f, tz)).join('; ') : 'none' },
    { label: runAt ? 'Approve by' : 'Expires', value: formatLocal(action.expiresAt, tz) },
  ];
  if (plan.force) fields.push({ label: 'Force', value: forceValue(state) });
  b.fields(fields);
  if (runAt && state.freezes.length > 0 && !plan.force) b.text('⚠️ A freeze covers that time: unless it is lifted, this will not run then.');
  // "Freeze: none" is only as good as the feeds read: say when one of them is not.
  if (state.feedProblems?.length) b.text(state.feedProblems.map((p) => `⚠️ ${p}`).join('\n'));
  const when = runAt ? ' Lock, freeze and the running version are checked again at the run time.' : '';
  b.context(`${action.needsApproval ? 'Production: another operator must approve (four-eyes).' : runAt ? 'Nothing is scheduled until you confirm.' : 'Nothing runs until you confirm.'}${when}`);
  b.block({
    type: 'buttons',
    buttons: [
      { label: action.needsApproval ? 'Approve' : 'Confirm', actionId: CONFIRM, pendingId: action.id, style: 'primary' },
      { label: 'Cancel', actionId: CANCEL, pendingId: action.id, style: 'danger' },
    ],
  });
  return b.build();
}
