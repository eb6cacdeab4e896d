import { beforeEach, describe, expect, it } from 'vitest';
import type { HandoffLog, NewOncallOverride, OncallOverrideStore } from '../../src/core/ports/oncall.port.js';

const T0 = new Date('2026-11-23T12:00:00Z');
const h = (hours: number) => new Date(T0.getTime() + hours * 3_600_000);

const override = (over: Partial<NewOncallOverride> = {}): NewOncallOverride => ({
  project: 'shop', personId: 'dave', startsAt: h(0), endsAt: h(8), createdBy: 'alice', createdAt: h(0), ...over,
});

/**
 * The OncallOverrideStore contract, run against the in-memory fake (unit) and PrismaOncallOverrideStore
 * (integration). `make` returns an empty store.
 */
export function oncallOverrideStoreContract(make: () => Promise<OncallOverrideStore>): void {
  describe('OncallOverrideStore contract', () => {
    let store: OncallOverrideStore;
    beforeEach(async () => {
      store = await make();
    });

    it('creates an override and finds it in effect from its start (inclusive) to its end (exclusive)', async () => {
      const s = store;
      const o = await s.create(override());
      expect(o).toEqual({ ...override(), id: expect.stringMatching(/^[0-9A-Za-z]{1,16}$/) });
      expect(await s.activeAt('shop', h(-0.01))).toBeNull();
      expect(await s.activeAt('shop', h(0))).toEqual(o);
      expect(await s.activeAt('shop', h(7.99))).toEqual(o);
      expect(await s.activeAt('shop', h(8))).toBeNull();
      expect(await s.activeAt('billing', h(1))).toBeNull();
    });

    it('lets the most recently created override win while several are in effect', async () => {
      const s = store;
      await s.create(override({ personId: 'dave' }));
      const later = await s.create(override({ personId: 'carol', startsAt: h(1), endsAt: h(3), createdAt: h(1) }));
      expect((await s.activeAt('shop', h(0.5)))?.personId).toBe('dave');
      expect(await s.activeAt('shop', h(2))).toEqual(later);
      expect((await s.activeAt('shop', h(4)))?.personId).toBe('dave');
    });

    it('lists overrides of the projects not over yet, by start', async () => {
      const s = store;
      await s.create(override({ personId: 'old', startsAt: h(-5), endsAt: h(-1), createdAt: h(-5) }));
      const b = await s.create(override({ personId: 'b', startsAt: h(2), endsAt: h(4), createdAt: h(0.1) }));
      const a = await s.create(override({ personId: 'a', startsAt: h(0), endsAt: h(1), createdAt: h(0.2) }));
      const other = await s.create(override({ project: 'billing', personId: 'c', createdAt: h(0.3) }));
      expect(await s.upcoming(['shop'], h(0))).toEqual([a, b]);
      expect(await s.upcoming(['shop', 'billing'], h(1))).toEqual([other, b]);
      expect(await s.upcoming([], h(0))).toEqual([]);
    });

    it('cancels every override in effect or still to come for the project, once', async () => {
      const s = store;
      await s.create(override({ personId: 'old', startsAt: h(-5), endsAt: h(-1), createdAt: h(-5) }));
      await s.create(override());
      await s.create(override({ personId: 'future', startsAt: h(5), endsAt: h(6) }));
      const billing = await s.create(override({ project: 'billing' }));
      expect(await s.cancel('shop', h(1))).toBe(2);
      expect(await s.activeAt('shop', h(1))).toBeNull();
      expect(await s.activeAt('shop', h(5.5))).toBeNull();
      expect(await s.upcoming(['shop', 'billing'], h(1))).toEqual([billing]);
      expect(await s.cancel('shop', h(1))).toBe(0);
    });

    it('refuses an override that does not end after it starts', async () => {
      await expect(store.create(override({ endsAt: h(0) }))).rejects.toThrow();
    });
  });
}

/** The HandoffLog contract, run against the in-memory fake (unit) and PrismaHandoffLog (integration). */
export function handoffLogContract(make: () => Promise<HandoffLog>): void {
  describe('HandoffLog contract', () => {
    let log: HandoffLog;
    beforeEach(async () => {
      log = await make();
    });

    it('claims each handoff of each rotation once', async () => {
      const l = log;
      expect(await l.claim('shop:abc', h(0), h(0.1))).toBe(true);
      expect(await l.claim('shop:abc', h(0), h(0.2))).toBe(false);
      expect(await l.claim('shop:abc', h(168), h(168.1))).toBe(true);
      expect(await l.claim('billing:def', h(0), h(0.1))).toBe(true);
    });

    it('gives exactly one of several concurrent claims', async () => {
      const l = log;
      const results = await Promise.all(Array.from({ length: 6 }, () => l.claim('shop:race', h(0), h(0))));
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });
}
