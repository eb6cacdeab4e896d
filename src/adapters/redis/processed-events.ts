/**
 * Redelivered platform events recognised in Redis, shared by every replica: one `SET key 1 NX PX ttl` per
 * event instead of an INSERT into PostgreSQL's processed_event, so a webhook is answered after one round
 * trip less to the database. Keys expire on their own after the platform's redelivery horizon.
 *
 * While Redis cannot answer (refused, disconnected, slower than the client's command timeout) the event is
 * checked in the fallback store (PrismaProcessedEvents: the table, or that process's memory when PostgreSQL
 * is away too), so the event is still handled once and never dropped for want of a dedupe answer. For a
 * while after Redis could not be reached both stores are asked (in parallel) and the event is first seen
 * only when both say so: a redelivery, to any replica, of an event handled during the outage meets its row
 * in the table. A command that merely timed out opens no such window: it reaches Redis when Redis catches
 * up. What stays open: an event first seen in Redis and redelivered while Redis is away is handled again
 * (as across replicas during a PostgreSQL outage), and so is one whose timed-out SET is lost with Redis.
 */
import type { Redis, RedisOptions } from 'ioredis';
import { z } from 'zod';
import type { Logger } from '../../core/ports/logger.port.js';
import type { ProcessedEvents } from '../../core/ports/processed-events.port.js';
import { failureSummary } from '../notifier/delivery.errors.js';

const key = z.object({
  platform: z.string().min(1).max(32),
  eventId: z.string().min(1).max(200),
});

const ttl = z.number().int().positive();

const optionsSchema = z.object({
  /** How long a key lives, by platform id; `default` for the rest. */
  ttlMs: z.record(z.string(), ttl).and(z.object({ default: ttl })),
  /** After Redis failed, how long the fallback store is asked as well. */
  recheckMs: ttl,
});

/**
 * The options of the client the checks use: a command fails at once while disconnected and after 200 ms
 * when Redis does not answer, so a webhook waits at most that long before the fallback is asked.
 */
export const REDIS_DEDUPE_CLIENT = { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 200 } as const satisfies RedisOptions;

export interface RedisProcessedEventsOptions {
  redis: Redis;
  /** The deployment's QUEUE_PREFIX (BullMQ's `bull` when unset). */
  prefix: string | undefined;
  /** Asked while Redis cannot answer, and for `recheckMs` after. */
  fallback: ProcessedEvents;
  ttlMs: { default: number } & Record<string, number>;
  recheckMs: number;
  logger: Logger;
  /** Milliseconds; tests drive it. */
  now?: () => number;
}

/** ioredis's rejection of a command not answered within `commandTimeout`. */
const isTimeout = (err: unknown): boolean => err instanceof Error && err.message === 'Command timed out';

/** The key of one event: under the deployment's prefix, platform then event id. */
export function processedEventKey(prefix: string | undefined, platform: string, eventId: string): string {
  return `${prefix ?? 'bull'}:deckhand:seen:${platform}:${eventId}`;
}

export class RedisProcessedEvents implements ProcessedEvents {
  private readonly ttlMs: { default: number } & Record<string, number>;
  private readonly recheckMs: number;
  private readonly now: () => number;
  /** When Redis last failed to answer (our clock); undefined: not since start. */
  private failedAt: number | undefined;
  /** Redis is failing now: logged once when it starts and once when it answers again. */
  private away = false;

  constructor(private readonly opts: RedisProcessedEventsOptions) {
    const parsed = optionsSchema.parse({ ttlMs: opts.ttlMs, recheckMs: opts.recheckMs });
    this.ttlMs = parsed.ttlMs as { default: number } & Record<string, number>;
    this.recheckMs = parsed.recheckMs;
    this.now = opts.now ?? Date.now;
  }

  /** How long an event of `platform` is remembered. */
  ttlOf(platform: string): number {
    return Object.hasOwn(this.ttlMs, platform) ? this.ttlMs[platform]! : this.ttlMs.default;
  }

  async firstSeen(platform: string, eventId: string): Promise<boolean> {
    const k = key.parse({ platform, eventId });
    const recheck = this.failedAt !== undefined && this.now() - this.failedAt < this.recheckMs;
    const [inRedis, inFallback] = await Promise.all([
      this.setOnce(k.platform, k.eventId),
      recheck ? this.opts.fallback.firstSeen(k.platform, k.eventId) : undefined,
    ]);
    if (inRedis === undefined) return inFallback ?? this.opts.fallback.firstSeen(k.platform, k.eventId);
    return inRedis && inFallback !== false;
  }

  /** True when this caller set the key, false when it was there; undefined when Redis could not answer. */
  private async setOnce(platform: string, eventId: string): Promise<boolean | undefined> {
    try {
      const set = await this.opts.redis.set(processedEventKey(this.opts.prefix, platform, eventId), '1', 'PX', this.ttlOf(platform), 'NX');
      if (this.away) {
        this.away = false;
        this.opts.logger.info({}, 'redis answers the redelivery checks again');
      }
      return set === 'OK';
    } catch (err) {
      // A command that timed out was sent and is applied once Redis catches up, so its redeliveries meet the
      // key there; one that failed to be sent (or lost with its connection) is only in the fallback store.
      if (!isTimeout(err)) this.failedAt = this.now();
      if (!this.away) {
        this.away = true;
        this.opts.logger.warn({ err: failureSummary(err) }, 'redis cannot answer the redelivery checks; checking in the database instead');
      }
      return undefined;
    }
  }

  /** Deleted from both stores: the event may have been first seen in either. */
  async forget(platform: string, eventId: string): Promise<void> {
    const k = key.parse({ platform, eventId });
    const [redis, fallback] = await Promise.allSettled([
      this.opts.redis.del(processedEventKey(this.opts.prefix, k.platform, k.eventId)),
      this.opts.fallback.forget(k.platform, k.eventId),
    ]);
    // Either may hold the key (where firstSeen was answered is not known here): a failed delete is reported.
    for (const r of [redis, fallback]) if (r.status === 'rejected') throw r.reason;
  }

  /** Redis expires its keys itself; the fallback store's rows (written while Redis was away) are pruned. */
  async prune(ttlMs: number): Promise<number> {
    return this.opts.fallback.prune(ttl.parse(ttlMs));
  }
}
