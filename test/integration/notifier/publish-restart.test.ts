/**
 * A restart keeps editing: a keyed publish posted by one delivery queue is edited in place by a fresh queue
 * (a restarted bot: new SDK client, new Prisma client, empty caches) over the same PostgreSQL table.
 * Telegram and Slack through their real SDK clients; only their HTTP APIs are intercepted (msw).
 */
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { scaledTimers } from '../../../src/adapters/notifier/delivery.timers.js';
import { createPrismaClient, type PrismaClient } from '../../../src/adapters/prisma/prisma-client.js';
import { PrismaPostedMessages } from '../../../src/adapters/prisma/posted-message.repository.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { replies } from '../../../src/core/messages/reply-builder.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { TOKEN, createBotApi } from '../../unit/adapters/telegram/bot-api.fake.js';
import { SLACK_API, SLACK_TOKEN, slackApi } from '../../unit/adapters/notifier/slack-storm.api.js';
import { testTelegramDelivery, testSlackDelivery } from '../../support/started-delivery.js';

const server = setupServer();
let db: TestDatabase;
const clients: PrismaClient[] = [];

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  db = await createTestDatabase('posted_restart');
});
afterEach(() => server.resetHandlers());
afterAll(async () => {
  server.close();
  await Promise.all(clients.map((c) => c.$disconnect()));
  await db?.drop();
});

/** A Prisma client of its own, as a restarted process would open. */
function freshStore(): PrismaPostedMessages {
  const prisma = createPrismaClient(db.url, { poolMax: 2 });
  clients.push(prisma);
  return new PrismaPostedMessages(prisma);
}

describe('publish after a restart', () => {
  it('Telegram: the fresh queue edits the message the first one posted', async () => {
    const api = createBotApi();
    server.use(api.handler);
    const start = () => testTelegramDelivery({ token: TOKEN, posted: freshStore(), chatsFor: () => ['-1001'], logger: silentLogger, timers: scaledTimers(40) }).queue;

    const before = start();
    await before.publish('shop', 'incident:r1', replies.error('FIRING'));
    await before.drain();
    const after = start();
    await after.publish('shop', 'incident:r1', replies.info('RESOLVED'));
    await after.drain();

    const { rows } = await db.pool.query(`SELECT message_id FROM posted_message WHERE key = 'incident:r1' AND platform = 'telegram' AND chat_id = '-1001'`);
    expect(rows).toHaveLength(1);
    expect(api.calls.map((c) => [c.method, c.body.message_id, c.body.text])).toEqual([
      ['sendMessage', undefined, 'FIRING'],
      ['editMessageText', Number(rows[0].message_id), 'RESOLVED'],
    ]);
  });

  it('Slack: the fresh queue updates the message the first one posted', async () => {
    const timers = scaledTimers(40);
    const api = slackApi(timers);
    server.use(api.handler);
    const start = () => testSlackDelivery({ token: SLACK_TOKEN, apiUrl: SLACK_API, posted: freshStore(), chatsFor: () => ['C0OPS'], logger: silentLogger, timers }).queue;

    const before = start();
    await before.publish('shop', 'incident:r2', replies.error('FIRING'));
    await before.drain();
    const after = start();
    await after.publish('shop', 'incident:r2', replies.info('RESOLVED'));
    await after.drain();

    const ts = api.calls[0]?.ts;
    expect(ts).toMatch(/^\d+\.\d+$/);
    expect(api.calls.map((c) => [c.method, c.body.ts, c.body.text])).toEqual([
      ['chat.postMessage', undefined, 'FIRING'],
      ['chat.update', ts, 'RESOLVED'],
    ]);
  });
});
