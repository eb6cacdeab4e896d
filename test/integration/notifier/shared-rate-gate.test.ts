/**
 * Platform limits shared by replicas through a real Redis (127.0.0.1:6379): the SendGate contract on the
 * SharedRateGate, then two delivery queues ("replicas" in one process, each with its own Redis connection and
 * Bot API client) sending to one fake Bot API that enforces 1 message/s per chat and answers 429 above it.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { secretDigest } from '../../../src/adapters/redis/lease.js';
import { REDIS_CALL_TIMEOUT_MS, SharedRateGate, rateGateKey } from '../../../src/adapters/redis/shared-rate-gate.js';
import { TELEGRAM_LIMITS, createTelegramDelivery } from '../../../src/adapters/telegram/telegram.delivery.js';
import { systemTimers } from '../../../src/adapters/notifier/delivery.timers.js';
import { ReplyBuilder } from '../../../src/core/messages/reply-builder.js';
import type { Reply } from '../../../src/core/messages/reply.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { rateGateContract } from '../../contracts/rate-gate.contract.js';
import { MemoryPostedMessages } from '../../fakes/memory-posted-messages.js';
import { TOKEN, createBotApi } from '../../unit/adapters/telegram/bot-api.fake.js';
import { recordingLogger } from '../../unit/adapters/telegram/recording-core.js';
import { uniquePrefix, waitFor } from '../bullmq/redis-test.support.js';
import { testTelegramDelivery } from '../../support/started-delivery.js';

const REDIS = { host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379) };
const server = setupServer();
const clients: Redis[] = [];
const prefix = uniquePrefix('rate-gate');
const GATE_NAME = `telegram:${secretDigest(TOKEN)}`;
const TELEGRAM_BOT_LIMIT = [TELEGRAM_LIMITS.global].flat()[0]!;

/** A connection as the bot opens it (no offline queue: commands fail at once while disconnected). */
async function connect(): Promise<Redis> {
  const redis = new Redis({ ...REDIS, lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false });
  clients.push(redis);
  await redis.connect();
  return redis;
}

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(async () => {
  server.close();
  const redis = await connect();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await Promise.all(clients.map((c) => c.quit().catch(() => undefined)));
});

describe('SharedRateGate on Redis', () => {
  rateGateContract(async (limits) => {
    const key = rateGateKey(prefix, `contract-${randomUUID()}`);
    const gate = async () => new SharedRateGate({ redis: await connect(), key, limits, logger: silentLogger });
    return { gate: await gate(), now: () => systemTimers.now(), sleep: (ms) => systemTimers.sleep(ms), replica: gate };
  });

  it('keys carry the queue prefix and a digest of the bot token, never the token', async () => {
    const redis = await connect();
    const own = uniquePrefix('rate-keys');
    const gate = new SharedRateGate({ redis, key: rateGateKey(own, GATE_NAME), limits: TELEGRAM_LIMITS, logger: silentLogger });
    (await gate.acquire('-100777'))();
    await gate.pause('-100777', 60_000);
    const keys = await redis.keys(`${own}*`);
    expect(keys.length).toBeGreaterThanOrEqual(3); // chat window(s), bot window, pause
    for (const key of keys) {
      expect(key.startsWith(`${own}:`)).toBe(true);
      expect(key).toContain(secretDigest(TOKEN));
      expect(key).not.toContain(TOKEN);
      expect(key).not.toContain('TEST-token');
    }
    await redis.del(...keys);
  });

  it('delivers through the in-process gate when Redis is unreachable, with one warning', async () => {
    // Given a connection to a port where no Redis listens (never connected, no offline queue)
    const down = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    down.on('error', () => undefined);
    clients.push(down);
    const log = recordingLogger();
    const gate = new SharedRateGate({ redis: down, key: rateGateKey(prefix, GATE_NAME), limits: TELEGRAM_LIMITS, logger: log.logger });
    const api = createBotApi();
    server.use(api.handler);
    const { queue } = testTelegramDelivery({ token: TOKEN, chatsFor: () => [], posted: new MemoryPostedMessages(), logger: log.logger, gate });

    // When pushes go to two chats
    for (const chat of ['-1001', '42', '-1001']) await queue.send(chat, message(`fallback ${chat}`));
    await queue.drain();

    // Then every one is delivered, and the outage is said once
    expect(api.bodies('sendMessage')).toHaveLength(3);
    expect(queue.stats().delivered).toBe(3);
    expect(log.entries.filter((e) => e.level === 'warn' && e.msg?.startsWith('redis unreachable'))).toHaveLength(1);
    expect(log.entries.filter((e) => e.level === 'error')).toEqual([]);
  });

  it('keeps the in-process limits when Redis accepts the connection but never answers', async () => {
    // Given a "Redis" that takes the connection and never says anything (a stopped server, a lost network)
    const silent = createServer((socket) => socket.on('data', () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const hung = new Redis({ host: '127.0.0.1', port, lazyConnect: true, enableReadyCheck: false, disableClientInfo: true, maxRetriesPerRequest: 2, enableOfflineQueue: false });
    hung.on('error', () => undefined);
    await hung.connect();
    const log = recordingLogger();
    const gate = new SharedRateGate({ redis: hung, key: rateGateKey(prefix, `hung-${randomUUID()}`), limits: TELEGRAM_LIMITS, logger: log.logger });
    try {
      // When two calls go to one chat
      const t0 = systemTimers.now();
      const starts: number[] = [];
      for (let i = 0; i < 2; i++) {
        const release = await gate.acquire('42');
        starts.push(systemTimers.now());
        release();
      }

      // Then the first went once Redis had been given up on, and the second (not asking Redis again so soon)
      // still kept 1/s for the chat
      expect(starts[0]! - t0).toBeGreaterThanOrEqual(REDIS_CALL_TIMEOUT_MS - 5);
      expect(starts[0]! - t0).toBeLessThan(REDIS_CALL_TIMEOUT_MS + 1000);
      expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(1000 - 5);
      expect(starts[1]! - starts[0]!).toBeLessThan(REDIS_CALL_TIMEOUT_MS);
      expect(log.entries.filter((e) => e.level === 'warn' && e.msg?.startsWith('redis unreachable'))).toHaveLength(1);
    } finally {
      hung.disconnect();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 20_000);
});

interface Arrival {
  chat: string;
  at: number;
  text: string;
  status: 'ok' | '429';
}

/**
 * The Bot API as Telegram enforces it: a message to a chat less than a second after the last one it let
 * through, or the 31st of the bot within a sliding second (counted on arrival), answers 429 with
 * `retry_after` 1. `first429` answers the first call to that chat 429 with the given retry_after, whatever
 * the timing.
 */
function limitEnforcingApi(first429?: { chat: string; retryAfter: number }) {
  const api = createBotApi();
  const arrivals: Arrival[] = [];
  const lastOk = new Map<string, number>();
  let forced = false;
  api.respond((call) => {
    const chat = String(call.body.chat_id);
    const at = systemTimers.now();
    const text = String(call.body.text ?? '');
    const retryAfter = first429 && chat === first429.chat && !forced ? ((forced = true), first429.retryAfter) : undefined;
    const last = lastOk.get(chat);
    const botSecond = arrivals.filter((x) => x.status === 'ok' && x.at > at - 1000).length;
    if (retryAfter !== undefined || (last !== undefined && at - last < 1000) || botSecond >= TELEGRAM_BOT_LIMIT.limit) {
      arrivals.push({ chat, at, text, status: '429' });
      const s = retryAfter ?? 1;
      return HttpResponse.json({ ok: false, error_code: 429, description: `Too Many Requests: retry after ${s}`, parameters: { retry_after: s } }, { status: 429 });
    }
    lastOk.set(chat, at);
    arrivals.push({ chat, at, text, status: 'ok' });
    return undefined;
  });
  server.use(api.handler);
  return { api, arrivals };
}

/** A message with a button: never grouped with another, so each push is one sendMessage. */
let pending = 0;
function message(text: string): Reply {
  pending += 1;
  return new ReplyBuilder('info').text(text).block({ type: 'buttons', buttons: [{ label: 'Ack', actionId: 'alert.ack', pendingId: `p${pending}` }] }).build();
}

async function replica(key: string) {
  const gate = new SharedRateGate({ redis: await connect(), key, limits: TELEGRAM_LIMITS, logger: silentLogger });
  return testTelegramDelivery({ token: TOKEN, chatsFor: () => [], posted: new MemoryPostedMessages(), logger: silentLogger, gate }).queue;
}

describe('two replicas sharing the limits through Redis', () => {
  it('deliver every push to a few chats without ever going over 1 message/s per chat: no 429', async () => {
    // Given two replicas with one bot token and one queue prefix, and a Bot API that enforces the limit
    const key = rateGateKey(prefix, `${GATE_NAME}-${randomUUID()}`);
    const [a, b] = [await replica(key), await replica(key)];
    const { arrivals } = limitEnforcingApi();
    const chats = ['-1001', '-1002', '42'];

    // When both send 3 messages to each chat at once
    const sent: string[] = [];
    for (let i = 0; i < 3; i++) {
      for (const chat of chats) {
        for (const [name, q] of [['a', a], ['b', b]] as const) {
          const text = `${name}-${chat}-${i}`;
          sent.push(text);
          await q.send(chat, message(text));
        }
      }
    }
    await Promise.all([a.drain(), b.drain()]);

    // Then every push arrived once, none was refused, and each chat got at most one message a second
    expect(arrivals.filter((x) => x.status === '429')).toEqual([]);
    expect(arrivals.map((x) => x.text).sort()).toEqual([...sent].sort());
    for (const chat of chats) {
      const times = arrivals.filter((x) => x.chat === chat).map((x) => x.at);
      expect(times).toHaveLength(6);
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1000);
    }
    expect(a.stats().rateLimited + b.stats().rateLimited).toBe(0);
  }, 30_000);

  it('keep the bot-wide 30/s as the Bot API counts it, over a sliding second on arrival: no 429', async () => {
    // Given two replicas with one bot token, and a Bot API that enforces 30/s for the bot and 1/s per chat
    const key = rateGateKey(prefix, `${GATE_NAME}-${randomUUID()}`);
    const [a, b] = [await replica(key), await replica(key)];
    const { arrivals } = limitEnforcingApi();

    // When each sends one message to each of 40 private chats at once (80 messages, well over 30 in a second)
    const sent: string[] = [];
    for (let c = 0; c < 40; c++) {
      for (const [name, q] of [['a', a], ['b', b]] as const) {
        const text = `${name}-${c}`;
        sent.push(text);
        await q.send(String(1000 + c), message(text));
      }
    }
    await Promise.all([a.drain(), b.drain()]);

    // Then all arrived and none was refused: no 31 of them within any second
    expect(arrivals.filter((x) => x.status === '429')).toEqual([]);
    expect(arrivals.map((x) => x.text).sort()).toEqual([...sent].sort());
    expect(a.stats().rateLimited + b.stats().rateLimited).toBe(0);
  }, 30_000);

  it("a 429's retry_after seen by one replica holds the other's sends to that chat, not to other chats", async () => {
    // Given two replicas, and a Bot API that answers the first message to -1001 with 429, retry_after 3 s
    const key = rateGateKey(prefix, `${GATE_NAME}-${randomUUID()}`);
    const [a, b] = [await replica(key), await replica(key)];
    const { arrivals } = limitEnforcingApi({ chat: '-1001', retryAfter: 3 });

    // When replica a's push meets the 429, and then replica b sends to that chat and to another
    await a.send('-1001', message('a-first'));
    await waitFor(() => arrivals.some((x) => x.status === '429'));
    const refusedAt = arrivals.find((x) => x.status === '429')!.at;
    await b.send('-1001', message('b-held'));
    await b.send('42', message('b-free'));
    await Promise.all([a.drain(), b.drain()]);

    // Then b's message to the paused chat waited the whole retry_after (not the 1 s window), the other went at once
    const ok = (text: string) => arrivals.find((x) => x.text === text && x.status === 'ok')!;
    expect(ok('b-held').at - refusedAt).toBeGreaterThanOrEqual(3000 - 5);
    expect(ok('a-first').at - refusedAt).toBeGreaterThanOrEqual(3000 - 5);
    expect(ok('b-free').at - refusedAt).toBeLessThan(1000);
    expect(arrivals.filter((x) => x.status === '429')).toHaveLength(1);
    expect(b.stats().rateLimited).toBe(0);
  }, 30_000);
});
