/**
 * A platform's rate limits (per chat, per group and per bot) kept in Redis, so that every replica sending
 * with one bot token counts against the same windows, and a 429's `retry_after` seen by one replica holds
 * that chat (or the bot) for all of them. A pause is a key set with PX.
 *
 * Every window slides, as in the in-process gate (notifier/delivery.rate-gate.ts): a call holds a slot from
 * its start and is stamped with its completion time, so the platform, which sees each request somewhere
 * between the two and counts over a sliding window, never sees more than the limit within any window. Each
 * window is a sorted set of calls per key (`<key>:calls:chat:<limit>per<ms>:<chat>`,
 * `<key>:calls:bot:<limit>per<ms>`). One script (TAKE) looks at the pauses, drops the calls that ended a
 * window ago, counts, and only when every window of the call has room adds the call to all of them at once,
 * scored `start + IN_FLIGHT_LEASE_MS` while it is in flight; RELEASE re-scores it to its completion time.
 * Both read Redis's clock, the one clock all replicas share. A fixed-window counter (rate-limiter-flexible's
 * RateLimiterRedis, used here before) lets up to the limit at the end of one window and the limit again at
 * the start of the next reach the platform within one window.
 *
 * A call still in flight after IN_FLIGHT_LEASE_MS (its replica died mid-call, or a very slow upload) is
 * counted as if it had ended then, so a dead replica's slots come free again; a release after that stamps
 * the call again with its real end.
 *
 * When Redis cannot be asked (refused at once while disconnected; REDIS_CALL_TIMEOUT_MS when it does not
 * answer), the call goes through the in-process gate instead, and so do the calls of the next
 * REDIS_RETRY_MS, with one warning per outage: delivery never stops for Redis, and it is never unlimited;
 * only the limits are then kept per replica until it is back.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Logger } from '../../core/ports/logger.port.js';
import { IN_FLIGHT_POLL_MS, RateGate, type RateLimits, type RateWindow, type SendGate } from '../notifier/delivery.rate-gate.js';
import { systemTimers, type DeliveryTimers } from '../notifier/delivery.timers.js';
import { raceAbort } from '../race-abort.js';

/** How long an unreleased call holds its slots before it counts as ended (see the header). */
export const IN_FLIGHT_LEASE_MS = 60_000;
/** How long to wait for Redis's answer before this call goes through the in-process gate. */
export const REDIS_CALL_TIMEOUT_MS = 2_000;
/** After Redis failed, calls go through the in-process gate without asking it for this long. */
export const REDIS_RETRY_MS = 1_000;

// KEYS[1], KEYS[2]: the chat's and the bot's pause; KEYS[3..]: the call's windows (sorted sets of calls).
// ARGV[1]: the call; ARGV[2]: in-flight lease ms; ARGV[3]: poll ms; then limit and window ms per window.
// {1, 0}: the call holds a slot in every window; {0, ms}: nothing taken, ask again in ms.
const TAKE = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease, poll = tonumber(ARGV[2]), tonumber(ARGV[3])
local wait = math.max(0, redis.call('PTTL', KEYS[1]), redis.call('PTTL', KEYS[2]))
if wait > 0 then return {0, wait} end
for i = 3, #KEYS do
  local limit, window = tonumber(ARGV[2 * i - 2]), tonumber(ARGV[2 * i - 1])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  local excess = redis.call('ZCARD', KEYS[i]) - limit + 1
  if excess > 0 then
    local score = tonumber(redis.call('ZRANGE', KEYS[i], excess - 1, excess - 1, 'WITHSCORES')[2])
    local w = poll
    if score <= now then w = score + window - now end
    if w > wait then wait = w end
  end
end
if wait > 0 then return {0, wait} end
for i = 3, #KEYS do
  redis.call('ZADD', KEYS[i], now + lease, ARGV[1])
  redis.call('PEXPIRE', KEYS[i], lease + tonumber(ARGV[2 * i - 1]))
end
return {1, 0}
`;

// KEYS: the call's windows; ARGV[1]: the call; then the window ms per window. Stamps the call with now.
const RELEASE = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #KEYS do
  local window = tonumber(ARGV[i + 1])
  redis.call('ZADD', KEYS[i], now, ARGV[1])
  if redis.call('PTTL', KEYS[i]) < window then redis.call('PEXPIRE', KEYS[i], window) end
end
return 1
`;

const takeReply = z.tuple([z.union([z.literal(0), z.literal(1)]), z.number().int().nonnegative()]);

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

/** A window of one call: its sorted set and its limit. */
interface Counted {
  key: string;
  window: RateWindow;
}

/** Thrown inside the gate when Redis failed; the call then goes through the in-process gate. */
class RedisDown extends Error {}

export class SharedRateGate implements SendGate {
  private readonly timers: DeliveryTimers;
  private readonly local: RateGate;
  private readonly logger: Logger;
  private readonly global: Counted[];
  /** Names this replica's calls in the sorted sets. */
  private readonly id = randomUUID();
  private calls = 0;
  private degraded = false;
  /** By the gate's clock: until then, calls go through the in-process gate without asking Redis. */
  private skipRedisUntil = 0;

  constructor(private readonly opts: SharedRateGateOptions) {
    this.timers = opts.timers ?? systemTimers;
    this.local = new RateGate(opts.limits, this.timers);
    this.logger = opts.logger.child({ component: 'rate-gate' });
    this.global = [opts.limits.global].flat().map((w) => ({ key: this.windowKey('bot', w), window: w }));
  }

  async acquire(chatId: string): Promise<() => void> {
    const windows = [...this.opts.limits.chatWindows(chatId).map((w) => ({ key: this.windowKey('chat', w, chatId), window: w })), ...this.global];
    const call = `${this.id}:${(this.calls += 1)}`;
    if (this.timers.now() < this.skipRedisUntil) return this.local.acquire(chatId);
    for (;;) {
      let wait: number;
      try {
        wait = await this.take(windows, chatId, call);
      } catch (err) {
        if (!(err instanceof RedisDown)) throw err;
        this.fellBack(err);
        return this.local.acquire(chatId);
      }
      this.recovered();
      if (wait === 0) break;
      await this.timers.sleep(wait);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      void this.release(windows, call);
    };
  }

  async pause(chatId: string | undefined, ms: number): Promise<void> {
    const wait = Math.max(1, Math.ceil(ms));
    await this.local.pause(chatId, wait);
    try {
      await this.ask(this.opts.redis.set(this.pauseKey(chatId), '1', 'PX', wait));
      this.recovered();
    } catch (err) {
      this.fellBack(err instanceof Error ? err : new RedisDown(String(err)));
    }
  }

  /** One TAKE: 0 when the call now holds its slots, else how long to wait before asking again. */
  private async take(windows: readonly Counted[], chatId: string, call: string): Promise<number> {
    const keys = [this.pauseKey(chatId), this.pauseKey(undefined), ...windows.map((w) => w.key)];
    const args = [call, IN_FLIGHT_LEASE_MS, IN_FLIGHT_POLL_MS, ...windows.flatMap((w) => [w.window.limit, w.window.windowMs])];
    const pending = this.opts.redis.eval(TAKE, keys.length, ...keys, ...args);
    let reply: unknown;
    try {
      reply = await this.ask(pending);
    } catch (err) {
      // Taken after we stopped waiting: give the slots back rather than hold them for the lease.
      pending.then(
        (late) => {
          if (takeReply.safeParse(late).data?.[0] === 1) void this.release(windows, call);
        },
        () => undefined,
      );
      throw err;
    }
    const parsed = takeReply.safeParse(reply);
    if (!parsed.success) throw new RedisDown('unexpected answer from the rate gate script');
    const [took, wait] = parsed.data;
    return took === 1 ? 0 : Math.max(1, wait);
  }

  /** Stamps the call with its completion time; when Redis cannot be asked, it stays counted until its lease ends. */
  private async release(windows: readonly Counted[], call: string): Promise<void> {
    try {
      await this.ask(this.opts.redis.eval(RELEASE, windows.length, ...windows.map((w) => w.key), call, ...windows.map((w) => w.window.windowMs)));
    } catch (err) {
      this.fellBack(err instanceof Error ? err : new RedisDown(String(err)));
    }
  }

  /** A Redis command within REDIS_CALL_TIMEOUT_MS; any failure as RedisDown. */
  private async ask<T>(command: Promise<T>): Promise<T> {
    try {
      return await raceAbort(command, AbortSignal.timeout(REDIS_CALL_TIMEOUT_MS));
    } catch (err) {
      throw new RedisDown(err instanceof Error ? err.message : String(err));
    }
  }

  private pauseKey(chatId: string | undefined): string {
    return chatId === undefined ? `${this.opts.key}:pause:bot` : `${this.opts.key}:pause:chat:${chatId}`;
  }

  private windowKey(scope: 'chat' | 'bot', window: RateWindow, chatId?: string): string {
    if (!(window.limit >= 1 && Number.isInteger(window.limit)) || !(window.windowMs >= 1 && Number.isInteger(window.windowMs))) {
      throw new RangeError('a shared rate window has a whole positive limit and length in ms');
    }
    const name = `${this.opts.key}:calls:${scope}:${window.limit}per${window.windowMs}`;
    return chatId === undefined ? name : `${name}:${chatId}`;
  }

  private fellBack(err: Error): void {
    this.skipRedisUntil = this.timers.now() + REDIS_RETRY_MS;
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
