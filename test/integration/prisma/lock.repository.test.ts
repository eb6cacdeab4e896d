import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PrismaLockStore } from '../../../src/adapters/prisma/lock.repository.js';
import { createPrismaClient, type PrismaClient } from '../../../src/adapters/prisma/prisma-client.js';
import { actionHolder, personHolder, type Lock } from '../../../src/core/ports/lock.port.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { lockStoreContract } from '../../contracts/lock-store.contract.js';

let db: TestDatabase;
let now: Date;
const clock = { now: () => now };
let locks: PrismaLockStore;
const extraClients: PrismaClient[] = [];

const T0 = new Date('2026-06-01T08:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

beforeAll(async () => {
  db = await createTestDatabase('env_lock');
  locks = new PrismaLockStore(db.prisma, clock);
});
afterAll(async () => {
  await Promise.all(extraClients.map((c) => c.$disconnect()));
  await db?.drop();
});
beforeEach(async () => {
  now = T0;
  await db.pool.query('TRUNCATE env_lock');
});

const manual = (holder: string, over: Partial<Lock> = {}): Omit<Lock, 'since'> => ({
  project: 'shop', env: 'prod', kind: 'manual', holder: personHolder(holder), reason: `${holder} is migrating`, leaseUntil: null, ...over,
});
const deploy = (actionId: string, leaseUntil: Date, over: Partial<Lock> = {}): Omit<Lock, 'since'> => ({
  project: 'shop', env: 'prod', kind: 'deploy', holder: actionHolder(actionId), reason: 'deploy api 1.5.0', leaseUntil, ...over,
});

function moreStores(n: number): PrismaLockStore[] {
  const clients = Array.from({ length: n }, () => createPrismaClient(db.url, { poolMax: 5 }));
  extraClients.push(...clients);
  return clients.map((c) => new PrismaLockStore(c, clock));
}

describe('PrismaLockStore: acquire', () => {
  it('takes a free lock and reports it as held', async () => {
    const result = await locks.acquire(manual('alice'), at(0));
    expect(result).toEqual({ ok: true, lock: { ...manual('alice'), since: at(0) } });
    expect(await locks.get('shop', 'prod', at(60))).toEqual({ ...manual('alice'), since: at(0) });
    expect(await locks.get('shop', 'staging', at(60))).toBeNull();
  });

  it('gives one of two concurrent holders the lock and shows the loser the winner', async () => {
    for (let round = 0; round < 5; round++) {
      await db.pool.query('TRUNCATE env_lock');
      const [s1, s2] = moreStores(2);
      const results = await Promise.all([s1!.acquire(manual('alice'), at(0)), s2!.acquire(manual('bob'), at(0))]);
      const won = results.filter((r) => r.ok);
      const lost = results.filter((r) => !r.ok);
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      if (won[0]!.ok && !lost[0]!.ok) expect(lost[0]!.heldBy).toEqual(won[0]!.lock);
    }
  });

  it('gives exactly one of many concurrent deploy actions the lock', async () => {
    const stores = moreStores(4);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => stores[i % 4]!.acquire(deploy(`a${i}`, at(5)), at(0))),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const holders = new Set(results.map((r) => (r.ok ? r.lock.holder : r.heldBy.holder)).map((h) => `${h.kind}:${h.id}`));
    expect(holders.size).toBe(1);
  });

  it('renews for the same holder, keeping since and taking the new reason', async () => {
    await locks.acquire(manual('alice'), at(0));
    const again = await locks.acquire(manual('alice', { reason: 'still migrating' }), at(30));
    expect(again).toEqual({ ok: true, lock: { ...manual('alice', { reason: 'still migrating' }), since: at(0) } });
  });

  it('refuses another holder while a manual lock is held, however late', async () => {
    await locks.acquire(manual('alice'), at(0));
    const result = await locks.acquire(deploy('x1', at(10_005)), at(10_000));
    expect(result).toEqual({ ok: false, heldBy: { ...manual('alice'), since: at(0) } });
  });

  it('lets another holder in once a deploy lease has expired', async () => {
    await locks.acquire(deploy('x1', at(5)), at(0));
    expect((await locks.acquire(manual('bob'), at(4))).ok).toBe(false);
    expect(await locks.get('shop', 'prod', at(5))).toBeNull();
    const taken = await locks.acquire(manual('bob'), at(5));
    expect(taken).toEqual({ ok: true, lock: { ...manual('bob'), since: at(5) } });
  });

  it('validates the lock: manual locks have no lease, deploy locks need one', async () => {
    await expect(locks.acquire(manual('alice', { leaseUntil: at(5) }), at(0))).rejects.toThrow(/lease/);
    await expect(locks.acquire(deploy('x1', at(5), { leaseUntil: null }), at(0))).rejects.toThrow(/lease/);
    await expect(locks.acquire(manual(''), at(0))).rejects.toThrow();
  });
});

describe('PrismaLockStore: renew, release, list', () => {
  it('renews a live lease for its holder only', async () => {
    await locks.acquire(deploy('x1', at(5)), at(0));
    now = at(4);
    expect(await locks.renew('shop', 'prod', actionHolder('x2'), at(20))).toBe(false);
    expect(await locks.renew('shop', 'prod', actionHolder('x1'), at(9))).toBe(true);
    expect((await locks.get('shop', 'prod', at(8)))?.leaseUntil).toEqual(at(9));
  });

  it('does not renew a lease that has already run out', async () => {
    await locks.acquire(deploy('x1', at(5)), at(0));
    now = at(6);
    expect(await locks.renew('shop', 'prod', actionHolder('x1'), at(20))).toBe(false);
    expect(await locks.get('shop', 'prod', at(7))).toBeNull();
  });

  it('does not renew a manual lock into a lease', async () => {
    await locks.acquire(manual('alice'), at(0));
    expect(await locks.renew('shop', 'prod', personHolder('alice'), at(5))).toBe(false);
    expect((await locks.get('shop', 'prod', at(10)))?.leaseUntil).toBeNull();
  });

  it('releases for the holder, refuses others, and lets an admin release anyone', async () => {
    await locks.acquire(manual('alice'), at(0));
    expect(await locks.release('shop', 'prod', personHolder('bob'))).toBeNull();
    expect(await locks.release('shop', 'prod', personHolder('alice'))).toEqual({ ...manual('alice'), since: at(0) });
    expect(await locks.get('shop', 'prod', at(1))).toBeNull();

    await locks.acquire(manual('carol'), at(2));
    expect((await locks.release('shop', 'prod', null))?.holder).toEqual({ kind: 'person', id: 'carol' });
    expect(await locks.release('shop', 'prod', null)).toBeNull();
  });

  it('lists only live locks, by project and env', async () => {
    await locks.acquire(manual('alice', { env: 'staging' }), at(0));
    await locks.acquire(deploy('x1', at(5), { project: 'blog' }), at(0));
    await locks.acquire(deploy('x2', at(50)), at(0));
    expect((await locks.list(at(10))).map((l) => `${l.project}/${l.env}:${l.holder.kind} ${l.holder.id}`)).toEqual([
      'shop/prod:action x2',
      'shop/staging:person alice',
    ]);
    expect(await locks.list(at(1))).toHaveLength(3);
  });
});

describe('PrismaLockStore: the holder column', () => {
  it('keeps its text form: a person id as is, an action as action:<id>', async () => {
    await locks.acquire(manual('alice', { env: 'staging' }), at(0));
    await locks.acquire(deploy('x1', at(5)), at(0));
    const rows = await db.pool.query<{ env: string; holder: string }>('SELECT env, holder FROM env_lock ORDER BY env');
    expect(rows.rows).toEqual([{ env: 'prod', holder: 'action:x1' }, { env: 'staging', holder: 'alice' }]);
  });

  it('reads rows written before typed holders as the right holder, and renews and releases them', async () => {
    await db.pool.query(
      `INSERT INTO env_lock (project, env, kind, holder, reason, since, lease_until) VALUES
         ('shop', 'prod', 'deploy', 'action:old1', 'deploy api', $1, $2),
         ('shop', 'staging', 'manual', 'dave', 'db migration', $1, NULL)`,
      [at(0), at(5)],
    );
    expect(await locks.get('shop', 'prod', at(1))).toMatchObject({ kind: 'deploy', holder: { kind: 'action', id: 'old1' } });
    expect(await locks.get('shop', 'staging', at(1))).toMatchObject({ kind: 'manual', holder: { kind: 'person', id: 'dave' } });
    now = at(1);
    expect(await locks.renew('shop', 'prod', actionHolder('old1'), at(9))).toBe(true);
    expect(await locks.release('shop', 'staging', personHolder('dave'))).toMatchObject({ holder: { kind: 'person', id: 'dave' } });
  });

  it('refuses a person id that would read back as an action', async () => {
    await expect(locks.acquire(manual('action:x1'), at(0))).rejects.toThrow(/action/);
  });
});

lockStoreContract(async (contractClock) => {
  await db.pool.query('TRUNCATE env_lock');
  return new PrismaLockStore(db.prisma, contractClock);
});
