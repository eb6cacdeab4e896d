/**
 * Expiry of pending actions nobody confirmed in time: each due action is marked expired (one conditional
 * update, so with several replicas each expires once), its confirm message loses its buttons and says
 * nothing ran, and the expiry is audited. An action clicked while the database was away is not expired on
 * the outage's account: it first gets back the time it had left (OutageClicks).
 */
import { ReplyBuilder } from '../messages/reply-builder.js';
import type { Reply } from '../messages/reply.js';
import type { AuditLog } from '../ports/audit.port.js';
import type { Clock } from '../ports/clock.port.js';
import { silentLogger, type Logger } from '../ports/logger.port.js';
import type { Notifier } from '../ports/notifier.port.js';
import type { PendingAction, PendingActionStore } from '../ports/pending-action.port.js';
import { auditAction } from './action-audit.js';
import { actionTitle } from './action-reply.js';
import type { OutageClicks } from './outage-clicks.js';

export interface ExpireDueDeps {
  pendingActions: PendingActionStore;
  notifier: Notifier;
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
  const expired = await deps.pendingActions.expireDue(deps.clock.now());
  for (const action of expired) {
    if (action.message) await deps.notifier.edit(action.message, expiredReply(action)).catch((e: unknown) => logger.warn({ err: e, actionId: action.id }, 'cannot edit expired action'));
    await auditAction({ audit: deps.audit, clock: deps.clock, logger }, action, 'expired', 'expired, nothing ran');
  }
  return expired.length;
}
