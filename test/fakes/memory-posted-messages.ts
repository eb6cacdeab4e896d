import type { Platform } from '../../src/core/messages/inbound.js';
import type { PostedMessageStore } from '../../src/core/ports/posted-message.port.js';

/** PostedMessageStore in memory (one map entry per key, platform and chat), for unit tests. */
export class MemoryPostedMessages implements PostedMessageStore {
  readonly rows = new Map<string, { messageId: string; postedAt: Date }>();
  /** Calls to `remember`, in order (tests assert that a coalesced publish was remembered once). */
  readonly remembered: { key: string; platform: Platform; chatId: string; messageId: string }[] = [];

  async find(key: string, platform: Platform, chatId: string): Promise<string | null> {
    return this.rows.get(id(key, platform, chatId))?.messageId ?? null;
  }

  async remember(key: string, platform: Platform, chatId: string, messageId: string, at: Date): Promise<void> {
    if (key === '' || chatId === '' || messageId === '') throw new Error('key, chat id and message id must not be empty');
    if (key.length > 200 || chatId.length > 64 || messageId.length > 64) throw new Error('key, chat id or message id too long');
    this.rows.set(id(key, platform, chatId), { messageId, postedAt: new Date(at) });
    this.remembered.push({ key, platform, chatId, messageId });
  }
}

const id = (key: string, platform: Platform, chatId: string) => JSON.stringify([key, platform, chatId]);
