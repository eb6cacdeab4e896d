import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PrismaUsageStore } from '../../../src/adapters/prisma/usage.repository.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { sample, usageStoreContract } from '../../contracts/usage-store.contract.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('usage_store');
});
afterAll(() => db?.drop());

usageStoreContract(async () => {
  await db.pool.query('TRUNCATE usage_sample, usage_hour, usage_unit, cost_anomaly');
  return new PrismaUsageStore(db.prisma);
});

describe('PrismaUsageStore', () => {
  beforeEach(() => db.pool.query('TRUNCATE usage_sample, usage_hour, usage_unit, cost_anomaly'));

  it('compacts once when two replicas compact at the same time', async () => {
    const a = new PrismaUsageStore(db.prisma);
    const b = new PrismaUsageStore(db.prisma);
    await a.record(Array.from({ length: 50 }, (_, i) => sample({ unitId: `c${i}` })), []);

    const moved = await Promise.all([a.compact(new Date('2026-12-01T11:00:00Z')), b.compact(new Date('2026-12-01T11:00:00Z'))]);

    expect(moved.sort()).toEqual([0, 50]);
    const { rows } = await db.pool.query('SELECT seconds FROM usage_hour');
    expect(rows).toEqual([{ seconds: 50 * 300 }]);
  });

  it('refuses a sample with a negative or non-finite reading', async () => {
    await expect(new PrismaUsageStore(db.prisma).record([sample({ cpuCores: Number.NaN })], [])).rejects.toThrow();
    await expect(new PrismaUsageStore(db.prisma).record([sample({ memoryBytes: -1 })], [])).rejects.toThrow();
  });
});
