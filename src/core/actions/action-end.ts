/**
 * The end of an action as one unit of work: its final status, the confirm message edited to the result and
 * the finish announcement (or, for a refusal, the words to the requester), so an ended action always has its
 * messages queued and no message is queued for an end that was not recorded.
 */
import type { Reply } from '../messages/reply.js';
import type { Notifier } from '../ports/notifier.port.js';
import type { PendingAction } from '../ports/pending-action.port.js';
import type { UnitOfWork } from '../ports/unit-of-work.port.js';
import type { ActionOutcome, ActionRunDeps } from './action-deps.js';
import { finishedAnnouncement } from './action-reply.js';

export async function finishWithMessages(deps: Pick<ActionRunDeps, 'unit'>, action: PendingAction, outcome: ActionOutcome, result: Reply, elapsedMs: number): Promise<void> {
  await deps.unit.run(async ({ pendingActions, notifier }) => {
    await pendingActions.finish(action.id, outcome.status, outcome.result);
    if (action.message) await notifier.edit(action.message, result, { key: `action:${action.id}:result` });
    await notifier.announce(action.plan.project, finishedAnnouncement(action, outcome, elapsedMs), { key: `action:${action.id}:finished` });
  });
}

/**
 * A refusal (nothing ran) as one unit: the `refused` status with its reason, the confirm message edited to
 * `result`, and what `tell` pushes (the requester told why). Throws when the unit could not be written.
 */
export async function refuseWithMessages(deps: { unit: UnitOfWork }, action: PendingAction, reason: string, result: Reply, tell?: (notifier: Notifier) => Promise<void>): Promise<void> {
  await deps.unit.run(async ({ pendingActions, notifier }) => {
    await pendingActions.finish(action.id, 'refused', reason);
    if (action.message) await notifier.edit(action.message, result, { key: `action:${action.id}:result` });
    await tell?.(notifier);
  });
}
