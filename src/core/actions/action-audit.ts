import { actionAuditIntent, type ActionAuditEvent, type AuditEntry, type AuditOutcome } from '../ports/audit.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { PendingAction } from '../ports/pending-action.port.js';
import type { ActionRunDeps } from './action-deps.js';
import { noteActionFinished } from '../incidents/incident-timeline.js';

/** The user id recorded for events the bot itself causes (job runs, expiry, recovery). */
export const SYSTEM_USER = 'deckhand';

export type { ActionAuditEvent, ActionAuditIntent } from '../ports/audit.port.js';

const OUTCOME: Record<ActionAuditEvent, AuditOutcome> = { ran: 'ok', failed: 'error', refused: 'refused', expired: 'ok', recovered: 'error', scheduled: 'ok', cancelled: 'ok' };

/** How an action ended, for the incident timeline; undefined for events where nothing ran. */
const ENDED: Partial<Record<ActionAuditEvent, 'succeeded' | 'failed'>> = { ran: 'succeeded', failed: 'failed', recovered: 'failed' };

/** The audit entry of a lifecycle event of an action, as its ActionAuditIntent (`<kind>.<event>`). */
export function actionAuditEntry(clock: Clock, action: PendingAction, event: ActionAuditEvent, detail: string, durationMs = 0): AuditEntry {
  const { plan } = action;
  const args = `${plan.project}/${plan.env} ${plan.services.map((s) => (plan.kind === 'restart' ? s.service : `${s.service}@${s.targetVersion}`)).join(' ')}${plan.force ? ' --force' : ''}`;
  return {
    requestId: `action-${action.id}`,
    at: clock.now(),
    platform: action.platform,
    platformUserId: SYSTEM_USER,
    personId: action.claimedBy ?? action.requestedBy,
    chatId: action.chatId,
    intent: actionAuditIntent(plan.kind, event),
    args,
    outcome: OUTCOME[event],
    detail: detail.slice(0, 500),
    durationMs,
  };
}

/**
 * Records a lifecycle event of an action: audited as its ActionAuditIntent (`<kind>.<event>`), and an action that ran (or was
 * cut short) is noted on the project's open incidents. Failures of either are logged only. `recorded`: the
 * entry was written already (in the unit of work of the action's end), only the incident note is left.
 */
export async function auditAction(
  deps: Pick<ActionRunDeps, 'audit' | 'clock' | 'logger' | 'incidents'>,
  action: PendingAction,
  event: ActionAuditEvent,
  detail: string,
  durationMs = 0,
  recorded = false,
): Promise<void> {
  const ended = ENDED[event];
  if (ended) await noteActionFinished(deps, action, ended);
  if (!deps.audit || recorded) return;
  await deps.audit
    .record(actionAuditEntry(deps.clock, action, event, detail, durationMs))
    .catch((error: unknown) => deps.logger.warn({ err: error, actionId: action.id }, 'cannot audit action event'));
}
