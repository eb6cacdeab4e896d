import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scaledTimers, type DeliveryTimers } from '../../../../src/adapters/notifier/delivery.timers.js';
import { createTelegramAdapter } from '../../../../src/adapters/telegram/telegram.adapter.js';
import { BOT_INFO, TOKEN, callbackUpdate, commandUpdate, createBotApi, type ApiCall } from './bot-api.fake.js';
import { RecordingCore, recordingLogger } from './recording-core.js';

/** Replies run on a clock 25× faster than the wall: Telegram's whole-second retry_after values stay real. */
const SPEED = 25;

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

let api: ReturnType<typeof createBotApi>;
let log: ReturnType<typeof recordingLogger>;
let timers: DeliveryTimers;
/** Calls Telegram accepted, in the order it accepted them. */
let accepted: ApiCall[];

beforeEach(() => {
  api = createBotApi();
  server.use(api.handler);
  log = recordingLogger();
  timers = scaledTimers(SPEED);
  accepted = [];
});

/**
 * The Bot API answers 429 (retry_after 3) until `rateLimitedUntil`, then 502 until `badGatewayUntil` and
 * (when given) until the reply `outlast` has been tried more than auto-retry's 6 times (so a slow machine cannot end the
 * outage before an attempt cap would have shown), then OK.
 */
function outage(rateLimitedUntil: number, badGatewayUntil: number, outlast?: string): void {
  let triesOfOutlast = 0;
  api.respond((call) => {
    const now = timers.now();
    if (call.body.text === outlast) triesOfOutlast++;
    if (now < rateLimitedUntil) {
      return HttpResponse.json({ ok: false, error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } }, { status: 429 });
    }
    if (now < badGatewayUntil || (outlast !== undefined && triesOfOutlast <= 7)) return HttpResponse.json({ ok: false, error_code: 502, description: 'Bad Gateway' }, { status: 502 });
    accepted.push(call);
    return undefined;
  });
}

function adapter(replies: { ttlMs?: number } = {}) {
  return createTelegramAdapter({
    token: TOKEN,
    core: new RecordingCore(),
    logger: log.logger,
    mode: { kind: 'polling' },
    botInfo: BOT_INFO,
    throttle: false,
    replies: { timers, ...replies },
  });
}

const texts = (calls: ApiCall[], method: string, chatId: number) =>
  calls.filter((c) => c.method === method && c.body.chat_id === chatId).map((c) => c.body.text);

describe('telegram replies through 429s and 502s', () => {
  it('delivers every reply exactly once after the Bot API recovers, in order per chat; a click’s answer is let go after its window', async () => {
    outage(20_000, 30_000, 'You said: status a1');
    const tg = adapter();
    const group = { id: -100200, type: 'supergroup' as const };
    const updates = [
      commandUpdate('/status a1'),
      commandUpdate('/status g1', group),
      commandUpdate('/status a2'),
      callbackUpdate('deploy.confirm:p42', 888),
      commandUpdate('/status g2', group),
      commandUpdate('/status a3'),
      commandUpdate('/status g3', group),
      commandUpdate('/status a4'),
      commandUpdate('/status g4', group),
    ];
    // The handlers return (the webhook or the poller goes on) while the replies wait in their lanes.
    await Promise.all(updates.map((u) => tg.bot.handleUpdate(u)));
    await tg.repliesSettled();

    expect(texts(accepted, 'sendMessage', 777)).toEqual(['You said: status a1', 'You said: status a2', 'You said: status a3', 'You said: status a4']);
    expect(texts(accepted, 'sendMessage', -100200)).toEqual(['You said: status g1', 'You said: status g2', 'You said: status g3', 'You said: status g4']);
    // The click's visible answer, the edit of its message, arrives; its callback answer did not outlive the window.
    expect(texts(accepted, 'editMessageText', 888)).toEqual(['Done: deploy.confirm']);
    expect(accepted.filter((c) => c.method === 'answerCallbackQuery')).toEqual([]);
    expect(log.entries.filter((e) => e.msg === "callback query not answered within Telegram's window; dropped")).toHaveLength(1);
    // More tries than auto-retry's 6 (it would have given the first reply up); none given up.
    const tries = texts(api.calls, 'sendMessage', 777).filter((t) => t === 'You said: status a1').length;
    expect(tries).toBeGreaterThan(6);
    expect(log.entries.filter((e) => e.level === 'error')).toEqual([]);
    expect(log.entries.filter((e) => e.msg === 'reply delivered after retrying')).toHaveLength(9);
  });

  it('gives a reply up, with one log line, once it expires', async () => {
    outage(0, Number.POSITIVE_INFINITY);
    const tg = adapter({ ttlMs: 20_000 });
    await tg.bot.handleUpdate(commandUpdate('/status a1'));
    await tg.repliesSettled();
    expect(accepted).toEqual([]);
    expect(api.bodies('sendMessage').length).toBeGreaterThan(1);
    const errors = log.entries.filter((e) => e.level === 'error');
    expect(errors.map((e) => e.msg)).toEqual(['reply given up: it could not be sent before it expired']);
    expect(errors[0]?.obj).toMatchObject({ chatId: '777', err: { code: 502 } });
  });

  it('sends a reply inline, as before, when the API answers', async () => {
    outage(0, 0);
    const tg = adapter();
    await tg.bot.handleUpdate(commandUpdate('/status a1'));
    expect(texts(api.calls, 'sendMessage', 777)).toEqual(['You said: status a1']);
    expect(log.entries.filter((e) => e.level !== 'debug')).toEqual([]);
  });
});
