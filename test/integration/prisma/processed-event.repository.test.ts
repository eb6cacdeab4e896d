import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PrismaProcessedEvents } from '../../../src/adapters/prisma/processed-event.repository.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { processedEventsContract } from '../../contracts/processed-events.contract.js';

let db: TestDatabase;
let now = new Date('2026-03-01T12:00:00Z');
const clock = { now: () => now };

beforeAll(async () => {
  db = await createTestDatabase('processed_event');
});
afterAll(() => db?.drop());
beforeEach(async () => {
  now = new Date('2026-03-01T12:00:00Z');
  await db.pool.query('TRUNCATE processed_event');
});

describe('PrismaProcessedEvents', () => {
  it('says true the first time and false for a redelivery', async () => {
    const events = new PrismaProcessedEvents(db.prisma, clock);
    expect(await events.firstSeen('slack', 'Ev01')).toBe(true);
    expect(await events.firstSeen('slack', 'Ev01')).toBe(false);
  });

  it('keys on platform and event id together', async () => {
    const events = new PrismaProcessedEvents(db.prisma, clock);
    expect(await events.firstSeen('slack', '42')).toBe(true);
    expect(await events.firstSeen('telegram', '42')).toBe(true);
  });

  it('gives exactly one true to two deliveries racing each other', async () => {
    const events = new PrismaProcessedEvents(db.prisma, clock);
    const results = await Promise.all([events.firstSeen('telegram', 'upd-7'), events.firstSeen('telegram', 'upd-7')]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('gives exactly one true among many concurrent clients', async () => {
    // Separate repositories share nothing in memory; only the database decides.
    const callers = Array.from({ length: 12 }, () => new PrismaProcessedEvents(db.prisma, clock));
    const results = await Promise.all(callers.map((c) => c.firstSeen('slack', 'Ev-race')));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('prunes entries older than the TTL and then accepts the event again', async () => {
    const events = new PrismaProcessedEvents(db.prisma, clock);
    await events.firstSeen('slack', 'old');
    now = new Date('2026-03-01T13:00:00Z');
    await events.firstSeen('slack', 'recent');

    now = new Date('2026-03-01T13:30:00Z');
    expect(await events.prune(60 * 60 * 1000)).toBe(1);
    expect(await events.firstSeen('slack', 'recent')).toBe(false);
    expect(await events.firstSeen('slack', 'old')).toBe(true);
  });

  it('rejects empty ids and a non-positive TTL', async () => {
    const events = new PrismaProcessedEvents(db.prisma, clock);
    await expect(events.firstSeen('slack', '')).rejects.toThrow();
    await expect(events.prune(0)).rejects.toThrow();
  });
});

processedEventsContract(async (contractClock) => {
  await db.pool.query('TRUNCATE processed_event');
  return new PrismaProcessedEvents(db.prisma, contractClock);
});
