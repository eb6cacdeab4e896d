import { actionAuditIntent, type ActionAuditEvent, type AuditOutcome } from '../ports/audit.port.js';
import type { PendingAction } from '../ports/pending-action.port.js';
import type { ActionRunDeps } from './action-deps.js';
import { noteActionFinished } from '../incidents/incident-timeline.js';

/** The user id recorded for events the bot itself causes (job runs, expiry, recovery). */
export const SYSTEM_USER = 'deckhand';

export type { ActionAuditEvent, ActionAuditIntent } from '../ports/audit.port.js';

const OUTCOME: Record<ActionAuditEvent, AuditOutcome> = { ran: 'ok', failed: 'error', refused: 'refused', expired: 'ok', recovered: 'error', scheduled: 'ok', cancelled: 'ok' };

/** How an action ended, for the incident timeline; undefined for events where nothing ran. */
const ENDED: Partial<Record<ActionAuditEvent, 'succeeded' | 'failed'>> = { ran: 'succeeded', failed: 'failed', recovered: 'failed' };

/**
 * Records a lifecycle event of an action: audited as its ActionAuditIntent (`<kind>.<event>`), and an action that ran (or was
 * cut short) is noted on the project's open incidents. Failures of either are logged only.
 */
export async function auditAction(deps: Pick<ActionRunDeps, 'audit' | 'clock' | 'logger' | 'incidents'>, action: PendingAction, event: ActionAuditEvent, detail: string, durationMs = 0): Promise<void> {
  const ended = ENDED[event];
  if (ended) await noteActionFinished(deps, action, ended);
  if (!deps.audit) return;
  const { plan } = action;
  const args = `${plan.project}/${plan.env} ${plan.services.map((s) => (plan.kind === 'restart' ? s.service : `${s.service}@${s.targetVersion}`)).join(' ')}${plan.force ? ' --force' : ''}`;
  await deps.audit
    .record({
      requestId: `action-${action.id}`,
      at: deps.clock.now(),
      platform: action.platform,
      platformUserId: SYSTEM_USER,
      personId: action.claimedBy ?? action.requestedBy,
      chatId: action.chatId,
      intent: actionAuditIntent(plan.kind, event),
      args,
      outcome: OUTCOME[event],
      detail: detail.slice(0, 500),
      durationMs,
    })
    .catch((error: unknown) => deps.logger.warn({ err: error, actionId: action.id }, 'cannot audit action event'));
}
