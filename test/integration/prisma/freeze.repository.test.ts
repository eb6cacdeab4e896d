import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PrismaFreezeStore } from '../../../src/adapters/prisma/freeze.repository.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { at, freezeStoreContract, win } from '../../contracts/freeze-store.contract.js';

let db: TestDatabase;
let store: PrismaFreezeStore;

beforeAll(async () => {
  db = await createTestDatabase('freeze_window');
  store = new PrismaFreezeStore(db.prisma);
});
afterAll(() => db?.drop());
beforeEach(() => db.pool.query('TRUNCATE freeze_window'));

describe('PrismaFreezeStore', () => {
  it('adds a window with a short id and returns it as stored', async () => {
    const w = await store.add(win());
    expect(w).toEqual({ ...win(), id: expect.stringMatching(/^[0-9A-Za-z]{12}$/) });
    expect(await store.active('shop', 'prod', at(1))).toEqual([w]);
  });

  it('covers from (inclusive) to until (exclusive)', async () => {
    const w = await store.add(win());
    expect(await store.active('shop', 'prod', at(-0.001))).toEqual([]);
    expect(await store.active('shop', 'prod', at(0))).toEqual([w]);
    expect(await store.active('shop', 'prod', at(23.999))).toEqual([w]);
    expect(await store.active('shop', 'prod', at(24))).toEqual([]);
  });

  it('matches the env, or every env for an env-less window, within the project only', async () => {
    const prod = await store.add(win());
    const all = await store.add(win({ env: null, from: at(-1), reason: 'all of shop' }));
    await store.add(win({ project: 'blog', env: null }));
    await store.add(win({ env: 'staging' }));

    expect((await store.active('shop', 'prod', at(1))).map((w) => w.id)).toEqual([all.id, prod.id]);
    expect((await store.active('shop', 'qa', at(1))).map((w) => w.id)).toEqual([all.id]);
    expect(await store.active('docs', 'prod', at(1))).toEqual([]);
  });

  it('lists windows not yet over (running or future), earliest first', async () => {
    const past = await store.add(win({ from: at(-48), until: at(-24) }));
    const running = await store.add(win({ from: at(-1), until: at(2) }));
    const future = await store.add(win({ from: at(10), until: at(12), env: null }));
    expect((await store.upcoming(at(0))).map((w) => w.id)).toEqual([running.id, future.id]);
    expect((await store.upcoming(at(2))).map((w) => w.id)).toEqual([future.id]);
    expect((await store.upcoming(at(-30))).map((w) => w.id)).toEqual([past.id, running.id, future.id]);
  });

  it('removes a window once', async () => {
    const w = await store.add(win());
    expect(await store.remove(w.id)).toBe(true);
    expect(await store.remove(w.id)).toBe(false);
    expect(await store.remove("' OR 1=1 --")).toBe(false);
    expect(await store.active('shop', 'prod', at(1))).toEqual([]);
  });

  it('rejects a window that ends before it starts, or without a project', async () => {
    await expect(store.add(win({ until: at(0) }))).rejects.toThrow(/end after/);
    await expect(store.add(win({ project: '' }))).rejects.toThrow();
  });
});

freezeStoreContract(async () => {
  await db.pool.query('TRUNCATE freeze_window');
  return new PrismaFreezeStore(db.prisma);
});
