import { describeLock } from './action-state.js';
import type { Deployment } from '../ports/deployment.port.js';
import type { Lock } from '../ports/lock.port.js';
import type { PendingAction, PlannedService } from '../ports/pending-action.port.js';
import { auditAction } from './action-audit.js';
import type { ActionOutcome, ActionRunDeps } from './action-deps.js';
import { describeError } from './action-errors.js';
import { ActionProgress } from './action-progress.js';
import { endAction, refuseWithMessages } from './action-end.js';
import { resultReply, startedAnnouncement } from './action-reply.js';
import type { RunContext } from './action-run.context.js';
import { acquireDeployLease, type DeployLease } from './deploy-lock.lease.js';
import { runDeploy } from './deploy.runner.js';
import { runRestart } from './restart.runner.js';
import { runPromotion } from '../promotions/promotion.runner.js';

/**
 * How a run is asked to stop: `signal` fires when the process shuts down (see runOptions). `claimedAt` is the
 * claim the job was queued for; a job without it (queued before claims were part of the job) runs whichever
 * claim is current.
 */
export interface RunOptions {
  signal?: AbortSignal;
  claimedAt?: Date;
}

/**
 * Runs one claimed action by id. Once `signal` fires, no further unit is touched: the unit under way
 * finishes, what the action changed is put back, and it ends failed saying Deckhand was shutting down.
 */
export type ActionProcessor = (actionId: string, opts?: RunOptions) => Promise<void>;

/**
 * Runs a claimed action (restart, deploy, rollback). Pure logic over the ports: the action queue's worker
 * calls it with the job's action id and claim. It never runs an action twice: only a `claimed` action runs,
 * and only for the job of its current claim; the (action, service) deployment records are unique in the
 * store. Jobs of one action take turns in this process: a job of an undone claim that reached the queue late
 * can be taken together with the next claim's job, and must not make that one look like a second run.
 */
export function createActionProcessor(deps: ActionRunDeps): ActionProcessor {
  const turns = new Map<string, Promise<void>>();
  return async (actionId, opts) => {
    const before = turns.get(actionId);
    if (before) deps.logger.info({ actionId }, 'another job of this action runs in this process; waiting for it');
    const run = before ? before.then(() => processOnce(actionId, deps, opts)) : processOnce(actionId, deps, opts);
    const turn = run.then(
      () => undefined,
      () => undefined,
    );
    turns.set(actionId, turn);
    try {
      await run;
    } finally {
      if (turns.get(actionId) === turn) turns.delete(actionId);
    }
  };
}

async function processOnce(actionId: string, deps: ActionRunDeps, opts: RunOptions | undefined): Promise<void> {
  const log = deps.logger.child({ actionId });
  const action = await deps.pendingActions.get(actionId);
  if (!action) return log.warn({}, 'unknown action; nothing to run');
  const jobClaim = opts?.claimedAt;
  if (jobClaim && action.claimedAt?.getTime() !== jobClaim.getTime()) {
    // The claim was undone after its enqueue timed out (the job reached Redis late), or claimed again since.
    return log.info({ status: action.status, jobClaimedAt: jobClaim.toISOString(), claimedAt: action.claimedAt?.toISOString() ?? null }, 'job of an earlier claim of this action; not running it');
  }
  if (action.status !== 'claimed') return log.info({ status: action.status }, 'action is not claimed; not running it');
  const signal = opts?.signal;
  if (action.plan.kind === 'restart') return execute(action, deps, null, null, signal);
  const got = await acquireDeployLease(action, deps);
  if (!got.ok) return refuse(action, deps, got.heldBy);
  await execute(action, deps, got.lease, got.overridden, signal);
}

async function execute(action: PendingAction, deps: ActionRunDeps, lease: DeployLease | null, overridden: Lock | null, signal: AbortSignal | undefined): Promise<void> {
  let records: Map<string, Deployment>;
  try {
    // A promotion starts each service's record when it reaches it, so services it never reached have none.
    records = action.plan.promotion ? new Map() : await startRecords(action, deps, action.plan.services);
  } catch (error) {
    // Records exist already (this action ran before) or the store is down: touch nothing, let the lease lapse.
    lease?.abandon();
    deps.logger.error({ err: error, actionId: action.id }, 'cannot start deployment records; not running the action');
    throw error;
  }
  try {
    const progress = new ActionProgress(action, deps, records);
    const startRecord = async (service: string) => {
      const s = action.plan.services.filter((p) => p.service === service && !records.has(service));
      for (const [name, d] of await startRecords(action, deps, s)) records.set(name, d);
    };
    // A promoted service's record is closed when it is promoted, so a crash later leaves it succeeded.
    const finished = new Set<string>();
    const finishRecord = async (service: string, text: string) => {
      const d = records.get(service);
      if (!d || finished.has(service)) return;
      finished.add(service);
      await deps.deployments.finish(d.id, 'succeeded', deps.clock.now(), text).catch((e: unknown) => deps.logger.error({ err: e, actionId: action.id }, 'cannot finish deployment'));
    };
    const ctx: RunContext = { action, deps, progress, startRecord, finishRecord, ...(signal ? { signal } : {}) };
    if (overridden) await progress.step(`Running despite the manual lock: ${describeLock(overridden, tz(deps, action.plan.project), name(deps))}`);
    await deps.notifier.announce(action.plan.project, startedAnnouncement(action, name(deps)), { key: `action:${action.id}:started` }).catch((e: unknown) => deps.logger.warn({ err: e }, 'cannot announce'));
    const outcome = await run(ctx);
    await conclude(ctx, new Map([...records].filter(([service]) => !finished.has(service))), outcome);
  } finally {
    await lease?.release();
  }
}

async function run(ctx: RunContext): Promise<ActionOutcome> {
  try {
    if (ctx.action.plan.kind === 'restart') return await runRestart(ctx);
    return ctx.action.plan.promotion ? await runPromotion(ctx) : await runDeploy(ctx);
  } catch (error) {
    ctx.deps.logger.error({ err: error, actionId: ctx.action.id }, 'action failed unexpectedly');
    return { status: 'failed', deployments: 'failed', result: `Stopped by an error: ${describeError(error)}.` };
  }
}

function startRecords(action: PendingAction, deps: ActionRunDeps, services: readonly PlannedService[]): Promise<Map<string, Deployment>> {
  const { plan } = action;
  const startedAt = deps.clock.now();
  const approvedBy = action.claimedBy !== null && action.claimedBy !== action.requestedBy ? action.claimedBy : null;
  return services.reduce(async (acc, s) => {
    const map = await acc;
    const d = await deps.deployments.start({
      actionId: action.id,
      kind: plan.kind,
      project: plan.project,
      env: plan.env,
      service: s.service,
      version: s.targetVersion,
      image: s.targetImage,
      previousVersion: s.currentVersion,
      previousImage: s.currentImage,
      requestedBy: action.requestedBy,
      approvedBy,
      startedAt,
      source: 'deckhand',
    });
    return map.set(s.service, d);
  }, Promise.resolve(new Map<string, Deployment>()));
}

/** Closes the records, finishes the pending action, edits the message, announces and audits. */
async function conclude(ctx: RunContext, records: Map<string, Deployment>, outcome: ActionOutcome): Promise<void> {
  const { action, deps, progress } = ctx;
  const log = deps.logger.child({ actionId: action.id });
  const at = deps.clock.now();
  for (const d of records.values()) {
    await deps.deployments.finish(d.id, outcome.byService?.[d.service] ?? outcome.deployments ?? 'failed', at, outcome.result).catch((e: unknown) => log.error({ err: e }, 'cannot finish deployment'));
  }
  // The end, its result message and its announcement commit together (tried again, then the end alone);
  // only when not even the end can be written does the action stay claimed, for recovery at the next start.
  // Its audit entry is part of the unit; written alone when the end was (or not even that could be).
  const audited = { event: outcome.status === 'succeeded' ? ('ran' as const) : ('failed' as const), detail: outcome.result, durationMs: progress.elapsedMs() };
  const written = await endAction(deps, action, outcome, progress.result(outcome), progress.elapsedMs(), audited).catch((e: unknown) => {
    log.error({ err: e }, 'cannot finish action');
    return 'alone' as const;
  });
  await auditAction(deps, action, audited.event, audited.detail, audited.durationMs, written === 'unit');
  log.info({ status: outcome.status, result: outcome.result }, 'action finished');
}

async function refuse(action: PendingAction, deps: ActionRunDeps, heldBy: Lock): Promise<void> {
  const outcome: ActionOutcome = { status: 'refused', deployments: null, result: `Refused: ${action.plan.project}/${action.plan.env} is ${describeLock(heldBy, tz(deps, action.plan.project), name(deps))}. Nothing ran.` };
  try {
    await refuseWithMessages(deps, action, outcome.result, resultReply(action, outcome, [], 0, name(deps)));
  } catch (e) {
    // Nothing was recorded: the action stays claimed, and recovery ends it with its messages.
    deps.logger.error({ err: e, actionId: action.id }, 'cannot refuse action');
  }
}

const name = (deps: ActionRunDeps) => (id: string) => deps.personName?.(id) ?? id;
const tz = (deps: ActionRunDeps, project: string): string => deps.timeZone?.(project) ?? 'UTC';
