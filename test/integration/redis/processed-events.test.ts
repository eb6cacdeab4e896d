/**
 * RedisProcessedEvents on real Redis: the shared contract, each platform's key lifetime, replicas sharing the
 * keys; and on a redis-server of the test's own, stopped and frozen under it, the fallback to the PostgreSQL
 * table (and to the process's memory when PostgreSQL is away too), so an update is still handled once.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PrismaProcessedEvents } from '../../../src/adapters/prisma/processed-event.repository.js';
import { createPrismaClient } from '../../../src/adapters/prisma/prisma-client.js';
import { processedEventKey, REDIS_DEDUPE_CLIENT, RedisProcessedEvents } from '../../../src/adapters/redis/processed-events.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import type { ProcessedEvents } from '../../../src/core/ports/processed-events.port.js';
import { processedEventsContract } from '../../contracts/processed-events.contract.js';
import { MemoryProcessedEvents } from '../../fakes/memory-processed-events.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { freePort } from '../../support/e2e-bot.js';
import { startPrivateRedis, type PrivateRedis } from '../../support/private-redis.js';
import { waitFor } from '../bullmq/redis-test.support.js';

const HOUR = 3_600_000;
const TTL = { telegram: 24 * HOUR, slack: HOUR, default: 6 * HOUR };
const shared = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const prefixes: string[] = [];
const newPrefix = () => {
  const prefix = `deckhand-test-seen-${randomUUID().slice(0, 8)}`;
  prefixes.push(prefix);
  return prefix;
};

function onShared(prefix: string, options: { ttlMs?: typeof TTL | { default: number }; fallback?: ProcessedEvents; redis?: Redis } = {}) {
  return new RedisProcessedEvents({
    redis: options.redis ?? shared,
    prefix,
    fallback: options.fallback ?? new MemoryProcessedEvents(),
    ttlMs: options.ttlMs ?? TTL,
    recheckMs: 10 * 60_000,
    logger: silentLogger,
  });
}

afterAll(async () => {
  for (const prefix of prefixes) {
    const keys = await shared.keys(`${prefix}:*`);
    if (keys.length) await shared.del(...keys);
  }
  shared.disconnect();
});

processedEventsContract(async () => onShared(newPrefix()), { expiresItself: true });

describe('RedisProcessedEvents (real Redis)', () => {
  it("keeps each key under the deployment's prefix for its platform's redelivery horizon", async () => {
    const prefix = newPrefix();
    const events = onShared(prefix);
    for (const platform of ['telegram', 'slack', 'github']) expect(await events.firstSeen(platform, 'e-1')).toBe(true);
    const ttlOf = (platform: string) => shared.pttl(`${prefix}:deckhand:seen:${platform}:e-1`);
    const [telegram, slack, github] = await Promise.all([ttlOf('telegram'), ttlOf('slack'), ttlOf('github')]);
    expect(telegram).toBeGreaterThan(24 * HOUR - 60_000);
    expect(telegram).toBeLessThanOrEqual(24 * HOUR);
    expect(slack).toBeGreaterThan(HOUR - 60_000);
    expect(slack).toBeLessThanOrEqual(HOUR);
    expect(github).toBeGreaterThan(6 * HOUR - 60_000);
    expect(github).toBeLessThanOrEqual(6 * HOUR);
    expect(processedEventKey(prefix, 'slack', 'e-1')).toBe(`${prefix}:deckhand:seen:slack:e-1`);
    expect(processedEventKey(undefined, 'slack', 'e-1')).toBe('bull:deckhand:seen:slack:e-1');
  });

  it('accepts an event again once its key has expired', async () => {
    const prefix = newPrefix();
    const events = onShared(prefix, { ttlMs: { default: 150 } });
    expect(await events.firstSeen('telegram', '900')).toBe(true);
    expect(await events.firstSeen('telegram', '900')).toBe(false);
    await waitFor(async () => (await shared.exists(processedEventKey(prefix, 'telegram', '900'))) === 0);
    expect(await events.firstSeen('telegram', '900')).toBe(true);
  });

  it('gives one true to a redelivery racing across replicas (own clients), and keeps deployments apart', async () => {
    const prefix = newPrefix();
    const clients = [new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'), new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')];
    try {
      const [a, b] = clients.map((redis) => onShared(prefix, { redis }));
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a! : b!).firstSeen('slack', 'Ev42')));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await onShared(newPrefix()).firstSeen('slack', 'Ev42')).toBe(true);
    } finally {
      for (const c of clients) c.disconnect();
    }
  });
});

describe('RedisProcessedEvents while Redis cannot answer', () => {
  let server: PrivateRedis;
  let db: TestDatabase;
  let now: number;
  const clients: Redis[] = [];
  /** A replica's store as the composition root builds it: its own client, the table as fallback. */
  const replica = (recheckMs = 10 * 60_000) => {
    const redis = new Redis(server.url, REDIS_DEDUPE_CLIENT);
    redis.on('error', () => undefined);
    clients.push(redis);
    const events = new RedisProcessedEvents({ redis, prefix: 'outage', fallback: new PrismaProcessedEvents(db.prisma), ttlMs: TTL, recheckMs, logger: silentLogger, now: () => now });
    return { redis, events };
  };
  const rows = async () => (await db.pool.query<{ k: string }>("SELECT platform || ':' || event_id AS k FROM processed_event ORDER BY 1")).rows.map((r) => r.k);
  const ready = (redis: Redis) => waitFor(() => redis.status === 'ready');

  beforeAll(async () => {
    [server, db] = await Promise.all([startPrivateRedis(), createTestDatabase('processed_redis')]);
  }, 60_000);
  beforeEach(async () => {
    now = 1_000_000;
    await server.start();
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await Promise.all([server?.stop(), db?.drop()]);
  });

  it('writes no row while Redis answers; checks in the table while it is down and for a while after, so each event is handled once', async () => {
    await db.pool.query('TRUNCATE processed_event');
    const a = replica();
    const b = replica();
    await Promise.all([a.redis.connect(), b.redis.connect()]);
    expect(await a.events.firstSeen('telegram', 'before')).toBe(true);
    expect(await b.events.firstSeen('telegram', 'before')).toBe(false);
    expect(await rows()).toEqual([]);

    // When Redis goes away, both replicas fall back to the table: handled once, nothing thrown
    await server.stop();
    await waitFor(() => a.redis.status !== 'ready' && b.redis.status !== 'ready');
    expect(await a.events.firstSeen('telegram', 'during')).toBe(true);
    expect(await b.events.firstSeen('telegram', 'during')).toBe(false);
    expect(await a.events.firstSeen('telegram', 'during')).toBe(false);
    expect(await rows()).toEqual(['telegram:during']);
    // The gap the module states: an event first seen in Redis is unknown to the table.
    expect(await b.events.firstSeen('telegram', 'before')).toBe(true);

    // When it is back, a redelivery of what was handled during the outage meets its row, on either replica
    await server.start();
    await Promise.all([ready(a.redis), ready(b.redis)]);
    now += 60_000;
    expect(await b.events.firstSeen('telegram', 'during')).toBe(false);
    expect(await a.events.firstSeen('telegram', 'during')).toBe(false);
    expect(await a.events.firstSeen('slack', 'after')).toBe(true);
    expect(await b.events.firstSeen('slack', 'after')).toBe(false);

    // Past the recheck window the table is left alone again
    now += 10 * 60_000;
    expect(await a.events.firstSeen('slack', 'later')).toBe(true);
    expect(await b.events.firstSeen('slack', 'later')).toBe(false);
    expect(await rows()).toEqual(['slack:after', 'telegram:before', 'telegram:during']);
  }, 60_000);

  it('gives up on a Redis that hangs after the command timeout and answers from the table', async () => {
    await db.pool.query('TRUNCATE processed_event');
    const a = replica();
    await a.redis.connect();
    server.freeze();
    try {
      const started = performance.now();
      expect(await a.events.firstSeen('telegram', 'hung')).toBe(true);
      expect(performance.now() - started).toBeLessThan(REDIS_DEDUPE_CLIENT.commandTimeout + 500);
      expect(await a.events.firstSeen('telegram', 'hung')).toBe(false);
      expect(await rows()).toEqual(['telegram:hung']);
    } finally {
      server.thaw();
    }
    // The timed-out SET reached Redis when it woke; a timeout opens no window of double checks
    await waitFor(async () => (await a.redis.exists(processedEventKey('outage', 'telegram', 'hung'))) === 1);
    expect(await a.events.firstSeen('telegram', 'hung')).toBe(false);
    expect(await a.events.firstSeen('telegram', 'after-hang')).toBe(true);
    expect(await rows()).toEqual(['telegram:hung']);
  }, 30_000);

  it('forgets an event in both stores, so its redelivery is handled (a GitHub delivery whose handling failed)', async () => {
    await db.pool.query('TRUNCATE processed_event');
    const a = replica();
    await a.redis.connect();
    expect(await a.events.firstSeen('github', 'd-1')).toBe(true);
    await server.stop();
    expect(await a.events.firstSeen('github', 'd-2')).toBe(true);
    await expect(a.events.forget('github', 'd-2')).rejects.toThrow();
    expect(await rows()).toEqual([]);
    await server.start();
    await ready(a.redis);
    await a.events.forget('github', 'd-1');
    expect(await a.events.firstSeen('github', 'd-1')).toBe(true);
    expect(await a.events.firstSeen('github', 'd-2')).toBe(true);
  }, 30_000);

  it('still handles an event once when PostgreSQL is away too (the process remembers it, as the table store does)', async () => {
    const closed = await freePort();
    const redis = new Redis(`redis://127.0.0.1:${closed}`, REDIS_DEDUPE_CLIENT);
    redis.on('error', () => undefined);
    clients.push(redis);
    const prisma = createPrismaClient(`postgresql://postgres@127.0.0.1:${await freePort()}/postgres`, { poolMax: 1 });
    try {
      const events = new RedisProcessedEvents({ redis, prefix: 'both-away', fallback: new PrismaProcessedEvents(prisma), ttlMs: TTL, recheckMs: 60_000, logger: silentLogger });
      await redis.connect().catch(() => undefined);
      expect(await events.firstSeen('telegram', '77')).toBe(true);
      expect(await events.firstSeen('telegram', '77')).toBe(false);
      expect(await events.firstSeen('telegram', '78')).toBe(true);
    } finally {
      await prisma.$disconnect();
    }
  }, 30_000);
});
