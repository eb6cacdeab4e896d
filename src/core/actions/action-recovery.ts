import type { PendingAction } from '../ports/pending-action.port.js';
import { auditAction } from './action-audit.js';
import type { ActionOutcome, ActionRunDeps } from './action-deps.js';
import { describeError } from './action-errors.js';
import { finishWithMessages } from './action-end.js';
import { resultReply } from './action-reply.js';
import { countedIn, unitNounOf } from './runtime-query.js';
import { holderOf } from './deploy-lock.lease.js';

export interface RecoveryDeps extends Omit<ActionRunDeps, 'settings'> {
  /** True when the job of the action's current claim (`claimedAt`) is waiting or run by a live worker: leave it alone. */
  isQueued(actionId: string, claimedAt: Date | null): Promise<boolean>;
  /** Actions claimed more recently than this are skipped (their job may be about to be enqueued). */
  graceMs?: number;
}

export interface RecoveredAction {
  actionId: string;
  restored: number;
  /** Units that could not be put back (chat-safe descriptions). */
  problems: string[];
}

/**
 * Start-up recovery: every action claimed but never finished whose job no live worker runs was cut short
 * (the bot stopped mid-run). It is never run again: every runtime of its plan recovers its rollout (a plan's
 * rollouts are committed only at the end, so this covers the hosts done before the one cut short), its
 * running deployments are failed, its deploy lock released, and it is finished as failed with a clear message.
 */
export async function recoverUnfinished(deps: RecoveryDeps): Promise<RecoveredAction[]> {
  const recovered: RecoveredAction[] = [];
  const cutoff = deps.clock.now().getTime() - (deps.graceMs ?? 0);
  for (const action of await deps.pendingActions.unfinished()) {
    if (action.claimedAt && action.claimedAt.getTime() > cutoff) continue;
    if (await deps.isQueued(action.id, action.claimedAt)) continue;
    recovered.push(await recoverOne(action, deps));
  }
  return recovered;
}

async function recoverOne(action: PendingAction, deps: RecoveryDeps): Promise<RecoveredAction> {
  const log = deps.logger.child({ actionId: action.id });
  const { restored, restoredOn, problems } = await recoverRollouts(action, deps);
  const now = deps.clock.now();
  let result = `Deckhand restarted while this ran; it was stopped and ${countedIn(deps.runtimes, restoredOn)} ${restored === 1 ? 'was' : 'were'} restored.`;
  if (problems.length > 0) result += ` Could not restore ${problems.join(', ')}: check by hand.`;
  const running = (await deps.deployments.running()).filter((d) => d.actionId === action.id);
  for (const d of running) await deps.deployments.finish(d.id, 'failed', now, result);
  await deps.locks.release(action.plan.project, action.plan.env, holderOf(action.id));
  const outcome: ActionOutcome = { status: 'failed', deployments: 'failed', result };
  const elapsed = action.claimedAt ? now.getTime() - action.claimedAt.getTime() : 0;
  const name = (id: string) => deps.personName?.(id) ?? id;
  await finishWithMessages(deps, action, outcome, resultReply(action, outcome, [], elapsed, name), elapsed, { event: 'recovered', detail: result, durationMs: 0 });
  await auditAction(deps, action, 'recovered', result, 0, true);
  log.warn({ restored, problems }, 'recovered an action cut short by a restart');
  return { actionId: action.id, restored, problems };
}

/** Asks every runtime of the plan to put back the units of its uncommitted rollout. */
async function recoverRollouts(action: PendingAction, deps: RecoveryDeps): Promise<{ restored: number; restoredOn: [string, number][]; problems: string[] }> {
  let restored = 0;
  const restoredOn: [string, number][] = [];
  const problems: string[] = [];
  for (const host of new Set(action.plan.services.map((s) => s.host))) {
    const interrupted = action.plan.services.filter((s) => s.host === host).map((s) => ({ service: s.service, units: s.units }));
    try {
      const r = await deps.runtimes.get(host).recover(interrupted);
      restored += r.restored;
      restoredOn.push([host, r.restored]);
      problems.push(...r.problems);
    } catch (error) {
      deps.logger.error({ err: error, actionId: action.id, host }, 'cannot recover the interrupted rollout');
      problems.push(`${unitNounOf(deps.runtimes, host)}s on ${host} (${describeError(error)})`);
    }
  }
  return { restored, restoredOn, problems };
}
