import { afterAll, beforeAll } from 'vitest';
import { PrismaHandoffLog } from '../../../src/adapters/prisma/handoff-log.repository.js';
import { PrismaOncallOverrideStore } from '../../../src/adapters/prisma/oncall-override.repository.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { handoffLogContract, oncallOverrideStoreContract } from '../../contracts/oncall-store.contract.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('oncall');
});
afterAll(() => db?.drop());

oncallOverrideStoreContract(async () => {
  await db.pool.query('TRUNCATE oncall_override');
  return new PrismaOncallOverrideStore(db.prisma);
});

handoffLogContract(async () => {
  await db.pool.query('TRUNCATE handoff_announcement');
  return new PrismaHandoffLog(db.prisma);
});
