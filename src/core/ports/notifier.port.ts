import type { Reply } from '../messages/reply.js';
import type { MessageRef } from './pending-action.port.js';

/** Pushes messages to chats from outside a request (job progress, announcements). */
export interface Notifier {
  /** Edits a message in place (confirm message → progress → result). */
  edit(ref: MessageRef, reply: Reply): Promise<void>;
  /** Posts to every chat bound to the project. */
  announce(project: string, reply: Reply): Promise<void>;
}
