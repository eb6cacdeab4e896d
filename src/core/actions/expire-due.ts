/**
 * Expiry of pending actions nobody confirmed in time: each due action is marked expired (one conditional
 * update, so with several replicas each expires once) and its confirm message loses its buttons and says
 * nothing ran, the two in one unit of work per action (an edit that cannot be queued leaves that action
 * pending for the next sweep, and the others go on); the expiry is then audited. An action clicked while the database was away is not expired on
 * the outage's account: it first gets back the time it had left (OutageClicks).
 */
import { ReplyBuilder } from '../messages/reply-builder.js';
import type { Reply } from '../messages/reply.js';
import type { AuditLog } from '../ports/audit.port.js';
import type { Clock } from '../ports/clock.port.js';
import { silentLogger, type Logger } from '../ports/logger.port.js';
import type { PendingAction, PendingActionStore } from '../ports/pending-action.port.js';
import type { UnitOfWork } from '../ports/unit-of-work.port.js';
import { auditAction } from './action-audit.js';
import { actionTitle } from './action-reply.js';
import type { OutageClicks } from './outage-clicks.js';

export interface ExpireDueDeps {
  /** Where the due actions are found; each is expired through `unit`. */
  pendingActions: PendingActionStore;
  /** Expires one action and edits its confirm message together. */
  unit: UnitOfWork;
  audit?: AuditLog;
  clock: Clock;
  logger?: Logger;
  /** The clicks the pipeline refused during a database outage: settled first, so none of them expires here. */
  outageClicks?: OutageClicks;
}

/** What an expired action's confirm message becomes: its title, no buttons, and that nothing ran. */
export function expiredReply(action: PendingAction): Reply {
  return new ReplyBuilder('warning').header(`${actionTitle(action.plan)} (expired)`).text('Expired, nothing ran.').build();
}

/** Expires every pending action due at the clock's now; returns how many this caller expired. */
export async function expireDue(deps: ExpireDueDeps): Promise<number> {
  const logger = deps.logger ?? silentLogger;
  await deps.outageClicks?.settle(deps.pendingActions, deps.clock.now());
  const now = deps.clock.now();
  let count = 0;
  for (const due of await deps.pendingActions.due(now)) {
    let expired: PendingAction | null;
    try {
      expired = await deps.unit.run(async ({ pendingActions, notifier }) => {
        const done = await pendingActions.expire(due.id, now);
        if (done?.message) await notifier.edit(done.message, expiredReply(done), { key: `action:${done.id}:expired` });
        return done;
      });
    } catch (e) {
      logger.warn({ err: e, actionId: due.id }, 'cannot expire action with its message edit; the next sweep tries again');
      continue;
    }
    // Null: clicked, cancelled or given more time since it was read, or expired by another replica.
    if (!expired) continue;
    count++;
    await auditAction({ audit: deps.audit, clock: deps.clock, logger }, expired, 'expired', 'expired, nothing ran');
  }
  return count;
}
