/**
 * What the BUILT bot writes to PostgreSQL per Telegram webhook update, counted inside the process by
 * bench/profile.preload.mjs (it wraps pg.Client#query) and in the tables: the audit row and the reply's
 * outbox row, and no processed_event row, since the redelivery check is a key in Redis under QUEUE_PREFIX. A redelivered update
 * is answered 200 and dropped without writing anything.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisOptions } from '../../src/bot/redis-connection.js';
import { type BotProcess, freePort, requireBuiltBot, serverBotEnv, spawnBot, waitForHttp, writeTempConfig } from '../support/e2e-bot.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { TELEGRAM_USER_ID } from '../support/e2e-fixture.js';
import { commandUpdate, FakeTelegramApi, postWebhookUpdate } from '../support/e2e-telegram-api.js';

const TOKEN = '123456789:AAE2eFakeTokenForRoundTripCount_x';
const SECRET = `whsec_${randomBytes(12).toString('hex')}`;
const QUEUE_PREFIX = `e2e-roundtrips-${randomBytes(4).toString('hex')}`;
const PRELOAD = fileURLToPath(new URL('../../bench/profile.preload.mjs', import.meta.url));
const PROFILE_OUT = join(tmpdir(), `deckhand-roundtrips-${randomBytes(4).toString('hex')}.json`);
const ALICE = { id: TELEGRAM_USER_ID, is_bot: false, first_name: 'Alice', username: 'alice_e2e' };
const PRIVATE_CHAT = { id: TELEGRAM_USER_ID, type: 'private', first_name: 'Alice' };
const UPDATES = 5;

let db: TestDatabase;
let telegram: FakeTelegramApi;
let bot: BotProcess;
let base: string;
const cleanups: (() => Promise<unknown> | void)[] = [];
const redis = new Redis(redisOptions(process.env.REDIS_URL || 'redis://127.0.0.1:6379'));

let updateId = 930_000;
const command = (text: string) => commandUpdate(++updateId, ALICE, PRIVATE_CHAT, text);
const post = async (update: unknown) => expect(await postWebhookUpdate(base, SECRET, update)).toBe(200);

beforeAll(async () => {
  requireBuiltBot();
  db = await createTestDatabase('roundtrips-e2e');
  // No container is asked for: the host is a closed port (the bot is not ready for it, but answers webhooks).
  const config = await writeTempConfig(`# written by test/e2e/webhook-round-trips.e2e.test.ts
hosts:
  local: { url: "tcp://127.0.0.1:${await freePort()}" }
projects:
  shop:
    environments:
      prod:
        services:
          web: { host: local, container: web }
people:
  - id: alice
    telegram: ${TELEGRAM_USER_ID}
    roles: [{ role: admin, project: shop }]
`);
  cleanups.push(() => config.remove(), () => rm(PROFILE_OUT, { force: true }));
  telegram = new FakeTelegramApi();
  const apiRoot = await telegram.start();
  cleanups.push(() => telegram.stop());
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  bot = spawnBot([], serverBotEnv(
    { configFile: config.file, databaseUrl: db.url, port, telegram: { token: TOKEN, apiRoot, webhookSecret: SECRET }, queuePrefix: QUEUE_PREFIX, shutdownTimeoutMs: 3000 },
    { NODE_OPTIONS: `--import ${PRELOAD}`, DECKHAND_PROFILE_OUT: PROFILE_OUT },
  ));
  cleanups.push(() => bot.kill());
  let alive = true;
  void bot.exited.then(() => (alive = false));
  await waitForHttp(`${base}/healthz`, 200, 30_000, () => alive);
}, 120_000);

afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn();
  await db?.drop();
  for await (const keys of redis.scanStream({ match: `${QUEUE_PREFIX}:*`, count: 200 })) if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
  redis.disconnect();
});

describe('a Telegram webhook update in the built bot', () => {
  it('writes its audit row and its reply to PostgreSQL and keeps its redelivery check in Redis', async () => {
    // Warm-up outside the window: the first update loads what later ones reuse.
    await post(command('/whoami'));
    await telegram.waitForCalls('sendMessage', 1);

    // When: the window opens, UPDATES updates are answered one after another, and one is redelivered
    bot.child.kill('SIGUSR2');
    const first = updateId + 1;
    for (let i = 0; i < UPDATES; i++) {
      await post(command(i % 2 ? '/help' : '/whoami'));
      await telegram.waitForCalls('sendMessage', 2 + i, 15_000);
    }
    const again = command('/whoami');
    again.update_id = first;
    await post(again);
    bot.child.kill('SIGUSR2');
    const deadline = Date.now() + 10_000;
    while (!existsSync(PROFILE_OUT) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

    // Then: one audit INSERT and one outbox row per update, none for the redelivery; no processed_event at all
    // (the other statements of the window are the delivery lanes sending the replies)
    const { queries } = JSON.parse(readFileSync(PROFILE_OUT, 'utf8')) as { queries: Record<string, { n: number }> };
    const count = (statement: string) => queries[statement]?.n ?? 0;
    expect(count('INSERT INTO audit_log')).toBe(UPDATES);
    expect(Object.keys(queries).filter((s) => s.includes('processed_event'))).toEqual([]);
    expect(telegram.callsOf('sendMessage')).toHaveLength(1 + UPDATES);
    const keys = await Promise.all(Array.from({ length: UPDATES }, (_, i) => redis.exists(`${QUEUE_PREFIX}:deckhand:seen:telegram:${first + i}`)));
    expect(keys).toEqual(Array.from({ length: UPDATES }, () => 1));
    // The outbox's own statement shape is its business: its rows say one reply per update, warm-up included.
    const rows = async (table: string) => (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
    expect([await rows('processed_event'), await rows('outbox_message'), await rows('audit_log')]).toEqual([0, 1 + UPDATES, 1 + UPDATES]);
  }, 90_000);
});
