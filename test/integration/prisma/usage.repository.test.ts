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

  it('loses no sample written while compaction runs: what it moves is what it deletes', async () => {
    // A sampler's write landing between the move and the delete, made deterministic: a trigger writes a
    // sample of the compacted range right after rows reach usage_hour, inside the compaction itself.
    await db.pool.query(`
      CREATE FUNCTION usage_test_late_sample() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO usage_sample ("at", "host", "unit_id", "project", "env", "service", "seconds", "cpu_cores", "memory_bytes", "storage_bytes", "restarts", "unhealthy")
        VALUES ('2026-12-01T10:30:00Z', 'docker-1', 'late', 'shop', 'prod', 'api', 300, 1, 0, 0, 0, false) ON CONFLICT DO NOTHING;
        RETURN NULL;
      END $$;
      CREATE TRIGGER usage_test_late AFTER INSERT ON usage_hour FOR EACH STATEMENT EXECUTE FUNCTION usage_test_late_sample();`);
    try {
      const store = new PrismaUsageStore(db.prisma);
      await store.record([sample()], []);
      expect(await store.compact(new Date('2026-12-01T11:00:00Z'))).toBe(1);
      const { rows } = await db.pool.query('SELECT unit_id FROM usage_sample');
      expect(rows).toEqual([{ unit_id: 'late' }]);
    } finally {
      await db.pool.query('DROP TRIGGER usage_test_late ON usage_hour; DROP FUNCTION usage_test_late_sample()');
    }
  });

  it('refuses a sample with a negative or non-finite reading', async () => {
    await expect(new PrismaUsageStore(db.prisma).record([sample({ cpuCores: Number.NaN })], [])).rejects.toThrow();
    await expect(new PrismaUsageStore(db.prisma).record([sample({ memoryBytes: -1 })], [])).rejects.toThrow();
  });
});
