/**
 * A lease in Redis that one replica at a time holds (e.g. the one Telegram long poller per bot token).
 * Taken with `SET key token NX PX ttl`; renewed and released only by the holder (compare-and-renew,
 * compare-and-delete in Lua). Each hold gets an epoch, one higher than any before it, for logs. A holder must
 * `check` its hold before acting on what it fetched: a process paused past its lease (GC, a stopped VM) finds
 * it lost there and stops, instead of acting next to the new holder.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../core/ports/logger.port.js';

/** One hold of a lease. */
export interface Hold {
  /** The value stored under the key while this hold lasts. */
  readonly token: string;
  /** Counts every hold ever taken of this lease. */
  readonly epoch: number;
  /** By our clock: past this, the hold may be someone else's even if Redis could not be asked. */
  readonly validUntil: number;
}

export interface Lease {
  readonly key: string;
  readonly ttlMs: number;
  /** One attempt; the hold when the lease was free. */
  tryAcquire(): Promise<Hold | undefined>;
  /** Extends the hold by the TTL; the renewed hold, or undefined when it is not ours any more. */
  renew(hold: Hold): Promise<Hold | undefined>;
  /** Frees the lease if it is still this hold's; true when it was. */
  release(hold: Hold): Promise<boolean>;
  /**
   * The fencing check: still within `validUntil` by our clock and still this hold's in Redis. When Redis
   * cannot be asked, our clock alone answers: nobody else can take the key before it lapses.
   */
  check(hold: Hold): Promise<boolean>;
}

export interface LeaseOptions {
  redis: Redis;
  key: string;
  ttlMs: number;
  /** Milliseconds; tests drive it. */
  now?: () => number;
}

// KEYS[1] lease, KEYS[2] epoch counter; ARGV[1] token, ARGV[2] ttl ms.
const ACQUIRE = `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return redis.call('INCR', KEYS[2]) end return 0`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * The key of a named lease: the deployment's QUEUE_PREFIX (BullMQ's `bull` when unset), then the name in a
 * hash tag so the lease and its epoch counter share a cluster slot.
 */
export function leaseKey(prefix: string | undefined, name: string): string {
  return `${prefix ?? 'bull'}:deckhand:lease:{${name}}`;
}

/** A short digest naming a secret (a bot token) in a key without putting the secret there. */
export function secretDigest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 16);
}

export function createLease(opts: LeaseOptions): Lease {
  const { redis, key, ttlMs } = opts;
  const now = opts.now ?? Date.now;
  const epochKey = `${key}:epoch`;
  // Our clock and Redis's may drift apart a little over a TTL; the hold ends early by that much.
  const driftMs = Math.ceil(ttlMs * 0.01) + 2;
  const until = (startedAt: number) => startedAt + ttlMs - driftMs;
  return {
    key,
    ttlMs,
    async tryAcquire() {
      const token = randomUUID();
      const startedAt = now();
      const epoch = Number(await redis.eval(ACQUIRE, 2, key, epochKey, token, ttlMs));
      return epoch > 0 ? { token, epoch, validUntil: until(startedAt) } : undefined;
    },
    async renew(hold) {
      const startedAt = now();
      const renewed = Number(await redis.eval(RENEW, 1, key, hold.token, ttlMs));
      return renewed === 1 ? { ...hold, validUntil: until(startedAt) } : undefined;
    },
    async release(hold) {
      return Number(await redis.eval(RELEASE, 1, key, hold.token)) === 1;
    },
    async check(hold) {
      if (now() >= hold.validUntil) return false;
      try {
        return (await redis.get(key)) === hold.token;
      } catch {
        return now() < hold.validUntil;
      }
    },
  };
}

/** What the keeper waits with; tests drive it. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface LeaseKeeperOptions {
  lease: Lease;
  logger: Logger;
  /** Between renewals while held; default a third of the TTL. */
  renewEveryMs?: number;
  /** Between attempts to take it while someone else holds it; default a fifth of the TTL. */
  retryEveryMs?: number;
  timers?: Timers;
  now?: () => number;
  /** This replica holds the lease now. */
  onAcquired(hold: Hold): void;
  /** It does not any more (taken over, or not renewed in time); whatever it guarded must stop now. */
  onLost(hold: Hold): void;
}

export interface LeaseKeeper {
  /** Starts trying to take the lease, and keeps it once taken. */
  start(): void;
  /** The current hold, if any. */
  current(): Hold | undefined;
  /**
   * Gives up the current hold (the holder found it lost, or cannot prove it holds it) and goes back to
   * trying to take the lease; releases it in case it is still ours. onLost is not called.
   */
  drop(): Promise<void>;
  /** Stops trying and renewing and releases the lease when held, so another replica takes it at once. */
  stop(): Promise<void>;
}

/**
 * Keeps trying to take a lease and, once taken, renews it until stopped or lost. Renewal errors (Redis away)
 * are retried until the hold's own `validUntil`; past that the hold counts as lost.
 */
export function createLeaseKeeper(opts: LeaseKeeperOptions): LeaseKeeper {
  const { lease, logger } = opts;
  const timers = opts.timers ?? realTimers;
  const now = opts.now ?? Date.now;
  const renewEveryMs = opts.renewEveryMs ?? Math.floor(lease.ttlMs / 3);
  const retryEveryMs = opts.retryEveryMs ?? Math.floor(lease.ttlMs / 5);
  let hold: Hold | undefined;
  let timer: unknown;
  let running = false;
  // Warned once per streak of failed attempts; the readiness check names Redis meanwhile.
  let unreachable = false;
  let step: Promise<void> = Promise.resolve();

  const schedule = (ms: number) => {
    timer = timers.setTimeout(() => {
      timer = undefined;
      step = tick();
    }, ms);
  };

  const lose = (lost: Hold) => {
    hold = undefined;
    opts.onLost(lost);
  };

  const tick = async (): Promise<void> => {
    if (!running) return;
    if (!hold) {
      try {
        hold = await lease.tryAcquire();
        unreachable = false;
      } catch (err) {
        if (!unreachable) logger.warn({ err: { message: (err as Error).message }, key: lease.key }, 'could not ask redis for a lease; trying again');
        unreachable = true;
      }
      if (!running) {
        // Stopped while asking: give back what was just taken.
        if (hold) await lease.release(hold).catch(() => false);
        hold = undefined;
        return;
      }
      if (hold) opts.onAcquired(hold);
      schedule(hold ? renewEveryMs : retryEveryMs);
      return;
    }
    const held = hold;
    try {
      const renewed = await lease.renew(held);
      // Dropped or stopped meanwhile: that hold is done with.
      if (hold === held) {
        if (renewed) hold = renewed;
        else lose(held);
      }
    } catch (err) {
      logger.warn({ err: { message: (err as Error).message }, key: lease.key }, 'could not renew a lease; trying again');
      if (hold === held && now() >= held.validUntil) lose(held);
    }
    if (running) schedule(hold ? renewEveryMs : retryEveryMs);
  };

  return {
    start() {
      if (running) return;
      running = true;
      step = tick();
    },
    current: () => hold,
    async drop() {
      const held = hold;
      hold = undefined;
      if (held) await lease.release(held).catch(() => false);
    },
    async stop() {
      running = false;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      await step;
      const held = hold;
      hold = undefined;
      if (!held) return;
      await lease.release(held).catch((err: Error) => logger.warn({ err: { message: err.message }, key: lease.key }, 'could not release a lease; it expires by itself'));
    },
  };
}
