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

/** Pauses between the tries of an action's end before it is written without its unit. */
export const END_RETRY_PAUSES_MS = [200, 800, 2_000];

/**
 * The processor's end of an action: the unit, tried again after short pauses; when it still cannot be
 * written (an outbox row refused, a database blip), the final status is written alone and the messages pushed
 * as plain best-effort pushes. Left claimed instead, the action would show as running until the next start,
 * whose recovery would then report a finished deploy as cut short by a restart. Throws only when even the
 * status alone cannot be written (the database is away); recovery then ends it at the next start.
 */
export async function endAction(
  deps: Pick<ActionRunDeps, 'unit' | 'pendingActions' | 'notifier' | 'logger'>,
  action: PendingAction,
  outcome: ActionOutcome,
  result: Reply,
  elapsedMs: number,
  pausesMs: readonly number[] = END_RETRY_PAUSES_MS,
): Promise<void> {
  const log = deps.logger.child({ actionId: action.id });
  for (let attempt = 0; ; attempt++) {
    try {
      await finishWithMessages(deps, action, outcome, result, elapsedMs);
      return;
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
