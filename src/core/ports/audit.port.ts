import type { Platform } from '../messages/inbound.js';
import type { ActionKind } from './pending-action.port.js';

export type AuditOutcome = 'ok' | 'refused' | 'invalid' | 'not_found' | 'error';

/**
 * Where a change came from when no chat asked for it: a webhook (the actor is its source, `alertmanager`,
 * `github`) or the bot's own schedules (the actor is `deckhand`). The chat id then names the project.
 */
export type AuditSource = 'webhook' | 'schedule';

/** What happened to a confirmed action (restart, deploy, rollback) in its life after the click. */
export type ActionAuditEvent = 'ran' | 'failed' | 'refused' | 'expired' | 'recovered' | 'scheduled' | 'cancelled';

/** The intent of an action's lifecycle entry, e.g. `deploy.ran`, `restart.recovered`. */
export type ActionAuditIntent = `${ActionKind}.${ActionAuditEvent}`;

export const actionAuditIntent = (kind: ActionKind, event: ActionAuditEvent): ActionAuditIntent => `${kind}.${event}`;

export interface AuditEntry {
  requestId: string;
  at: Date;
  platform: Platform | AuditSource;
  /** The platform's user id; for a webhook or schedule, the actor (`alertmanager`, `github`, `deckhand`). */
  platformUserId: string;
  /** Config person id, null when the platform user is unknown. */
  personId: string | null;
  chatId: string;
  /**
   * Intent name (a chat intent, an ActionAuditIntent, or a system change such as `incident.opened`), or
   * null when the command could not be resolved to one.
   */
  intent: string | null;
  /** Arguments as typed, with secrets masked. */
  args: string;
  outcome: AuditOutcome;
  /** Short reason for refusals and errors (never a stack trace). */
  detail: string | null;
  durationMs: number;
}

export interface AuditQuery {
  limit: number;
  personId?: string;
  intent?: string;
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  recent(query: AuditQuery): Promise<AuditEntry[]>;
}
