import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLease, createLeaseKeeper, type Hold, type Lease, leaseKey, secretDigest, type Timers } from '../../../../src/adapters/redis/lease.js';
import { recordingLogger } from '../telegram/recording-core.js';

/** The lease against real Redis; the keeper's waits on timers the test fires. */

const PREFIX = `lease-test-${randomUUID().slice(0, 8)}`;
let redis: Redis;
let n = 0;
const freshKey = () => leaseKey(PREFIX, `case-${++n}`);

beforeAll(() => {
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  const keys = await redis.keys(`${PREFIX}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

/** Timers that fire only when the test says so. */
class DrivenTimers implements Timers {
  private next = 0;
  readonly pending = new Map<number, { fn: () => void; ms: number }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.next;
    this.pending.set(id, { fn, ms });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  /** Runs what is due now (everything scheduled so far); returns the waits they were scheduled with. */
  fire(): number[] {
    const due = [...this.pending.entries()];
    this.pending.clear();
    for (const [, t] of due) t.fn();
    return due.map(([, t]) => t.ms);
  }
}

describe('lease', () => {
  it('names the deployment and hides the secret it is keyed by', () => {
    const key = leaseKey('prod', `telegram-poller:${secretDigest('123456:SECRET-token')}`);
    expect(key).toMatch(/^prod:deckhand:lease:\{telegram-poller:[0-9a-f]{16}\}$/);
    expect(key).not.toContain('SECRET');
    expect(leaseKey(undefined, 'x')).toBe('bull:deckhand:lease:{x}');
  });

  it('is held by one at a time; each hold has a higher epoch', async () => {
    const key = freshKey();
    const a = createLease({ redis, key, ttlMs: 5_000 });
    const b = createLease({ redis, key, ttlMs: 5_000 });
    const first = await a.tryAcquire();
    expect(first).toBeDefined();
    expect(await b.tryAcquire()).toBeUndefined();
    expect(await redis.get(key)).toBe(first!.token);
    expect(await a.release(first!)).toBe(true);
    const second = await b.tryAcquire();
    expect(second!.epoch).toBe(first!.epoch + 1);
  });

  it('is renewed and released only by its holder', async () => {
    const key = freshKey();
    const lease = createLease({ redis, key, ttlMs: 5_000 });
    const hold = (await lease.tryAcquire())!;
    const stranger: Hold = { ...hold, token: 'someone-else' };
    expect(await lease.renew(stranger)).toBeUndefined();
    expect(await lease.release(stranger)).toBe(false);
    expect(await redis.get(key)).toBe(hold.token);

    await redis.pexpire(key, 1_000);
    const renewed = await lease.renew(hold);
    expect(renewed!.validUntil).toBeGreaterThanOrEqual(hold.validUntil);
    expect(await redis.pttl(key)).toBeGreaterThan(4_000);
    expect(await lease.release(hold)).toBe(true);
    expect(await redis.exists(key)).toBe(0);
    expect(await lease.renew(hold)).toBeUndefined();
  });

  it('lapses after its TTL when nobody renews it (a killed holder)', async () => {
    const key = freshKey();
    const dead = createLease({ redis, key, ttlMs: 150 });
    const heir = createLease({ redis, key, ttlMs: 150 });
    const old = (await dead.tryAcquire())!;
    const taken = await vi.waitFor(
      async () => {
        const h = await heir.tryAcquire();
        if (!h) throw new Error('still held');
        return h;
      },
      { timeout: 3_000, interval: 20 },
    );
    expect(taken.epoch).toBe(old.epoch + 1);
    expect(await dead.check(old)).toBe(false);
    expect(await dead.renew(old)).toBeUndefined();
  });

  it('fences: a hold is checked in Redis, and by our clock past its validity even if Redis still says ours', async () => {
    const key = freshKey();
    let clock = 1_000_000;
    const lease = createLease({ redis, key, ttlMs: 5_000, now: () => clock });
    const hold = (await lease.tryAcquire())!;
    expect(hold.validUntil).toBeLessThan(clock + 5_000);
    expect(await lease.check(hold)).toBe(true);
    await redis.set(key, 'the-new-holder');
    expect(await lease.check(hold)).toBe(false);
    await redis.set(key, hold.token);
    clock = hold.validUntil;
    expect(await redis.get(key)).toBe(hold.token);
    expect(await lease.check(hold)).toBe(false);
  });

  it('fences by our clock alone while Redis cannot be asked', async () => {
    const key = freshKey();
    let clock = 1_000_000;
    const lease = createLease({ redis, key, ttlMs: 5_000, now: () => clock });
    const hold = (await lease.tryAcquire())!;
    const away = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const cutOff = createLease({ redis: away, key, ttlMs: 5_000, now: () => clock });
    expect(await cutOff.check(hold)).toBe(true);
    clock = hold.validUntil;
    expect(await cutOff.check(hold)).toBe(false);
    away.disconnect();
  });
});

describe('lease keeper', () => {
  function keeper(lease: Lease, timers: DrivenTimers, now?: () => number) {
    const acquired: Hold[] = [];
    const lost: Hold[] = [];
    const k = createLeaseKeeper({
      lease,
      logger: recordingLogger().logger,
      timers,
      now,
      renewEveryMs: 300,
      retryEveryMs: 100,
      onAcquired: (h) => acquired.push(h),
      onLost: (h) => lost.push(h),
    });
    return { k, acquired, lost };
  }
  const scheduled = async (timers: DrivenTimers, ms: number) =>
    vi.waitFor(() => {
      if (![...timers.pending.values()].some((t) => t.ms === ms)) throw new Error(`nothing scheduled in ${ms} ms`);
    });

  it('takes a free lease, renews it, and another replica takes it at its next try once it is released', async () => {
    const key = freshKey();
    const ta = new DrivenTimers();
    const tb = new DrivenTimers();
    const a = keeper(createLease({ redis, key, ttlMs: 60_000 }), ta);
    const b = keeper(createLease({ redis, key, ttlMs: 60_000 }), tb);
    a.k.start();
    await scheduled(ta, 300);
    expect(a.acquired).toHaveLength(1);
    b.k.start();
    await scheduled(tb, 100);
    expect(b.acquired).toHaveLength(0);

    await redis.pexpire(key, 1_000);
    ta.fire();
    await scheduled(ta, 300);
    expect(await redis.pttl(key)).toBeGreaterThan(50_000);
    expect(a.lost).toHaveLength(0);

    await a.k.stop();
    expect(ta.pending.size).toBe(0);
    expect(await redis.exists(key)).toBe(0);
    tb.fire();
    await scheduled(tb, 300);
    expect(b.acquired).toHaveLength(1);
    expect(b.k.current()?.token).toBe(await redis.get(key));
    await b.k.stop();
  });

  it('reports the hold lost when another holds the key at renewal, then tries again', async () => {
    const key = freshKey();
    const t = new DrivenTimers();
    const a = keeper(createLease({ redis, key, ttlMs: 60_000 }), t);
    a.k.start();
    await scheduled(t, 300);
    await redis.set(key, 'taken-over');
    t.fire();
    await scheduled(t, 100);
    expect(a.lost).toHaveLength(1);
    expect(a.k.current()).toBeUndefined();
    await a.k.stop();
    expect(await redis.get(key)).toBe('taken-over');
  });

  it('keeps the hold through renewal errors until its validity ends, then reports it lost', async () => {
    let clock = 0;
    let failing = false;
    const real = createLease({ redis, key: freshKey(), ttlMs: 60_000, now: () => clock });
    const flaky: Lease = { ...real, renew: (h) => (failing ? Promise.reject(new Error('connection lost')) : real.renew(h)) };
    const t = new DrivenTimers();
    const a = keeper(flaky, t, () => clock);
    a.k.start();
    await scheduled(t, 300);
    failing = true;
    t.fire();
    await scheduled(t, 300);
    expect(a.lost).toHaveLength(0);
    clock = a.k.current()!.validUntil;
    t.fire();
    await scheduled(t, 100);
    expect(a.lost).toHaveLength(1);
    await a.k.stop();
  });

  it('while Redis cannot be asked, keeps trying and warns once, not at every try', async () => {
    const real = createLease({ redis, key: freshKey(), ttlMs: 60_000 });
    let down = true;
    const flaky: Lease = { ...real, tryAcquire: () => (down ? Promise.reject(new Error('Stream is not writeable')) : real.tryAcquire()) };
    const log = recordingLogger();
    const t = new DrivenTimers();
    const acquired: Hold[] = [];
    const k = createLeaseKeeper({ lease: flaky, logger: log.logger, timers: t, retryEveryMs: 100, renewEveryMs: 300, onAcquired: (h) => acquired.push(h), onLost: () => undefined });
    k.start();
    await scheduled(t, 100);
    t.fire();
    await scheduled(t, 100);
    t.fire();
    await scheduled(t, 100);
    expect(log.entries.filter((e) => e.level === 'warn').map((e) => e.msg)).toEqual(['could not ask redis for a lease; trying again']);
    down = false;
    t.fire();
    await scheduled(t, 300);
    expect(acquired).toHaveLength(1);
    await k.stop();
  });

  it('drop gives the hold back and goes back to trying', async () => {
    const key = freshKey();
    const t = new DrivenTimers();
    const a = keeper(createLease({ redis, key, ttlMs: 60_000 }), t);
    a.k.start();
    await scheduled(t, 300);
    await a.k.drop();
    expect(await redis.exists(key)).toBe(0);
    expect(a.lost).toHaveLength(0);
    t.fire();
    await vi.waitFor(() => expect(a.acquired).toHaveLength(2));
    await a.k.stop();
  });
});
