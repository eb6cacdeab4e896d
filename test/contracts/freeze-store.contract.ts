import { beforeEach, describe, expect, it } from 'vitest';
import type { FreezeStore, FreezeWindow } from '../../src/core/ports/freeze.port.js';

/** Fixtures shared with the Prisma-specific tests in test/integration/prisma/freeze.repository.test.ts. */
export const T0 = new Date('2026-12-20T00:00:00Z');
export const at = (hours: number) => new Date(T0.getTime() + hours * 3_600_000);

export const win = (over: Partial<Omit<FreezeWindow, 'id'>> = {}): Omit<FreezeWindow, 'id'> => ({
  project: 'shop', env: 'prod', from: at(0), until: at(24), reason: 'holiday sale', createdBy: 'alice', ...over,
});

/**
 * The FreezeStore contract, run against the in-memory fake (unit) and PrismaFreezeStore (integration).
 * `make` returns an empty store. What callers rely on: a window covers [from, until), an env-less window
 * covers every env of its project, `freeze list` shows what is not over yet by start, `unfreeze <id>` removes once.
 */
export function freezeStoreContract(make: () => Promise<FreezeStore>): void {
  describe('FreezeStore contract', () => {
    let store: FreezeStore;
    beforeEach(async () => {
      store = await make();
    });

    it('adds a window with a short id that `unfreeze` can be typed with, and returns it as stored', async () => {
      const w = await store.add(win());
      expect(w).toEqual({ ...win(), id: expect.stringMatching(/^[0-9A-Za-z]{1,16}$/) });
      expect(await store.active('shop', 'prod', at(1))).toEqual([w]);
    });

    it('covers from (inclusive) to until (exclusive)', async () => {
      const w = await store.add(win());
      expect(await store.active('shop', 'prod', at(-0.001))).toEqual([]);
      expect(await store.active('shop', 'prod', at(0))).toEqual([w]);
      expect(await store.active('shop', 'prod', at(23.999))).toEqual([w]);
      expect(await store.active('shop', 'prod', at(24))).toEqual([]);
    });

    it('matches the env, or every env for an env-less window, within the project only, earliest start first', async () => {
      const prod = await store.add(win());
      const all = await store.add(win({ env: null, from: at(-1), reason: 'all of shop' }));
      await store.add(win({ project: 'blog', env: null }));
      await store.add(win({ env: 'staging' }));
      expect((await store.active('shop', 'prod', at(1))).map((w) => w.id)).toEqual([all.id, prod.id]);
      expect((await store.active('shop', 'qa', at(1))).map((w) => w.id)).toEqual([all.id]);
      expect(await store.active('docs', 'prod', at(1))).toEqual([]);
    });

    it('lists windows not over yet (running or future) of every project, by start then end', async () => {
      const past = await store.add(win({ from: at(-48), until: at(-24) }));
      const future = await store.add(win({ from: at(10), until: at(12), env: null }));
      const longer = await store.add(win({ from: at(-1), until: at(30), project: 'blog' }));
      const running = await store.add(win({ from: at(-1), until: at(2) }));
      expect((await store.upcoming(at(0))).map((w) => w.id)).toEqual([running.id, longer.id, future.id]);
      expect((await store.upcoming(at(2))).map((w) => w.id)).toEqual([longer.id, future.id]);
      expect((await store.upcoming(at(-30))).map((w) => w.id)).toEqual([past.id, running.id, longer.id, future.id]);
    });

    it('removes a window once, and nothing for an unknown or malformed id', async () => {
      const w = await store.add(win());
      expect(await store.remove(w.id)).toBe(true);
      expect(await store.remove(w.id)).toBe(false);
      expect(await store.remove("' OR 1=1 --")).toBe(false);
      expect(await store.active('shop', 'prod', at(1))).toEqual([]);
    });

    it('refuses a window that does not end after it starts, or names no project', async () => {
      await expect(store.add(win({ until: at(0) }))).rejects.toThrow(/end after/);
      await expect(store.add(win({ project: '' }))).rejects.toThrow();
      expect(await store.upcoming(at(-1))).toEqual([]);
    });
  });
}
