import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PendingActionNotFoundError, PrismaPendingActionStore } from '../../../src/adapters/prisma/pending-action.repository.js';
import { createPrismaClient, type PrismaClient } from '../../../src/adapters/prisma/prisma-client.js';
import type { NewPendingAction } from '../../../src/core/ports/pending-action.port.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { at, pendingActionStoreContract, plan, request, T0 } from '../../contracts/pending-action-store.contract.js';

let db: TestDatabase;
let store: PrismaPendingActionStore;
const finishedAt = new Date('2026-05-01T10:30:00Z');
const extraClients: PrismaClient[] = [];

beforeAll(async () => {
  db = await createTestDatabase('pending_action');
  store = new PrismaPendingActionStore(db.prisma, { now: () => finishedAt });
});
afterAll(async () => {
  await Promise.all(extraClients.map((c) => c.$disconnect()));
  await db?.drop();
});
beforeEach(() => db.pool.query('TRUNCATE pending_action'));

/** Separate clients (separate pools), so racing calls really run on different connections. */
function moreStores(n: number): PrismaPendingActionStore[] {
  const clients = Array.from({ length: n }, () => createPrismaClient(db.url, { poolMax: 10 }));
  extraClients.push(...clients);
  return clients.map((c) => new PrismaPendingActionStore(c));
}

describe('PrismaPendingActionStore: create and read', () => {
  it('stores an action with a short URL-safe id and reads it back unchanged', async () => {
    const created = await store.create(request());
    expect(created.id).toMatch(/^[0-9A-Za-z]{12}$/);
    expect(Buffer.byteLength(`deploy.confirm:${created.id}`)).toBeLessThanOrEqual(64);
    expect(created).toEqual({
      ...request(),
      id: created.id,
      status: 'pending',
      claimedBy: null,
      claimedAt: null,
      message: null,
      result: null,
      runAt: null,
    });
    expect(await store.get(created.id)).toEqual(created);
  });

  it('gives every action a different id', async () => {
    const ids = await Promise.all(Array.from({ length: 50 }, () => store.create(request()).then((a) => a.id)));
    expect(new Set(ids).size).toBe(50);
  });

  it('answers null for unknown and malformed ids instead of querying with them', async () => {
    expect(await store.get('AAAAAAAAAAAA')).toBeNull();
    expect(await store.get("x' OR '1'='1")).toBeNull();
    expect(await store.claim('../../etc', 'bob', at(1))).toBeNull();
  });

  it('rejects invalid actions without writing anything', async () => {
    await expect(store.create(request({ expiresAt: T0 }))).rejects.toThrow(/expiresAt/);
    await expect(store.create(request({ plan: plan({ services: [] }) }))).rejects.toThrow();
    await expect(store.create(request({ platform: 'irc' as NewPendingAction['platform'] }))).rejects.toThrow();
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM pending_action');
    expect(rows[0].n).toBe(0);
  });

  it('refuses to return a row whose JSON plan was tampered with', async () => {
    const created = await store.create(request());
    await db.pool.query(`UPDATE pending_action SET plan = plan || '{"kind":"rm -rf"}' WHERE id = $1`, [created.id]);
    await expect(store.get(created.id)).rejects.toThrow();
  });

  it('remembers where the confirm message was posted', async () => {
    const created = await store.create(request());
    const ref = { platform: 'telegram' as const, chatId: '-100123', messageId: '77' };
    await store.attachMessage(created.id, ref);
    expect((await store.get(created.id))?.message).toEqual(ref);
    await expect(store.attachMessage('Nope12345678', ref)).rejects.toBeInstanceOf(PendingActionNotFoundError);
    await expect(store.attachMessage(created.id, { ...ref, messageId: '' })).rejects.toThrow();
  });
});

describe('PrismaPendingActionStore: claim, cancel, finish', () => {
  it('lets exactly one of 20 concurrent claims win', async () => {
    const { id } = await store.create(request());
    const stores = moreStores(4);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => stores[i % stores.length]!.claim(id, `person-${i}`, at(1))),
    );
    const winners = results.filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    const stored = await store.get(id);
    expect(stored?.status).toBe('claimed');
    expect(stored?.claimedBy).toBe(winners[0]!.claimedBy);
    expect(stored?.claimedAt).toEqual(at(1));
  });

  it('refuses a second claim by the same person (double click)', async () => {
    const { id } = await store.create(request());
    expect((await store.claim(id, 'bob', at(1)))?.status).toBe('claimed');
    expect(await store.claim(id, 'bob', at(1))).toBeNull();
  });

  it('refuses a claim at or after the expiry', async () => {
    const a = await store.create(request());
    const b = await store.create(request());
    expect(await store.claim(a.id, 'bob', at(10))).toBeNull();
    expect(await store.claim(b.id, 'bob', at(11))).toBeNull();
    expect((await store.get(a.id))?.status).toBe('pending');
  });

  it('lets exactly one of racing cancels and claims win, and records who', async () => {
    for (let round = 0; round < 5; round++) {
      const { id } = await store.create(request());
      const [s1, s2] = moreStores(2);
      const [claimed, cancelled] = await Promise.all([s1!.claim(id, 'bob', at(1)), s2!.cancel(id, 'alice', at(1))]);
      expect([claimed, cancelled].filter((r) => r !== null)).toHaveLength(1);
      const stored = await store.get(id);
      if (claimed) expect(stored).toMatchObject({ status: 'claimed', claimedBy: 'bob' });
      else expect(stored).toMatchObject({ status: 'cancelled', claimedBy: 'alice', claimedAt: at(1) });
    }
  });

  it('cancels only pending, unexpired actions', async () => {
    const { id } = await store.create(request());
    expect(await store.cancel(id, 'alice', at(10))).toBeNull();
    expect((await store.cancel(id, 'alice', at(2)))?.status).toBe('cancelled');
    expect(await store.cancel(id, 'alice', at(2))).toBeNull();
    expect(await store.claim(id, 'bob', at(3))).toBeNull();
  });

  it('finishes with a status and result, and never overwrites a final status', async () => {
    const { id } = await store.create(request());
    await store.claim(id, 'bob', at(1));
    await store.finish(id, 'succeeded', 'api 1.5.0 healthy');
    await store.finish(id, 'failed', 'retried job');
    expect(await store.get(id)).toMatchObject({ status: 'succeeded', result: 'api 1.5.0 healthy' });
    const { rows } = await db.pool.query('SELECT finished_at FROM pending_action WHERE id = $1', [id]);
    expect(rows[0].finished_at).toEqual(finishedAt);
  });

  it('can refuse a still-pending action (state drifted), which then cannot be claimed', async () => {
    const { id } = await store.create(request());
    await store.finish(id, 'refused', 'api now runs 1.4.1');
    expect(await store.get(id)).toMatchObject({ status: 'refused', result: 'api now runs 1.4.1' });
    expect(await store.claim(id, 'bob', at(1))).toBeNull();
    await expect(store.finish('Missing00000', 'failed', 'x')).rejects.toBeInstanceOf(PendingActionNotFoundError);
    await expect(store.finish(id, 'claimed' as 'failed', 'x')).rejects.toThrow();
  });

  it('refuses only a still-pending action: a claim that won the race is never marked refused', async () => {
    const drifted = await store.create(request());
    expect(await store.refuse(drifted.id, 'api now runs 1.4.1')).toBe(true);
    expect(await store.get(drifted.id)).toMatchObject({ status: 'refused', result: 'api now runs 1.4.1' });
    const raced = await store.create(request());
    expect(await store.claim(raced.id, 'bob', at(1))).not.toBeNull();
    expect(await store.refuse(raced.id, 'too late')).toBe(false);
    expect(await store.get(raced.id)).toMatchObject({ status: 'claimed', result: null });
    expect(await store.refuse('Missing00000', 'x')).toBe(false);
  });

  it('lists claimed but unfinished actions, oldest claim first', async () => {
    const a = await store.create(request());
    const b = await store.create(request());
    const c = await store.create(request());
    await store.claim(b.id, 'bob', at(2));
    await store.claim(a.id, 'bob', at(3));
    await store.claim(c.id, 'bob', at(1));
    await store.finish(c.id, 'succeeded', 'done');
    expect((await store.unfinished()).map((x) => x.id)).toEqual([b.id, a.id]);
  });
});

describe('PrismaPendingActionStore: expiry and restarts', () => {
  it('gives each due action to exactly one of several concurrent sweepers', async () => {
    const ids = await Promise.all(Array.from({ length: 10 }, () => store.create(request({ expiresAt: at(1) })).then((a) => a.id)));
    const sweep = async (s: PrismaPendingActionStore) => {
      const won: string[] = [];
      for (const a of await s.due(at(2))) if (await s.expire(a.id, at(2))) won.push(a.id);
      return won;
    };
    const sweeps = await Promise.all(moreStores(4).map(sweep));
    expect(sweeps.flat().sort()).toEqual([...ids].sort());
  });

  it('keeps actions across a new client (the bot restarted) and claims them there', async () => {
    const created = await store.create(request());
    await store.attachMessage(created.id, { platform: 'slack', chatId: 'C1', messageId: '1714000000.000100' });
    const [afterRestart] = moreStores(1);
    const seen = await afterRestart!.get(created.id);
    expect(seen).toMatchObject({ id: created.id, plan: plan(), status: 'pending', message: { messageId: '1714000000.000100' } });
    expect((await afterRestart!.claim(created.id, 'bob', at(1)))?.claimedBy).toBe('bob');
  });
});

pendingActionStoreContract(async () => {
  await db.pool.query('TRUNCATE pending_action');
  return new PrismaPendingActionStore(db.prisma);
});
