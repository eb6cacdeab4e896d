/**
 * The end of an action as one unit of work: its final status, the confirm message edited to the result and
 * the finish announcement, so an ended action always has its messages queued and no message is queued for
 * an end that was not recorded.
 */
import type { Reply } from '../messages/reply.js';
import type { PendingAction } from '../ports/pending-action.port.js';
import type { ActionOutcome, ActionRunDeps } from './action-deps.js';
import { finishedAnnouncement } from './action-reply.js';

export async function finishWithMessages(deps: Pick<ActionRunDeps, 'unit'>, action: PendingAction, outcome: ActionOutcome, result: Reply, elapsedMs: number): Promise<void> {
  await deps.unit.run(async ({ pendingActions, notifier }) => {
    await pendingActions.finish(action.id, outcome.status, outcome.result);
    if (action.message) await notifier.edit(action.message, result, { key: `action:${action.id}:result` });
    await notifier.announce(action.plan.project, finishedAnnouncement(action, outcome, elapsedMs), { key: `action:${action.id}:finished` });
  });
}
