import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaOutbox } from '../../../src/adapters/prisma/outbox.repository.js';
import { createPrismaClient } from '../../../src/adapters/prisma/prisma-client.js';
import { entry, outboxContract } from '../../contracts/outbox.contract.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('outbox');
});
afterAll(() => db?.drop());

outboxContract(async () => {
  await db.pool.query('TRUNCATE outbox_message, outbox_lane');
  return new PrismaOutbox(db.prisma);
});

describe('PrismaOutbox across replicas', () => {
  it('gives each chat’s lane to exactly one of several replicas claiming at once', async () => {
    await db.pool.query('TRUNCATE outbox_message, outbox_lane');
    const chats = Array.from({ length: 20 }, (_, i) => `-10${i}`);
    const seed = new PrismaOutbox(db.prisma);
    for (const chatId of chats) await seed.put(entry({ chatId }));
    // Three replicas, each with its own connection pool, race for the lanes.
    const clients = [0, 1, 2].map(() => createPrismaClient(db.url));
    try {
      const claims = await Promise.all(
        clients.map((c, i) => new PrismaOutbox(c).claimLanes('telegram', `replica-${i}`, { now: Date.now(), leaseMs: 10_000, limit: 20 })),
      );
      const all = claims.flat();
      expect(all.sort()).toEqual([...chats].sort());
      expect(new Set(all).size).toBe(all.length);
    } finally {
      await Promise.all(clients.map((c) => c.$disconnect()));
    }
  });

  it('queues one row when two replicas put the same key, or the same waiting edit, at once', async () => {
    await db.pool.query('TRUNCATE outbox_message, outbox_lane');
    const clients = [0, 1].map(() => createPrismaClient(db.url));
    try {
      const same = entry();
      const outcomes = await Promise.all(clients.map((c) => new PrismaOutbox(c).put(same)));
      expect(outcomes.sort()).toEqual(['duplicate', 'queued']);
      const edits = await Promise.all(
        clients.map((c, i) => new PrismaOutbox(c).put(entry({ kind: 'edit', target: '99', payload: { reply: { tone: 'info', text: `edit ${i}`, blocks: [] } } }))),
      );
      expect(edits.sort()).toEqual(['coalesced', 'queued']);
      const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM outbox_message WHERE target = '99'`);
      expect(rows[0].n).toBe(1);
    } finally {
      await Promise.all(clients.map((c) => c.$disconnect()));
    }
  });

  it('keeps a message whose text carries a NUL (container output), without the NUL that jsonb refuses', async () => {
    await db.pool.query('TRUNCATE outbox_message, outbox_lane');
    const store = new PrismaOutbox(db.prisma);
    expect(await store.put(entry({ payload: { reply: { tone: 'error', text: 'exit 1: bad\u0000byte', blocks: [] } } }))).toBe('queued');
    const [row] = await store.waiting('telegram', '-1001', 1);
    expect(row!.payload.reply.text).toBe('exit 1: badbyte');
  });
});
