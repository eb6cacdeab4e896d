/**
 * Two replicas' Telegram webhooks (grammY's real webhook handler, the Bot API behind msw) whose redelivery
 * checks are RedisProcessedEvents over the PostgreSQL table, as the composition root wires them, while
 * their Redis (a redis-server of the test's own) is down: Telegram gets 200, the update is handled, and its
 * redelivery to the other replica is dropped.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { http, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaProcessedEvents } from '../../../src/adapters/prisma/processed-event.repository.js';
import { REDIS_DEDUPE_CLIENT, RedisProcessedEvents } from '../../../src/adapters/redis/processed-events.js';
import { createTelegramAdapter } from '../../../src/adapters/telegram/telegram.adapter.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { startPrivateRedis, type PrivateRedis } from '../../support/private-redis.js';
import { BOT_INFO, TOKEN, commandUpdate, createBotApi } from '../../unit/adapters/telegram/bot-api.fake.js';
import { RecordingCore, recordingLogger } from '../../unit/adapters/telegram/recording-core.js';

const SECRET = 'redis-outage-secret';
const msw = setupServer();
let redis: PrivateRedis;
let db: TestDatabase;
const clients: Redis[] = [];
const servers: Server[] = [];

beforeAll(async () => {
  msw.listen({ onUnhandledRequest: 'error' });
  [redis, db] = await Promise.all([startPrivateRedis(), createTestDatabase('telegram_dedupe_outage')]);
}, 60_000);
afterAll(async () => {
  msw.close();
  for (const c of clients) c.disconnect();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await Promise.all([redis?.stop(), db?.drop()]);
});

/** One replica: its own Redis client and table store, the adapter in webhook mode on a local port. */
async function replica(core: RecordingCore) {
  const client = new Redis(redis.url, REDIS_DEDUPE_CLIENT);
  client.on('error', () => undefined);
  clients.push(client);
  await client.connect();
  const log = recordingLogger();
  const processed = new RedisProcessedEvents({
    redis: client, prefix: 'tg-outage', fallback: new PrismaProcessedEvents(db.prisma),
    ttlMs: { telegram: 86_400_000, default: 86_400_000 }, recheckMs: 900_000, logger: log.logger,
  });
  const tg = createTelegramAdapter({
    token: TOKEN, core, logger: log.logger, botInfo: BOT_INFO, throttle: false,
    mode: { kind: 'webhook', url: 'https://bot.example.com/telegram/webhook', secretToken: SECRET },
    isFirstSeen: (id) => processed.firstSeen('telegram', String(id)),
  });
  const server = createServer(tg.webhookHandler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/telegram/webhook`;
  msw.use(http.post(url, () => passthrough()));
  const post = (update: unknown) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET }, body: JSON.stringify(update) });
  return { client, post, log };
}

describe('telegram webhooks while Redis is down', () => {
  it('answer 200, handle the update once, and drop its redelivery to another replica', async () => {
    const api = createBotApi();
    msw.use(api.handler);
    const core = new RecordingCore();
    const [a, b] = [await replica(core), await replica(core)];

    await redis.stop();
    const update = { ...commandUpdate('/status shop'), update_id: 4_200_001 };
    expect((await a.post(update)).status).toBe(200);
    expect((await b.post(update)).status).toBe(200);

    expect(core.events.map((e) => e.kind === 'command' && e.text)).toEqual(['status shop']);
    expect(api.bodies('sendMessage').map((m) => m.text)).toEqual(['You said: status shop']);
    const { rows } = await db.pool.query<{ event_id: string }>("SELECT event_id FROM processed_event WHERE platform = 'telegram'");
    expect(rows.map((r) => r.event_id)).toEqual(['4200001']);
    // Each replica says once that it checks in the database instead; nothing is logged as an error.
    for (const r of [a, b]) {
      expect(r.log.entries.filter((e) => e.level === 'warn').map((e) => e.msg)).toEqual(['redis cannot answer the redelivery checks; checking in the database instead']);
      expect(r.log.entries.filter((e) => e.level === 'error')).toEqual([]);
    }
  }, 30_000);
});
