import type { Platform } from '../messages/inbound.js';

export type AuditOutcome = 'ok' | 'refused' | 'invalid' | 'not_found' | 'error';

/**
 * Where a change came from when no chat asked for it: a webhook (the actor is its source, `alertmanager`,
 * `github`) or the bot's own schedules (the actor is `deckhand`). The chat id then names the project.
 */
export type AuditSource = 'webhook' | 'schedule';

export interface AuditEntry {
  requestId: string;
  at: Date;
  platform: Platform | AuditSource;
  /** The platform's user id; for a webhook or schedule, the actor (`alertmanager`, `github`, `deckhand`). */
  platformUserId: string;
  /** Config person id, null when the platform user is unknown. */
  personId: string | null;
  chatId: string;
  /** Intent name, or null when the command could not be resolved to one. */
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
