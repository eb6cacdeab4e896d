/**
 * A platform's rate limits (per chat and per bot) kept in Redis, so that every replica sending with one bot
 * token counts against the same windows, and a 429's `retry_after` seen by one replica holds that chat (or
 * the bot) for all of them. The windows are counted by rate-limiter-flexible (an atomic INCR-with-expiry per
 * window and key); a pause is a key set with PX, looked at before each call.
 *
 * Each window is fixed: it opens at the first call counted in it and lasts `windowMs` (whole seconds: the
 * limiter's expiry is set in seconds). A window of one call is closed again from the call's end, so the
 * platform, which sees the request somewhere between its start and its end, never sees two within the window
 * (as the in-process gate stamps a call with its completion time).
 *
 * When Redis cannot be asked, the call goes through the in-process gate instead (with one warning per outage):
 * delivery never stops for Redis; only the limits are then kept per replica until it is back.
 */
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '../../core/ports/logger.port.js';
import { RateGate, type RateLimits, type RateWindow, type SendGate } from '../notifier/delivery.rate-gate.js';
import { systemTimers, type DeliveryTimers } from '../notifier/delivery.timers.js';

export interface SharedRateGateOptions {
  redis: Redis;
  /**
   * Where the keys live: the deployment's QUEUE_PREFIX and the gate's name (platform and a digest of the
   * bot token, never the token), see `rateGateKey`.
   */
  key: string;
  limits: RateLimits;
  logger: Logger;
  /** For the in-process fallback and the waits; Redis counts real time, so only tests change it. */
  timers?: DeliveryTimers;
}

/** The key prefix of a named gate, next to the leases: `<QUEUE_PREFIX>:deckhand:rate:{<name>}`. */
export function rateGateKey(prefix: string | undefined, name: string): string {
  return `${prefix ?? 'bull'}:deckhand:rate:{${name}}`;
}

interface Counted {
  window: RateWindow;
  limiter: RateLimiterRedis;
}

/** Thrown inside the gate when Redis failed; the call then goes through the in-process gate. */
class RedisDown extends Error {}

export class SharedRateGate implements SendGate {
  private readonly timers: DeliveryTimers;
  private readonly local: RateGate;
  private readonly logger: Logger;
  private readonly chatWindows = new Map<string, Counted>();
  private readonly global: Counted[];
  private degraded = false;

  constructor(private readonly opts: SharedRateGateOptions) {
    this.timers = opts.timers ?? systemTimers;
    this.local = new RateGate(opts.limits, this.timers);
    this.logger = opts.logger.child({ component: 'rate-gate' });
    this.global = [opts.limits.global].flat().map((w) => this.counted('bot', w));
  }

  async acquire(chatId: string): Promise<() => void> {
    try {
      const taken = await this.acquireShared(chatId);
      this.recovered();
      return taken;
    } catch (err) {
      if (!(err instanceof RedisDown)) throw err;
      this.fellBack(err);
      return this.local.acquire(chatId);
    }
  }

  async pause(chatId: string | undefined, ms: number): Promise<void> {
    const wait = Math.max(1, Math.ceil(ms));
    await this.local.pause(chatId, wait);
    try {
      await this.opts.redis.set(this.pauseKey(chatId), '1', 'PX', wait);
      this.recovered();
    } catch (err) {
      this.fellBack(new RedisDown(message(err)));
    }
  }

  /**
   * Waits out the pauses, then takes a slot in each of the chat's windows, then in each of the bot's. A
   * rejected window is waited for and the round starts again; the chat's slots, once taken, are kept while
   * the bot's are waited for, unless that took so long that they lapsed.
   */
  private async acquireShared(chatId: string): Promise<() => void> {
    const own = this.opts.limits.chatWindows(chatId).map((w) => this.chatCounted(w));
    const shortest = Math.min(...own.map((c) => c.window.windowMs));
    for (;;) {
      await this.waitPauses(chatId);
      if (!(await this.take(own, chatId))) continue;
      const tookAt = this.timers.now();
      while (!(await this.take(this.global, 'all')));
      if (own.length === 0 || this.timers.now() - tookAt < shortest) break;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      void this.closeSingles(own, chatId);
    };
  }

  /** One slot in every window, in order; on a full one, waits until it opens and answers false. */
  private async take(counted: readonly Counted[], key: string): Promise<boolean> {
    for (const c of counted) {
      try {
        await c.limiter.consume(key, 1);
      } catch (res) {
        if (!(res instanceof RateLimiterRes)) throw new RedisDown(message(res));
        await this.timers.sleep(Math.max(1, res.msBeforeNext));
        return false;
      }
    }
    return true;
  }

  /** A one-call window (1 message/s) is counted again from the call's end. */
  private async closeSingles(own: readonly Counted[], chatId: string): Promise<void> {
    const singles = [...own.map((c) => [c, chatId] as const), ...this.global.map((c) => [c, 'all'] as const)].filter(([c]) => c.window.limit === 1);
    try {
      await Promise.all(singles.map(([c, key]) => c.limiter.block(key, c.window.windowMs / 1000)));
    } catch (err) {
      this.fellBack(new RedisDown(message(err instanceof RateLimiterRes ? 'rejected' : err)));
    }
  }

  private async waitPauses(chatId: string): Promise<void> {
    for (;;) {
      let ttls: (number | null)[];
      try {
        const replies = await this.opts.redis.pipeline().pttl(this.pauseKey(chatId)).pttl(this.pauseKey(undefined)).exec();
        ttls = (replies ?? []).map(([err, ttl]) => {
          if (err) throw err;
          return Number(ttl);
        });
      } catch (err) {
        throw new RedisDown(message(err));
      }
      const wait = Math.max(0, ...ttls.map((t) => t ?? 0));
      if (wait <= 0) return;
      await this.timers.sleep(wait);
    }
  }

  private pauseKey(chatId: string | undefined): string {
    return chatId === undefined ? `${this.opts.key}:pause:bot` : `${this.opts.key}:pause:chat:${chatId}`;
  }

  private chatCounted(window: RateWindow): Counted {
    const name = `${window.limit}per${window.windowMs}`;
    let counted = this.chatWindows.get(name);
    if (!counted) {
      counted = this.counted('chat', window);
      this.chatWindows.set(name, counted);
    }
    return counted;
  }

  private counted(scope: 'chat' | 'bot', window: RateWindow): Counted {
    if (window.windowMs < 1000 || window.windowMs % 1000 !== 0) throw new RangeError('a shared rate window lasts whole seconds');
    const limiter = new RateLimiterRedis({
      storeClient: this.opts.redis,
      keyPrefix: `${this.opts.key}:${scope}:${window.limit}per${window.windowMs}`,
      points: window.limit,
      duration: window.windowMs / 1000,
      // Fail at once while disconnected (the in-process gate takes over) instead of queueing the command.
      rejectIfRedisNotReady: true,
    });
    return { window, limiter };
  }

  private fellBack(err: Error): void {
    if (this.degraded) return;
    this.degraded = true;
    this.logger.warn({ err: { message: err.message } }, 'redis unreachable: platform limits are kept by this replica alone until it is back');
  }

  private recovered(): void {
    if (!this.degraded) return;
    this.degraded = false;
    this.logger.info({}, 'redis reachable again: platform limits are shared by the replicas again');
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
