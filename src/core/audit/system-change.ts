/**
 * Audit entries for changes no chat command asked for: what a webhook changed (incident opened from an alert,
 * CI deploy recorded) and what the bot's schedules did (pages, handoffs, incidents closed while silenced).
 * They land in the same audit log as chat commands, with the source as the actor. A failed write is logged
 * and never undoes or fails the change.
 */
import { maskText } from '../domain/redact.js';
import type { AuditLog, AuditSource } from '../ports/audit.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { Logger } from '../ports/logger.port.js';

/** The actor of changes the bot's own schedules make. */
export const BOT_ACTOR = 'deckhand';

/** What such a change was, as the audit entry's intent. */
export type SystemChangeIntent =
  | 'incident.opened'
  | 'incident.updated'
  | 'incident.resolved'
  | 'incident.escalated'
  | 'oncall.handoff'
  | 'deploy.external';

export interface SystemChange {
  source: AuditSource;
  /** `alertmanager`, `github`, or BOT_ACTOR for schedules. */
  actor: string;
  /** Ties together the entries of one notification or delivery. */
  requestId: string;
  project: string;
  intent: SystemChangeIntent;
  args: string;
  detail?: string | null;
  durationMs?: number;
}

export interface SystemAuditDeps {
  audit?: AuditLog;
  clock: Clock;
  logger: Logger;
}

export async function auditSystemChange(deps: SystemAuditDeps, change: SystemChange): Promise<void> {
  if (!deps.audit) return;
  try {
    await deps.audit.record({
      requestId: change.requestId.slice(0, 100),
      at: deps.clock.now(),
      platform: change.source,
      platformUserId: change.actor,
      personId: null,
      chatId: change.project,
      intent: change.intent,
      args: maskText(change.args),
      outcome: 'ok',
      detail: change.detail ? maskText(change.detail).slice(0, 500) : null,
      durationMs: Math.max(0, Math.round(change.durationMs ?? 0)),
    });
  } catch (err) {
    deps.logger.warn({ err, intent: change.intent, project: change.project }, 'cannot audit a change');
  }
}
