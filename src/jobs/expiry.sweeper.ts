import { ReplyBuilder } from '../core/messages/reply-builder.js';
import type { Reply } from '../core/messages/reply.js';
import type { AuditLog } from '../core/ports/audit.port.js';
import type { Clock } from '../core/ports/clock.port.js';
import { silentLogger, type Logger } from '../core/ports/logger.port.js';
import type { Notifier } from '../core/ports/notifier.port.js';
import type { PendingAction, PendingActionStore } from '../core/ports/pending-action.port.js';
import { auditAction } from '../core/actions/action-audit.js';
import { actionTitle } from '../core/actions/action-reply.js';

export interface ExpirySweeperDeps {
  pendingActions: PendingActionStore;
  notifier: Notifier;
  audit?: AuditLog;
  clock: Clock;
  logger?: Logger;
  intervalMs: number;
}

export interface ExpirySweeper {
  /** One sweep now; returns how many actions expired. */
  sweep(): Promise<number>;
  stop(): void;
}

export function expiredReply(action: PendingAction): Reply {
  return new ReplyBuilder('warning').header(`${actionTitle(action.plan)} (expired)`).text('Expired, nothing ran.').build();
}

/** Periodically expires due pending actions, edits their confirm messages (buttons gone) and audits it. */
export function startExpirySweeper(deps: ExpirySweeperDeps): ExpirySweeper {
  const logger = deps.logger ?? silentLogger;
  let running: Promise<number> | null = null;
  const once = async (): Promise<number> => {
    const expired = await deps.pendingActions.expireDue(deps.clock.now());
    for (const action of expired) {
      if (action.message) await deps.notifier.edit(action.message, expiredReply(action)).catch((e: unknown) => logger.warn({ err: e, actionId: action.id }, 'cannot edit expired action'));
      await auditAction({ audit: deps.audit, clock: deps.clock, logger }, action, 'expired', 'expired, nothing ran');
    }
    return expired.length;
  };
  const sweep = (): Promise<number> => {
    running ??= once().finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => {
    sweep().catch((error: unknown) => logger.error({ err: error }, 'expiry sweep failed'));
  }, deps.intervalMs);
  timer.unref();
  return { sweep, stop: () => clearInterval(timer) };
}
