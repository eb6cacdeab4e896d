import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { outageClicksKey, RedisOutageClicks } from '../../../src/adapters/redis/outage-clicks.js';
import { OutageClicks } from '../../../src/core/actions/outage-clicks.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { MemoryPendingActionStore } from '../../fakes/memory-stores.js';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const keys: string[] = [];
const fresh = () => {
  const key = outageClicksKey(`deckhand-test-${randomUUID().slice(0, 8)}`);
  keys.push(key);
  return { key, clicks: new RedisOutageClicks(redis, key) };
};
afterAll(async () => {
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe('RedisOutageClicks (real Redis)', () => {
  it('keeps the first click per action, replaces on put, lists and forgets, and lives a day after its last write', async () => {
    const { key, clicks } = fresh();
    expect(await clicks.all()).toEqual(new Map());
    await clicks.add('pa1', { at: new Date(1_000), store: 'database' });
    await clicks.add('pa1', { at: new Date(2_000), store: 'job queue' });
    await clicks.add('pa2', { at: new Date(3_000), store: 'job queue' });
    await clicks.put('pa2', { at: new Date(3_000), store: 'job queue', leftMs: 240_000 });
    await redis.hset(key, 'junk', 'not json');
    expect(await clicks.all()).toEqual(
      new Map([
        ['pa1', { at: new Date(1_000), store: 'database' }],
        ['pa2', { at: new Date(3_000), store: 'job queue', leftMs: 240_000 }],
      ]),
    );
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(86_000_000);
    expect(ttl).toBeLessThanOrEqual(86_400_000);
    await clicks.forget('pa1');
    expect([...(await clicks.all()).keys()]).toEqual(['pa2']);
  });

  it("lets a second replica's settle give back the time of a click the first replica remembered", async () => {
    const { clicks } = fresh();
    const store = new MemoryPendingActionStore();
    const t0 = new Date('2026-11-23T12:00:00Z');
    const { id } = await store.create({
      plan: { kind: 'restart', project: 'shop', env: 'prod', force: false, services: [] },
      requestedBy: 'alice',
      platform: 'telegram',
      chatId: '-100',
      needsApproval: false,
      createdAt: t0,
      expiresAt: new Date(t0.getTime() + 300_000),
    });
    await new OutageClicks(silentLogger, { shared: clicks }).note(id, new Date(t0.getTime() + 60_000));
    const later = new Date(t0.getTime() + 600_000);
    expect(await new OutageClicks(silentLogger, { shared: new RedisOutageClicks(redis, keys.at(-1)!) }).settle(store, later)).toBe(1);
    expect((await store.get(id))!.expiresAt).toEqual(new Date(later.getTime() + 240_000));
    expect(await clicks.all()).toEqual(new Map());
  });
});
