import type { Platform } from '../../core/messages/inbound.js';
import type { Clock } from '../../core/ports/clock.port.js';
import type { Logger } from '../../core/ports/logger.port.js';
import type { PostedMessageStore } from '../../core/ports/posted-message.port.js';
import { failureSummary } from './delivery.errors.js';

/** The store could not be read: the publish is retried later rather than risking a second living message. */
export class PostedStoreUnavailable extends Error {
  override readonly name = 'PostedStoreUnavailable';
}

/** Refs kept in memory per queue; the oldest are forgotten past this (the store still has them). */
const DEFAULT_CACHE_SIZE = 5_000;

/**
 * Where each keyed push of one platform was posted: the durable PostedMessageStore, backed up by a bounded
 * in-memory map of the refs this process learned. The store is read on every publish (replicas share it, and
 * one of them may have re-posted a deleted message); the map keeps edits going in place while the store is
 * down, including when remembering a new post failed.
 */
export class PostedRefs {
  private readonly cache = new Map<string, string>();

  constructor(
    private readonly store: PostedMessageStore,
    private readonly platform: Platform,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly cacheSize = DEFAULT_CACHE_SIZE,
  ) {}

  /**
   * The message id of `key` in the chat, or null. The store is asked first (another replica may have posted
   * the message anew); the remembered id serves only while the store is down. Throws PostedStoreUnavailable
   * when the store fails and nothing is remembered.
   */
  async find(key: string, chatId: string): Promise<string | null> {
    try {
      const found = await this.store.find(key, this.platform, chatId);
      if (found !== null) this.keep(key, chatId, found);
      return found ?? this.cache.get(cacheKey(key, chatId)) ?? null;
    } catch (err) {
      const cached = this.cache.get(cacheKey(key, chatId));
      if (cached !== undefined) return cached;
      throw new PostedStoreUnavailable(`posted message store: ${failureSummary(err).message}`);
    }
  }

  /** Remembers a new post. A store failure is logged, not thrown: the message is already out. */
  async remember(key: string, chatId: string, messageId: string): Promise<void> {
    this.keep(key, chatId, messageId);
    try {
      await this.store.remember(key, this.platform, chatId, messageId, this.clock.now());
    } catch (err) {
      this.logger.error({ err: failureSummary(err), key, chatId }, 'could not remember where a keyed message was posted; a restart will post it anew');
    }
  }

  private keep(key: string, chatId: string, messageId: string): void {
    const k = cacheKey(key, chatId);
    this.cache.delete(k);
    this.cache.set(k, messageId);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
  }
}

const cacheKey = (key: string, chatId: string) => `${chatId}\u0000${key}`;
