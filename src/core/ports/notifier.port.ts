import type { Reply } from '../messages/reply.js';
import type { MessageRef } from './pending-action.port.js';

/** Pushes messages to chats from outside a request (job progress, announcements, alerts). */
export interface Notifier {
  /** Edits a message in place (confirm message → progress → result). */
  edit(ref: MessageRef, reply: Reply): Promise<void>;
  /** Posts to every chat bound to the project. */
  announce(project: string, reply: Reply): Promise<void>;
  /**
   * One living message per `key` in every chat bound to the project: posted the first time, edited in place
   * after that (an alert group's message as its alerts fire, resolve and get acknowledged). Where the message
   * was posted is remembered durably (PostedMessageStore), so edits continue after a restart.
   */
  publish(project: string, key: string, reply: Reply): Promise<void>;
}
