import type { Platform } from '../messages/inbound.js';

/** Where a keyed push message (Notifier.publish) was posted, per platform and chat. */
export interface PostedMessageStore {
  /** The platform message id of `key` in the chat, or null when it was never posted there. */
  find(key: string, platform: Platform, chatId: string): Promise<string | null>;
  /** Remembers (or replaces) where `key` was posted in the chat. */
  remember(key: string, platform: Platform, chatId: string, messageId: string, at: Date): Promise<void>;
}
