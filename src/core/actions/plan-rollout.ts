import type { PlannedService } from '../ports/pending-action.port.js';
import type { PrepareResult, ProgressSink, RolloutFailed, RolloutRequest, RolloutResult, RolloutSucceeded } from '../ports/runtime.port.js';
import { describeError } from './action-errors.js';
import { positions, progressSink, runOne, type RunContext } from './action-run.context.js';
import { revertSentence } from './revert-sentence.js';
import { countedIn } from './runtime-query.js';
import { SHUTTING_DOWN, shuttingDown } from './shutting-down.js';

/** How a plan's rollout ended, across every runtime it touches. */
export type PlanRolloutOutcome = { status: 'succeeded'; changed: number; changedOn: [string, number][] } | { status: 'failed' | 'rolled_back'; result: string };

/** The rollout request of one host's part of the plan (its targets and health; the position is added here). */
export type RequestFor = (services: PlannedService[]) => Omit<RolloutRequest, 'position'>;

interface Ran {
  host: string;
  services: PlannedService[];
  rollout: RolloutSucceeded;
}

/**
 * Rolls a plan out all-or-nothing across its runtimes, in phases: every runtime prepares (fetches its
 * images) before any unit is touched, and a failure there stops everything; then each runtime rolls out,
 * in plan order. When one does not succeed (it has put its own units back), the runtimes done before it
 * undo theirs, newest first, and the result counts what is back across all of them. When all succeed,
 * each commits. Until then nothing is final, so a crash leaves every runtime's units for `recover`.
 * Once the shutdown signal fires, no further runtime is prepared or rolled out (the one rolling out stops
 * between units and puts back its own), and the runtimes done before undo theirs, as after a failure.
 */
export async function rolloutPlan(ctx: RunContext, groups: Map<string, PlannedService[]>, requestFor: RequestFor): Promise<PlanRolloutOutcome> {
  const onProgress = progressSink(ctx);
  for (const [host, services] of groups) {
    if (shuttingDown(ctx.signal)) return { status: 'failed', result: `${SHUTTING_DOWN}. Nothing was changed.` };
    const prepared = await runOne<PrepareResult>(ctx, host, (runtime) => runtime.prepare(requestFor(services), onProgress), notPrepared);
    if (!prepared.ok) return { status: 'failed', result: prepared.result };
  }
  const at = positions(groups);
  const ran: Ran[] = [];
  for (const [host, services] of groups) {
    if (shuttingDown(ctx.signal)) {
      if (ran.length === 0) return { status: 'failed', result: `${SHUTTING_DOWN}. Nothing was changed.` };
      return undoEarlier(ctx, ran, host, shutdownBeforeRollout, onProgress);
    }
    const request = { ...requestFor(services), position: at.get(host)! };
    const outcome = await runOne<RolloutResult>(ctx, host, (runtime) => runtime.rollout(request, onProgress), stoppedByError, notTouched);
    if (outcome.status !== 'succeeded') {
      return ran.length === 0 ? { status: outcome.status, result: outcome.result } : undoEarlier(ctx, ran, host, outcome, onProgress);
    }
    ran.push({ host, services, rollout: outcome });
  }
  for (const r of ran) {
    try {
      await r.rollout.commit();
    } catch (error) {
      // The rollout stands; what was left behind (an old container) is logged, not fatal.
      ctx.deps.logger.warn({ err: error, actionId: ctx.action.id, host: r.host }, 'cannot commit the rollout');
    }
  }
  return { status: 'succeeded', changed: ran.reduce((n, r) => n + r.rollout.changed, 0), changedOn: ran.map((r) => [r.host, r.rollout.changed]) };
}

/** Shut down before this runtime's rollout began: it touched nothing, the ones before it undo theirs. */
const shutdownBeforeRollout: RolloutFailed = { status: 'failed', reason: SHUTTING_DOWN, result: `${SHUTTING_DOWN}.`, restored: 0, problems: [], untouched: true };

const notPrepared = (why: string): PrepareResult => ({ ok: false, result: `Stopped before changing anything: ${why}.` });

const notTouched = (why: string): RolloutFailed => {
  const reason = `Stopped before changing anything: ${why}`;
  return { status: 'failed', reason, result: `${reason}.`, restored: 0, problems: [], untouched: true };
};

/** The runtime threw: how far it got is unknown, so its units are not known to be back. */
const stoppedByError = (why: string): RolloutFailed => {
  const reason = `Stopped by an error: ${why}`;
  return { status: 'failed', reason, result: `${reason}.`, restored: 0, problems: [] };
};

/** After `failedHost` did not succeed: undoes the runtimes that did, newest first, and says what is back. */
async function undoEarlier(ctx: RunContext, ran: Ran[], failedHost: string, failure: RolloutFailed, onProgress: ProgressSink): Promise<PlanRolloutOutcome> {
  const restoredOn: [string, number][] = [[failedHost, failure.restored]];
  const problems = [...failure.problems];
  for (const r of [...ran].reverse()) {
    const names = r.services.map((s) => s.service).join(', ');
    const why = shuttingDown(ctx.signal) ? 'Deckhand is shutting down' : `${failedHost} did not succeed`;
    await onProgress(`${why}; putting ${names} on ${r.host} back to the previous version…`);
    try {
      const back = await r.rollout.undo(onProgress);
      restoredOn.push([r.host, back.restored]);
      problems.push(...back.problems);
    } catch (error) {
      ctx.deps.logger.error({ err: error, actionId: ctx.action.id, host: r.host }, 'cannot undo the rollout');
      problems.push(`${names} on ${r.host} (${describeError(error)})`);
    }
  }
  const failedHostBack = failure.status === 'rolled_back' || failure.untouched === true;
  const restored = restoredOn.reduce((n, [, c]) => n + c, 0);
  const result = revertSentence(failure.reason, restored, problems, countedIn(ctx.deps.runtimes, restoredOn));
  return { status: problems.length === 0 && failedHostBack ? 'rolled_back' : 'failed', result };
}
