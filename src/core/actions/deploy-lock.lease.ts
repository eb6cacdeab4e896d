import { actionHolder, heldByPerson, type Lock, type LockHolder } from '../ports/lock.port.js';
import type { PendingAction } from '../ports/pending-action.port.js';
import type { ActionRunDeps } from './action-deps.js';

/** A held deploy lock, renewed on an interval until released. */
export interface DeployLease {
  /** False when a renewal found the lock gone (the lease expired and someone else took it). */
  readonly held: () => boolean;
  /** Stops renewing and releases the lock (only if this action still holds it). */
  release(): Promise<void>;
  /** Stops renewing without releasing: the lease then runs out on its own. */
  abandon(): void;
}

export type LeaseResult =
  | { ok: true; lease: DeployLease | null; overridden: Lock | null }
  | { ok: false; heldBy: Lock };

export const holderOf = (actionId: string): LockHolder => actionHolder(actionId);

/**
 * Takes the project/env deploy lock for a deploy or rollback. A live deploy lock of another action always
 * refuses. A manual lock refuses unless it belongs to the requester or approver, or the plan is forced;
 * then the action runs under that manual lock (the store keeps one lock per project/env).
 */
export async function acquireDeployLease(action: PendingAction, deps: ActionRunDeps): Promise<LeaseResult> {
  const { project, env } = action.plan;
  const holder = holderOf(action.id);
  const leaseMs = deps.settings.lockLeaseMs;
  const now = deps.clock.now();
  const got = await deps.locks.acquire(
    { project, env, kind: 'deploy', holder, reason: `${action.plan.kind} ${action.id}`, leaseUntil: new Date(now.getTime() + leaseMs) },
    now,
  );
  if (!got.ok) {
    const mine = heldByPerson(got.heldBy, action.requestedBy) || heldByPerson(got.heldBy, action.claimedBy);
    if (got.heldBy.kind === 'manual' && (mine || action.plan.force)) return { ok: true, lease: null, overridden: got.heldBy };
    return { ok: false, heldBy: got.heldBy };
  }
  return { ok: true, lease: renewing(action, deps), overridden: null };
}

function renewing(action: PendingAction, deps: ActionRunDeps): DeployLease {
  const { project, env } = action.plan;
  const holder = holderOf(action.id);
  const log = deps.logger.child({ actionId: action.id });
  let held = true;
  const timer = setInterval(() => {
    const until = new Date(deps.clock.now().getTime() + deps.settings.lockLeaseMs);
    deps.locks.renew(project, env, holder, until).then(
      (ok) => {
        if (!ok && held) log.error({ project, env }, 'deploy lock lost while the action runs');
        held &&= ok;
      },
      (error: unknown) => log.warn({ err: error }, 'cannot renew deploy lock'),
    );
  }, Math.max(50, Math.floor(deps.settings.lockLeaseMs / 3)));
  timer.unref();
  return {
    held: () => held,
    abandon: () => clearInterval(timer),
    async release() {
      clearInterval(timer);
      await deps.locks.release(project, env, holder).catch((error: unknown) => log.error({ err: error }, 'cannot release deploy lock'));
    },
  };
}
