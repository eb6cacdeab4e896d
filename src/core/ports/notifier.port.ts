import type { Platform } from '../messages/inbound.js';
import type { Reply } from '../messages/reply.js';
import type { MessageRef } from './pending-action.port.js';

/** How a push is told apart from a second attempt at the same push. */
export interface PushOptions {
  /**
   * Deterministic key of the push (e.g. `action:<id>:finished`): a job retried after a crash, or a second
   * replica, that pushes it again with the same key sends it once. Absent: every call is a push of its own.
   */
  key?: string;
}

/**
 * Pushes messages to chats from outside a request (job progress, announcements, alerts). A push is durable
 * once the call returns: it is delivered, in order per chat, even when the process stops right after.
 */
export interface Notifier {
  /** Edits a message in place (confirm message → progress → result). */
  edit(ref: MessageRef, reply: Reply, options?: PushOptions): Promise<void>;
  /** Posts to every chat bound to the project. */
  announce(project: string, reply: Reply, options?: PushOptions): Promise<void>;
  /**
   * One living message per `key` in every chat bound to the project: posted the first time, edited in place
   * after that (an alert group's message as its alerts fire, resolve and get acknowledged). Where the message
   * was posted is remembered durably (PostedMessageStore), so edits continue after a restart.
   */
  publish(project: string, key: string, reply: Reply, options?: PushOptions): Promise<void>;
  /**
   * Posts a new message to one chat (a scheduled action's requester is told there why it did not run).
   * Optional: where a notifier cannot, callers fall back to `announce`.
   */
  tell?(chat: { platform: Platform; chatId: string }, reply: Reply, options?: PushOptions): Promise<void>;
}
