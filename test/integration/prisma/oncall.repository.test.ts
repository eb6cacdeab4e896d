import { afterAll, beforeAll, beforeEach, describe } from 'vitest';
import { PrismaHandoffLog } from '../../../src/adapters/prisma/handoff-log.repository.js';
import { PrismaOncallOverrideStore } from '../../../src/adapters/prisma/oncall-override.repository.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { MemoryHandoffLog, MemoryOncallOverrideStore } from '../../fakes/memory-oncall.js';
import { handoffLogContract, oncallOverrideStoreContract } from './oncall-store.contract.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('oncall');
});
afterAll(() => db?.drop());

describe('MemoryOncallOverrideStore', () => oncallOverrideStoreContract(() => new MemoryOncallOverrideStore()));
describe('MemoryHandoffLog', () => handoffLogContract(() => new MemoryHandoffLog()));

describe('PrismaOncallOverrideStore', () => {
  beforeEach(() => db.pool.query('TRUNCATE oncall_override'));
  oncallOverrideStoreContract(() => new PrismaOncallOverrideStore(db.prisma));
});

describe('PrismaHandoffLog', () => {
  beforeEach(() => db.pool.query('TRUNCATE handoff_announcement'));
  handoffLogContract(() => new PrismaHandoffLog(db.prisma));
});
