/**
 * PrismaProcessedEvents while PostgreSQL is away (a private cluster stopped and started again): an event is
 * still reported first seen, so the platform handles it (and the pipeline answers it with the outage
 * sentence) instead of dropping it; its redeliveries are recognised, during the outage and after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaProcessedEvents } from '../../../src/adapters/prisma/processed-event.repository.js';
import { createPrismaClient, type PrismaClient } from '../../../src/adapters/prisma/prisma-client.js';
import { migrateDeploy } from '../../../scripts/db/migrate-commands.js';
import { startPrivatePostgres, type PrivatePostgres } from '../../support/private-postgres.js';

let server: PrivatePostgres;
let prisma: PrismaClient;

beforeAll(async () => {
  server = await startPrivatePostgres();
  await migrateDeploy({ url: server.url });
  prisma = createPrismaClient(server.url, { poolMax: 2 });
}, 120_000);

afterAll(async () => {
  await prisma?.$disconnect();
  await server?.destroy();
}, 120_000);

describe('PrismaProcessedEvents while the database cannot be reached', () => {
  it('reports a new event first seen once, and drops its redeliveries during and after the outage', async () => {
    const events = new PrismaProcessedEvents(prisma);
    expect(await events.firstSeen('telegram', 'before')).toBe(true);

    // When PostgreSQL goes away
    await server.stop();
    expect(await events.firstSeen('telegram', 'during')).toBe(true);
    expect(await events.firstSeen('telegram', 'during')).toBe(false);
    expect(await events.firstSeen('slack', 'during')).toBe(true);
    // An event of before the outage is not known to this process's memory: it is handled again.
    expect(await events.firstSeen('telegram', 'before')).toBe(true);

    // When it is back
    await server.start();
    expect(await events.firstSeen('telegram', 'during')).toBe(false);
    expect(await events.firstSeen('telegram', 'during')).toBe(false);
    expect(await events.firstSeen('telegram', 'before')).toBe(false);
    expect(await events.firstSeen('telegram', 'after')).toBe(true);
    expect(await events.firstSeen('telegram', 'after')).toBe(false);
    // Another replica meets the rows, not this process's memory.
    const other = new PrismaProcessedEvents(prisma);
    expect(await other.firstSeen('telegram', 'during')).toBe(false);
    expect(await other.firstSeen('slack', 'during')).toBe(true);
  }, 120_000);
});
