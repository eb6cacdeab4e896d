import { beforeEach, describe, expect, it } from 'vitest';
import { actionHolder, personHolder, type Lock, type LockStore } from '../../src/core/ports/lock.port.js';

const T0 = new Date('2026-06-01T08:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

const manual = (holder: string): Omit<Lock, 'since'> => ({
  project: 'shop', env: 'prod', kind: 'manual', holder: personHolder(holder), reason: `${holder} is migrating`, leaseUntil: null,
});
const deploy = (actionId: string, leaseUntil: Date): Omit<Lock, 'since'> => ({
  project: 'shop', env: 'prod', kind: 'deploy', holder: actionHolder(actionId), reason: 'deploy api 1.5.0', leaseUntil,
});

/**
 * The LockStore contract, run against the in-memory fake (unit) and PrismaLockStore (integration).
 * `make` returns an empty store whose lease decisions follow `clock`.
 */
export function lockStoreContract(make: (clock: { now(): Date }) => Promise<LockStore>): void {
  describe('LockStore contract', () => {
    let now: Date;
    let store: LockStore;
    beforeEach(async () => {
      now = T0;
      store = await make({ now: () => now });
    });

    it('refuses a live lock to another holder and keeps `since` for the same holder', async () => {
      const first = await store.acquire(manual('alice'), at(0));
      expect(first).toMatchObject({ ok: true, lock: { holder: { kind: 'person', id: 'alice' }, since: at(0) } });
      expect(await store.acquire(manual('bob'), at(1))).toMatchObject({ ok: false, heldBy: { holder: { kind: 'person', id: 'alice' } } });
      expect(await store.acquire(manual('alice'), at(2))).toMatchObject({ ok: true, lock: { since: at(0) } });
    });

    it('lets another holder take a deploy lock whose lease has expired', async () => {
      await store.acquire(deploy('a1', at(1)), at(0));
      expect(await store.acquire(deploy('a2', at(5)), at(0))).toMatchObject({ ok: false });
      expect(await store.get('shop', 'prod', at(2))).toBeNull();
      expect(await store.acquire(deploy('a2', at(5)), at(2))).toMatchObject({ ok: true, lock: { holder: { kind: 'action', id: 'a2' } } });
    });

    it('renews a live deploy lease for its holder only', async () => {
      await store.acquire(deploy('a1', at(1)), at(0));
      expect(await store.renew('shop', 'prod', actionHolder('other'), at(3))).toBe(false);
      // A person whose id is the action's is another holder.
      expect(await store.renew('shop', 'prod', personHolder('a1'), at(3))).toBe(false);
      expect(await store.renew('shop', 'prod', actionHolder('a1'), at(3))).toBe(true);
      expect((await store.get('shop', 'prod', at(2)))?.leaseUntil).toEqual(at(3));
    });

    it('refuses to renew a lease that has already expired', async () => {
      await store.acquire(deploy('a1', at(1)), at(0));
      now = at(2);
      expect(await store.renew('shop', 'prod', actionHolder('a1'), at(4))).toBe(false);
      expect(await store.get('shop', 'prod', at(2))).toBeNull();
    });

    it('refuses to renew a manual lock (it has no lease)', async () => {
      await store.acquire(manual('alice'), at(0));
      expect(await store.renew('shop', 'prod', personHolder('alice'), at(4))).toBe(false);
      expect(await store.get('shop', 'prod', at(5))).toMatchObject({ kind: 'manual', leaseUntil: null });
    });

    it('releases for the holder or for anyone (null), never for another holder', async () => {
      await store.acquire(manual('alice'), at(0));
      expect(await store.release('shop', 'prod', personHolder('bob'))).toBeNull();
      expect(await store.release('shop', 'prod', actionHolder('alice'))).toBeNull();
      expect(await store.release('shop', 'prod', personHolder('alice'))).toMatchObject({ holder: { kind: 'person', id: 'alice' } });
      await store.acquire(manual('carol'), at(1));
      expect(await store.release('shop', 'prod', null)).toMatchObject({ holder: { kind: 'person', id: 'carol' } });
      expect(await store.get('shop', 'prod', at(2))).toBeNull();
    });

    it('tells a person from an action with the same id', async () => {
      await store.acquire(deploy('a1', at(5)), at(0));
      expect(await store.acquire(manual('a1'), at(1))).toMatchObject({ ok: false, heldBy: { kind: 'deploy', holder: { kind: 'action', id: 'a1' } } });
      expect(await store.release('shop', 'prod', personHolder('a1'))).toBeNull();
      expect(await store.release('shop', 'prod', actionHolder('a1'))).toMatchObject({ holder: { kind: 'action', id: 'a1' } });
    });

    it('lists only live locks', async () => {
      await store.acquire(manual('alice'), at(0));
      await store.acquire({ ...deploy('a1', at(1)), env: 'staging' }, at(0));
      expect((await store.list(at(0))).map((l) => l.env).sort()).toEqual(['prod', 'staging']);
      expect((await store.list(at(2))).map((l) => l.env)).toEqual(['prod']);
    });
  });
}
