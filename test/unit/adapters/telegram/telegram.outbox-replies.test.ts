import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { attachPosted } from '../../../../src/adapters/notifier/message-attach.js';
import type { OutboxStore } from '../../../../src/adapters/notifier/outbox.port.js';
import { scaledTimers, type DeliveryTimers } from '../../../../src/adapters/notifier/delivery.timers.js';
import { createTelegramAdapter } from '../../../../src/adapters/telegram/telegram.adapter.js';
import { MemoryOutbox } from '../../../fakes/memory-outbox.js';
import { MemoryPostedMessages } from '../../../fakes/memory-posted-messages.js';
import { testTelegramDelivery } from '../../../support/started-delivery.js';
import { BOT_INFO, TOKEN, callbackUpdate, commandUpdate, createBotApi, type ApiCall } from './bot-api.fake.js';
import { RecordingCore, recordingLogger } from './recording-core.js';

/** The outbox runs on a clock 25× faster than the wall: Telegram's whole-second retry_after values stay real. */
const SPEED = 25;

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

let api: ReturnType<typeof createBotApi>;
let timers: DeliveryTimers;
let accepted: ApiCall[];

beforeEach(() => {
  api = createBotApi();
  server.use(api.handler);
  timers = scaledTimers(SPEED);
  accepted = [];
});

/** The Bot API answers 429 (retry_after 3) until `rateLimitedUntil`, then 502 until `badGatewayUntil`, then OK. */
function outage(rateLimitedUntil: number, badGatewayUntil: number): void {
  api.respond((call) => {
    const now = timers.now();
    if (call.method !== 'answerCallbackQuery' && now < rateLimitedUntil) {
      return HttpResponse.json({ ok: false, error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } }, { status: 429 });
    }
    if (call.method !== 'answerCallbackQuery' && now < badGatewayUntil) return HttpResponse.json({ ok: false, error_code: 502, description: 'Bad Gateway' }, { status: 502 });
    accepted.push(call);
    return undefined;
  });
}

/** The adapter as the bot wires it: replies written to the platform's outbox, delivered by its queue. */
function wired(outbox: OutboxStore = new MemoryOutbox()) {
  const core = new RecordingCore();
  const log = recordingLogger();
  const { queue } = testTelegramDelivery({
    token: TOKEN,
    posted: new MemoryPostedMessages(),
    outbox,
    chatsFor: () => [],
    logger: log.logger,
    timers,
    onPosted: (ref, pendingIds) => attachPosted(core, pendingIds, ref, log.logger),
  });
  const tg = createTelegramAdapter({ token: TOKEN, core, logger: log.logger, mode: { kind: 'polling' }, botInfo: BOT_INFO, throttle: false, outbox: queue, replies: { timers } });
  return { tg, queue, core, log };
}

const texts = (calls: ApiCall[], method: string, chatId: number) =>
  calls.filter((c) => c.method === method && c.body.chat_id === chatId).map((c) => c.body.text);

describe('telegram replies through the outbox', () => {
  it('returns from each update before its reply is out, and delivers every reply once, in order per chat, after 429s then 502s', async () => {
    outage(20_000, 30_000);
    const { tg, queue } = wired();
    const group = { id: -100200, type: 'supergroup' as const };
    const updates = [
      commandUpdate('/status a1'),
      commandUpdate('/status g1', group),
      commandUpdate('/status a2'),
      commandUpdate('/status g2', group),
      commandUpdate('/status a3'),
    ];
    for (const u of updates) await tg.bot.handleUpdate(u);
    // Every handler returned (a webhook would have been answered) while nothing has reached the chats yet.
    expect(accepted.filter((c) => c.method === 'sendMessage')).toEqual([]);
    await queue.drain();

    expect(texts(accepted, 'sendMessage', 777)).toEqual(['You said: status a1', 'You said: status a2', 'You said: status a3']);
    expect(texts(accepted, 'sendMessage', -100200)).toEqual(['You said: status g1', 'You said: status g2']);
    const stats = queue.stats();
    expect(stats).toMatchObject({ delivered: 5, failed: 0, expired: 0 });
    expect(stats.rateLimited).toBeGreaterThan(0);
    expect(stats.transientRetries).toBeGreaterThan(0);
  });

  it('queues the reply to an update once, when the update is handled twice (a redelivery another replica took)', async () => {
    const outbox = new MemoryOutbox();
    const first = wired(outbox);
    const second = wired(outbox);
    const update = commandUpdate('/status twice');
    await first.tg.bot.handleUpdate(update);
    await second.tg.bot.handleUpdate(update);
    await Promise.all([first.queue.drain(), second.queue.drain()]);
    expect(texts(api.calls, 'sendMessage', 777)).toEqual(['You said: status twice']);
    expect(first.queue.stats().duplicates + second.queue.stats().duplicates).toBe(1);
  });

  it('tells the core where a reply’s buttons went once the message is out', async () => {
    const { tg, queue, core } = wired();
    await tg.bot.handleUpdate(commandUpdate('/restart web worker'));
    await queue.drain();
    const [sent] = api.calls.filter((c) => c.method === 'sendMessage');
    expect(sent?.body.reply_markup).toBeDefined();
    const messageId = String(1001);
    expect(core.attached).toEqual([
      { pendingId: 'pw', ref: { platform: 'telegram', chatId: '777', messageId } },
      { pendingId: 'pk', ref: { platform: 'telegram', chatId: '777', messageId } },
    ]);
  });

  it('answers a click once its reply is in the outbox, and edits the clicked message through it', async () => {
    const { tg, queue } = wired();
    await tg.bot.handleUpdate(callbackUpdate('deploy.confirm:p42', 888));
    // The reply was written to the outbox before the click was answered; it may already be out, or follow.
    expect(api.calls.filter((c) => c.method === 'answerCallbackQuery')).toHaveLength(1);
    await queue.drain();
    const edits = api.calls.filter((c) => c.method === 'editMessageText');
    expect(edits.map((c) => [c.body.chat_id, c.body.message_id, c.body.text])).toEqual([[888, 55, 'Done: deploy.confirm']]);
  });

  it('sends the reply at once itself when the outbox cannot be written (the database is away)', async () => {
    const down = new MemoryOutbox();
    down.put = async () => {
      throw new Error("Can't reach database server at 127.0.0.1:5432");
    };
    const { tg, log } = wired(down);
    await tg.bot.handleUpdate(commandUpdate('/status while the database is away'));
    expect(texts(api.calls, 'sendMessage', 777)).toEqual(['You said: status while the database is away']);
    expect(log.entries.some((l) => l.msg === 'outbox not writable; sending the reply directly')).toBe(true);
  });
});
