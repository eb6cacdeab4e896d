/** PostedMessageStore: the contract on PostgreSQL (the fake runs it in test/unit/contracts), plus what only the table shows. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaPostedMessages } from '../../../src/adapters/prisma/posted-message.repository.js';
import { createPrismaClient } from '../../../src/adapters/prisma/prisma-client.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { postedMessageStoreContract } from '../../contracts/posted-message-store.contract.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('posted_message');
});
afterAll(() => db?.drop());

postedMessageStoreContract(async () => {
  await db.pool.query('TRUNCATE posted_message');
  return new PrismaPostedMessages(db.prisma);
});

describe('PrismaPostedMessages', () => {
  it('stores one row per key, platform and chat with the time of the latest post', async () => {
    const store = new PrismaPostedMessages(db.prisma);
    await store.remember('incident:row', 'telegram', '-1009', '1', new Date('2026-11-23T12:00:00Z'));
    await store.remember('incident:row', 'telegram', '-1009', '2', new Date('2026-11-23T12:05:00Z'));
    const { rows } = await db.pool.query(`SELECT message_id, posted_at FROM posted_message WHERE key = 'incident:row'`);
    expect(rows).toEqual([{ message_id: '2', posted_at: new Date('2026-11-23T12:05:00Z') }]);
  });

  it('is seen by a second client on the same database (what a restarted bot would use)', async () => {
    await new PrismaPostedMessages(db.prisma).remember('incident:restart', 'slack', 'C0OPS', '1700000000.000100', new Date());
    const other = createPrismaClient(db.url, { poolMax: 1 });
    try {
      expect(await new PrismaPostedMessages(other).find('incident:restart', 'slack', 'C0OPS')).toBe('1700000000.000100');
    } finally {
      await other.$disconnect();
    }
  });
});
