import type { AnyInboundEvent, MessageEvent, Platform } from '../messages/inbound.js';
import type { Reply } from '../messages/reply.js';

/**
 * The one entry point every chat adapter calls. Adapters parse platform updates into an
 * InboundEvent, call `handle`, and render the Reply. It never throws: failures become replies.
 */
export interface ChatCore {
  /** The reply always says who sees it and where it goes (`visibility`, `placement`: see presentation.ts). */
  handle(event: AnyInboundEvent): Promise<Reply>;
  /**
   * Whether a message that is not a command is an answer the core waits for (the sender has a dialog open
   * in this chat). Platforms hand such messages on as MessageEvents only then. Never throws. Absent: never.
   */
  awaitsAnswer?(event: Pick<MessageEvent, 'platform' | 'platformUserId' | 'chatId'>): Promise<boolean>;
  /** Commands for platform menus (Telegram setMyCommands, Slack help): name and one-line summary. */
  commands(): { name: string; summary: string }[];
  /**
   * Adapters call this after posting a reply that has buttons, with the posted message's reference, so
   * job progress can later edit that message in place. Never throws.
   */
  attachMessage(pendingId: string, ref: { platform: Platform; chatId: string; messageId: string }): Promise<void>;
}
