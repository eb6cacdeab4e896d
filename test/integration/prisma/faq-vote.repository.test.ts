import { afterAll, beforeAll, expect, it } from 'vitest';
import { PrismaFaqVoteStore } from '../../../src/adapters/prisma/faq-vote.repository.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { faqVoteStoreContract } from '../../contracts/faq-vote-store.contract.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('faq_vote');
});
afterAll(async () => {
  await db?.drop();
});

faqVoteStoreContract(async () => {
  await db.pool.query('TRUNCATE faq_vote');
  return new PrismaFaqVoteStore(db.prisma);
});

it('keeps one row per person and entry, with the time of the last change', async () => {
  await db.pool.query('TRUNCATE faq_vote');
  const store = new PrismaFaqVoteStore(db.prisma);
  await store.vote({ entryId: 'e1', personId: 'alice', helpful: true, at: new Date('2026-12-02T08:00:00Z') });
  await store.vote({ entryId: 'e1', personId: 'alice', helpful: false, at: new Date('2026-12-02T08:05:00Z') });
  await store.vote({ entryId: 'e1', personId: 'alice', helpful: false, at: new Date('2026-12-02T08:09:00Z') });
  const { rows } = await db.pool.query('SELECT entry_id, person_id, helpful, voted_at FROM faq_vote');
  expect(rows).toEqual([{ entry_id: 'e1', person_id: 'alice', helpful: false, voted_at: new Date('2026-12-02T08:05:00Z') }]);
});

it('counts the votes of chat clicks in PostgreSQL through the core', async () => {
  await db.pool.query('TRUNCATE faq_vote');
  const { coreHarness } = await import('../../support/core-harness.js');
  const h = coreHarness({ faqFile: new URL('../../fixtures/faq/faq.md', import.meta.url), faqVotes: new PrismaFaqVoteStore(db.prisma) });
  const answer = await h.say('faq roll back production');
  expect((await h.click(answer, '1 👍 Yes', { user: '1001' })).text).toBe('Thanks, glad it helped. 1 of 1 found it helpful.');
  expect((await h.click(answer, '1 👍 Yes', { user: '1001' })).text).toBe('You already said "yes" here. 1 of 1 found it helpful.');
  expect((await h.click(answer, '1 👎 No', { user: '1002' })).text).toBe('Thanks for saying so. 1 of 2 found it helpful.');
  const { rows } = await db.pool.query('SELECT person_id, helpful FROM faq_vote ORDER BY person_id');
  expect(rows).toEqual([
    { person_id: 'alice', helpful: true },
    { person_id: 'bob', helpful: false },
  ]);
  expect(h.audit.entries.filter((e) => e.intent === 'faq.vote').map((e) => [e.personId, e.outcome])).toEqual([
    ['alice', 'ok'],
    ['alice', 'ok'],
    ['bob', 'ok'],
  ]);
});
