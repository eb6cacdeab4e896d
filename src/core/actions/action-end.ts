/**
 * The end of an action as one unit of work: its final status, the confirm message edited to the result, the
 * finish announcement and its audit entry, so an ended action always has its messages queued and its entry
 * written, and neither exists for an end that was not recorded.
 */
import type { Reply } from '../messages/reply.js';
import type { ActionAuditEvent } from '../ports/audit.port.js';
import type { Notifier } from '../ports/notifier.port.js';
import type { PendingAction } from '../ports/pending-action.port.js';
import type { UnitOfWork } from '../ports/unit-of-work.port.js';
import { actionAuditEntry } from './action-audit.js';
import type { ActionOutcome, ActionRunDeps } from './action-deps.js';
import { finishedAnnouncement } from './action-reply.js';

/** The audit entry of an action's end: its event (`ran`, `failed`, `recovered`), detail and duration. */
export interface EndAudit {
  event: ActionAuditEvent;
  detail: string;
  durationMs: number;
}

export async function finishWithMessages(deps: Pick<ActionRunDeps, 'unit' | 'clock'>, action: PendingAction, outcome: ActionOutcome, result: Reply, elapsedMs: number, audited: EndAudit): Promise<void> {
  await deps.unit.run(async ({ pendingActions, notifier, audit }) => {
    await pendingActions.finish(action.id, outcome.status, outcome.result);
    if (action.message) await notifier.edit(action.message, result, { key: `action:${action.id}:result` });
    await notifier.announce(action.plan.project, finishedAnnouncement(action, outcome, elapsedMs), { key: `action:${action.id}:finished` });
    await audit.record(actionAuditEntry(deps.clock, action, audited.event, audited.detail, audited.durationMs));
  });
}

/** Pauses between the tries of an action's end before it is written without its unit. */
export const END_RETRY_PAUSES_MS = [200, 800, 2_000];

/**
 * The processor's end of an action: the unit, tried again after short pauses; when it still cannot be
 * written (an outbox row refused, a database blip), the final status is written alone and the messages pushed
 * as plain best-effort pushes; it then says 'alone' and the caller writes the audit entry alone too. Left
 * claimed instead, the action would show as running until the next start, whose recovery would then report
 * a finished deploy as cut short by a restart. Throws only when even the status alone cannot be written (the
 * database is away); recovery then ends it at the next start.
 */
export async function endAction(
  deps: Pick<ActionRunDeps, 'unit' | 'pendingActions' | 'notifier' | 'logger' | 'clock'>,
  action: PendingAction,
  outcome: ActionOutcome,
  result: Reply,
  elapsedMs: number,
  audited: EndAudit,
  pausesMs: readonly number[] = END_RETRY_PAUSES_MS,
): Promise<'unit' | 'alone'> {
  const log = deps.logger.child({ actionId: action.id });
  for (let attempt = 0; ; attempt++) {
    try {
      await finishWithMessages(deps, action, outcome, result, elapsedMs, audited);
      return 'unit';
    } catch (err) {
      if (attempt >= pausesMs.length) {
        log.error({ err }, 'cannot write the end of the action with its messages; writing the end alone');
        break;
      }
      log.warn({ err, attempt: attempt + 1 }, 'cannot write the end of the action with its messages; trying again');
      await new Promise((resolve) => setTimeout(resolve, pausesMs[attempt]));
    }
  }
  await deps.pendingActions.finish(action.id, outcome.status, outcome.result);
  if (action.message) {
    await deps.notifier.edit(action.message, result, { key: `action:${action.id}:result` }).catch((e: unknown) => log.warn({ err: e }, 'cannot edit action message'));
  }
  await deps.notifier
    .announce(action.plan.project, finishedAnnouncement(action, outcome, elapsedMs), { key: `action:${action.id}:finished` })
    .catch((e: unknown) => log.warn({ err: e }, 'cannot announce the end of the action'));
  return 'alone';
}

/**
 * A refusal (nothing ran) as one unit: the `refused` status with its reason, the confirm message edited to
 * `result`, what `tell` pushes (the requester told why) and the audit entry. Throws when the unit could not
 * be written.
 * With `scheduledFor`, only a row still scheduled for that run time is refused; false (and nothing pushed)
 * when it was cancelled, moved or claimed meanwhile.
 */
export async function refuseWithMessages(
  deps: Pick<ActionRunDeps, 'unit' | 'clock'>,
  action: PendingAction,
  reason: string,
  result: Reply,
  tell?: (notifier: Notifier) => Promise<void>,
  opts: { scheduledFor?: Date } = {},
): Promise<boolean> {
  return deps.unit.run(async ({ pendingActions, notifier, audit }) => {
    if (opts.scheduledFor) {
      if (!(await pendingActions.refuseScheduled(action.id, opts.scheduledFor, reason))) return false;
    } else await pendingActions.finish(action.id, 'refused', reason);
    if (action.message) await notifier.edit(action.message, result, { key: `action:${action.id}:result` });
    await tell?.(notifier);
    await audit.record(actionAuditEntry(deps.clock, action, 'refused', reason));
    return true;
  });
}
