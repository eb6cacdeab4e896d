import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { scaledTimers, type DeliveryTimers } from '../../../../src/adapters/notifier/delivery.timers.js';
import { ReplyBuilder } from '../../../../src/core/messages/reply-builder.js';
import type { Reply } from '../../../../src/core/messages/reply.js';
import { MemoryPostedMessages } from '../../../fakes/memory-posted-messages.js';
import { TOKEN, createBotApi, type ApiCall } from '../telegram/bot-api.fake.js';
import { recordingLogger } from '../telegram/recording-core.js';
import { testTelegramDelivery } from '../../../support/started-delivery.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const CHATS = ['-1001', '-1002', '42'];
/** Virtual time runs 40× faster: a minute of Telegram's group limit takes 1.5 s. */
const SPEED = 40;

interface Seen {
  call: ApiCall;
  chat: string;
  at: number;
  status: 'ok' | '429' | '5xx' | 'network';
  retryAfter?: number;
}

/**
 * The Bot API behind msw, recording every call with its virtual arrival time. Per chat, the 4th, 11th,
 * 18th... call answers 429 with retry_after 2, the 6th and 17th 502, and the 9th fails at the network level.
 */
function stormApi(timers: DeliveryTimers) {
  const api = createBotApi();
  const seen: Seen[] = [];
  const perChat = new Map<string, number>();
  api.respond((call) => {
    const chat = String(call.body.chat_id);
    const n = (perChat.get(chat) ?? 0) + 1;
    perChat.set(chat, n);
    const at = timers.now();
    if (n % 7 === 4) {
      seen.push({ call, chat, at, status: '429', retryAfter: 2 });
      return HttpResponse.json(
        { ok: false, error_code: 429, description: 'Too Many Requests: retry after 2', parameters: { retry_after: 2 } },
        { status: 429 },
      );
    }
    if (n === 6 || n === 17) {
      seen.push({ call, chat, at, status: '5xx' });
      return HttpResponse.json({ ok: false, error_code: 502, description: 'Bad Gateway' }, { status: 502 });
    }
    if (n === 9) {
      seen.push({ call, chat, at, status: 'network' });
      return HttpResponse.error();
    }
    seen.push({ call, chat, at, status: 'ok' });
    return undefined;
  });
  server.use(api.handler);
  return { api, seen };
}

function alert(i: number): Reply {
  const id = `A${String(i).padStart(4, '0')}`;
  const b = new ReplyBuilder(i % 3 === 0 ? 'error' : 'warning')
    .header(`ALERT ${id} firing`)
    .text(`HighLatency on web-${i % 17}: p99 > 250 ms <shop/prod> & rising`);
  if (i % 100 === 0) b.block({ type: 'buttons', buttons: [{ label: 'Acknowledge', actionId: 'alert.ack', pendingId: `p${i}` }] });
  return b.build();
}

const textOf = (s: Seen) => String(s.call.body.text ?? '');

describe('DeliveryQueue over the real TelegramDeliveryTarget: an alert storm', () => {
  it('delivers 1,000 alerts to 3 chats in grouped messages within the limits, retrying 429s, 5xx and network errors', async () => {
    // Given a Bot API that answers some 429s, 5xx and network failures, and three bound chats (two groups)
    const timers = scaledTimers(SPEED);
    const { seen } = stormApi(timers);
    const log = recordingLogger();
    const { queue } = testTelegramDelivery({
      token: TOKEN,
      posted: new MemoryPostedMessages(),
      chatsFor: (p) => (p === 'shop' ? CHATS : []),
      logger: log.logger,
      timers,
      backoff: { baseMs: 500, maxMs: 4000 },
    });

    // When 1,000 announcements arrive over 10 s (10 every 100 ms)
    for (let batch = 0; batch < 100; batch++) {
      for (let i = batch * 10; i < batch * 10 + 10; i++) await queue.announce('shop', alert(i));
      await timers.sleep(100);
    }
    await queue.drain();

    // Then every alert reached every chat exactly once, in messages under 4096 characters
    const delivered = seen.filter((s) => s.status === 'ok' && s.call.method === 'sendMessage');
    for (const chat of CHATS) {
      const texts = delivered.filter((s) => s.chat === chat).map(textOf).join('\n');
      for (let i = 0; i < 1000; i++) {
        const id = `A${String(i).padStart(4, '0')}`;
        expect(texts.split(`ALERT ${id} firing`).length - 1, `${id} in chat ${chat}`).toBe(1);
      }
    }
    expect(Math.max(...seen.map((s) => textOf(s).length))).toBeLessThanOrEqual(4096);
    // Grouped: far fewer messages than 3,000 alerts (how many depends on how the backlog builds while they are put).
    expect(delivered.length).toBeLessThan(300);
    expect(queue.stats()).toMatchObject({ accepted: 3000, delivered: 3000, failed: 0 });

    // And each chat got at most 1 call per second, each group at most 20 per minute
    for (const chat of CHATS) {
      const times = seen.filter((s) => s.chat === chat).map((s) => s.at);
      for (let k = 1; k < times.length; k++) expect(times[k]! - times[k - 1]!).toBeGreaterThanOrEqual(999);
      if (chat.startsWith('-')) for (let k = 20; k < times.length; k++) expect(times[k]! - times[k - 20]!).toBeGreaterThanOrEqual(59_999);
    }

    // And every 429 was waited out (retry_after honoured) and retried; 5xx and network errors were retried
    const rateLimited = seen.filter((s) => s.status === '429');
    expect(rateLimited.length).toBeGreaterThanOrEqual(9);
    for (const hit of rateLimited) {
      const next = seen.find((s) => s.chat === hit.chat && s.at > hit.at);
      expect(next, `a retry after the 429 at ${hit.at}`).toBeDefined();
      expect(next!.at - hit.at).toBeGreaterThanOrEqual(hit.retryAfter! * 1000 - 1);
    }
    expect(queue.stats().rateLimited).toBe(rateLimited.length);
    expect(queue.stats().transientRetries).toBe(seen.filter((s) => s.status === '5xx' || s.status === 'network').length);
    expect(log.entries.some((e) => JSON.stringify(e).includes(TOKEN))).toBe(false);
  }, 60_000);

  it('gives up on a chat that refuses for good (403) without holding up the others', async () => {
    const timers = scaledTimers(SPEED);
    const api = createBotApi();
    api.respond((call) =>
      call.body.chat_id === -1003
        ? HttpResponse.json({ ok: false, error_code: 403, description: 'Forbidden: bot was kicked from the group chat' }, { status: 403 })
        : undefined,
    );
    server.use(api.handler);
    const log = recordingLogger();
    const { queue } = testTelegramDelivery({ token: TOKEN, posted: new MemoryPostedMessages(), chatsFor: () => ['-1003', '42'], logger: log.logger, timers });

    await queue.announce('shop', alert(7));
    await queue.drain();

    expect(api.bodies('sendMessage').map((b) => b.chat_id)).toEqual([-1003, 42]);
    expect(queue.stats()).toMatchObject({ accepted: 2, delivered: 1, failed: 1, rateLimited: 0, transientRetries: 0 });
    const dropped = log.entries.find((e) => e.msg === 'push failed permanently; dropped');
    expect(dropped?.obj).toMatchObject({ chatId: '-1003', pushes: 1 });
    expect(JSON.stringify(log.entries)).not.toContain(TOKEN);
  });

  it('lets TelegramDeliveryTarget post an edit of a deleted message as a new message, counted as delivered', async () => {
    const timers = scaledTimers(SPEED);
    const api = createBotApi();
    api.respond((call) =>
      call.method === 'editMessageText'
        ? HttpResponse.json({ ok: false, error_code: 400, description: 'Bad Request: message to edit not found' }, { status: 400 })
        : undefined,
    );
    server.use(api.handler);
    const { queue } = testTelegramDelivery({ token: TOKEN, posted: new MemoryPostedMessages(), chatsFor: () => [], logger: recordingLogger().logger, timers });

    await queue.edit({ platform: 'telegram', chatId: '777', messageId: '55' }, new ReplyBuilder('success').text('deployed').build());
    await queue.drain();

    expect(api.calls.map((c) => [c.method, c.body.text])).toEqual([
      ['editMessageText', 'deployed'],
      ['sendMessage', 'deployed'],
    ]);
    expect(queue.stats()).toMatchObject({ delivered: 1, failed: 0 });
  });

  it('sends only the latest of the edits of a message that waited in the queue', async () => {
    const timers = scaledTimers(SPEED);
    const { seen } = stormApi(timers);
    const { queue } = testTelegramDelivery({ token: TOKEN, posted: new MemoryPostedMessages(), chatsFor: () => [], logger: recordingLogger().logger, timers });
    const ref = { platform: 'telegram' as const, chatId: '777', messageId: '55' };
    const step = (n: number) => new ReplyBuilder('info').text(`deploy step ${n}/5`).build();

    // The first edit goes out at once; the next four wait for the chat's slot and collapse into the last
    for (let n = 1; n <= 5; n++) await queue.edit(ref, step(n));
    await queue.drain();

    expect(seen.map((s) => [s.call.method, s.call.body.message_id, s.call.body.text])).toEqual([
      ['editMessageText', 55, 'deploy step 1/5'],
      ['editMessageText', 55, 'deploy step 5/5'],
    ]);
    expect(queue.stats()).toMatchObject({ accepted: 5, coalescedEdits: 3, sends: 2, delivered: 2 });
  });
});
