import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTelegramAdapter } from '../../../../src/adapters/telegram/telegram.adapter.js';
import { TelegramDeliveryTarget } from '../../../../src/adapters/telegram/telegram.delivery-target.js';
import { ReplyBuilder, replies } from '../../../../src/core/messages/reply-builder.js';
import type { ApiCall } from './bot-api.fake.js';
import { BOT_INFO, TOKEN, createBotApi } from './bot-api.fake.js';
import { RecordingCore, recordingLogger } from './recording-core.js';

const HTML = { parse_mode: 'HTML', link_preview_options: { is_disabled: true } };
const FAST_THROTTLE = { out: { maxConcurrent: 1, minTime: 5 }, group: { maxConcurrent: 1, minTime: 5 } };

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

let api: ReturnType<typeof createBotApi>;
let log: ReturnType<typeof recordingLogger>;
let notifier: TelegramDeliveryTarget;

beforeEach(() => {
  api = createBotApi();
  server.use(api.handler);
  log = recordingLogger();
  // The target uses the adapter's own Api, so sends go through its throttler and auto-retry.
  const { bot } = createTelegramAdapter({
    token: TOKEN,
    core: new RecordingCore(),
    logger: log.logger,
    mode: { kind: 'polling' },
    botInfo: BOT_INFO,
    throttle: FAST_THROTTLE,
  });
  notifier = new TelegramDeliveryTarget({ api: bot.api, logger: log.logger });
});

const done = (text: string) => new ReplyBuilder('success').text(text).build();
const ref = { platform: 'telegram' as const, chatId: '-100200', messageId: '55' };

function telegramError(code: number, description: string, retryAfter?: number): Response {
  const parameters = retryAfter === undefined ? {} : { parameters: { retry_after: retryAfter } };
  return HttpResponse.json({ ok: false, error_code: code, description, ...parameters }, { status: code });
}

/** Fails the first call of `method` (optionally only for one chat) with the given response. */
function failOnce(method: string, response: () => Response, chatId?: number): void {
  let done = false;
  api.respond((call: ApiCall) => {
    if (done || call.method !== method || (chatId !== undefined && call.body.chat_id !== chatId)) return undefined;
    done = true;
    return response();
  });
}

describe('TelegramDeliveryTarget.edit', () => {
  it('edits the message text as HTML and drops the keyboard when the reply has no buttons', async () => {
    await notifier.edit(ref, new ReplyBuilder('info').header('Deploying shop <prod>').text('replacing 1/3').build());
    expect(api.calls).toEqual([
      {
        method: 'editMessageText',
        body: { chat_id: -100200, message_id: 55, text: '<b>Deploying shop &lt;prod&gt;</b>\n\nreplacing 1/3', ...HTML },
      },
    ]);
  });

  it('keeps buttons when the reply brings them', async () => {
    const reply = new ReplyBuilder('warning')
      .text('Waiting for approval')
      .block({ type: 'buttons', buttons: [{ label: 'Approve', actionId: 'deploy.confirm', pendingId: 'p9' }] })
      .build();
    await notifier.edit(ref, reply);
    expect(api.calls).toEqual([
      {
        method: 'editMessageText',
        body: {
          chat_id: -100200,
          message_id: 55,
          text: 'Waiting for approval',
          ...HTML,
          reply_markup: { inline_keyboard: [[{ text: 'Approve', callback_data: 'deploy.confirm:p9' }]] },
        },
      },
    ]);
  });

  it('ignores "message is not modified" (the same progress rendered twice)', async () => {
    failOnce('editMessageText', () =>
      telegramError(400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same'),
    );
    await expect(notifier.edit(ref, replies.info('healthy'))).resolves.toEqual({});
    expect(api.calls.map((c) => c.method)).toEqual(['editMessageText']);
  });

  it('retries a 429 after retry_after, then edits', async () => {
    failOnce('editMessageText', () => telegramError(429, 'Too Many Requests: retry after 1', 1));
    const started = Date.now();
    await notifier.edit(ref, done('done in 42 s'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    const edit = { method: 'editMessageText', body: { chat_id: -100200, message_id: 55, text: 'done in 42 s', ...HTML } };
    expect(api.calls).toEqual([edit, edit]);
  });

  it('posts the update as a new message when the original can no longer be edited', async () => {
    failOnce('editMessageText', () => telegramError(400, 'Bad Request: message to edit not found'));
    await notifier.edit(ref, done('done'));
    expect(api.calls.map((c) => c.method)).toEqual(['editMessageText', 'sendMessage']);
    expect(api.bodies('sendMessage')).toEqual([{ chat_id: -100200, text: 'done', ...HTML }]);
  });

  it('throws other API errors, and refuses a reference that is not a Telegram message', async () => {
    failOnce('editMessageText', () => telegramError(403, 'Forbidden: bot was kicked from the supergroup chat'));
    await expect(notifier.edit(ref, replies.info('x'))).rejects.toThrow(/bot was kicked/);
    await expect(notifier.edit({ platform: 'slack', chatId: 'C1', messageId: '1.2' }, replies.info('x'))).rejects.toThrow();
    await expect(notifier.edit({ ...ref, messageId: 'abc' }, replies.info('x'))).rejects.toThrow();
    expect(api.calls).toHaveLength(1);
  });
});

describe('TelegramDeliveryTarget.send', () => {
  it('sends the reply to the one chat and returns the message_id later edits replace', async () => {
    const { first: id } = await notifier.send('-100200', done('Deploy of shop:1.2.3 to prod finished.'));
    expect(api.calls).toEqual([{ method: 'sendMessage', body: { chat_id: -100200, text: 'Deploy of shop:1.2.3 to prod finished.', ...HTML } }]);
    expect(id).toMatch(/^\d+$/);
  });

  it('retries a 429 and still sends', async () => {
    failOnce('sendMessage', () => telegramError(429, 'Too Many Requests: retry after 1', 1), -100200);
    await notifier.send('-100200', replies.info('started'));
    expect(api.bodies('sendMessage').map((b) => b.chat_id)).toEqual([-100200, -100200]);
  });

  it('throws a failure for good (the delivery queue decides) and refuses a malformed chat id', async () => {
    failOnce('sendMessage', () => telegramError(403, 'Forbidden: bot was blocked by the user'), -100200);
    await expect(notifier.send('-100200', replies.info('started'))).rejects.toThrow(/bot was blocked/);
    await expect(notifier.send('@ops', replies.info('x'))).rejects.toThrow();
    expect(api.bodies('sendMessage').map((b) => b.chat_id)).toEqual([-100200]);
  });
});
