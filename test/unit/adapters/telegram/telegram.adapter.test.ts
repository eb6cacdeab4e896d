import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { http, HttpResponse, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTelegramAdapter, type TelegramAdapter } from '../../../../src/adapters/telegram/telegram.adapter.js';
import { INVALID_BUTTON_TEXT } from '../../../../src/adapters/telegram/telegram.handlers.js';
import { API, BOT_INFO, TOKEN, callbackUpdate, commandUpdate, createBotApi } from './bot-api.fake.js';
import { RecordingCore, recordingLogger } from './recording-core.js';

const RECEIVED_AT = new Date('2026-01-02T03:04:05Z');
const FAST_THROTTLE = { out: { maxConcurrent: 1, minTime: 5 }, group: { maxConcurrent: 1, minTime: 5 } };
const HTML = { parse_mode: 'HTML', link_preview_options: { is_disabled: true } };

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

let api: ReturnType<typeof createBotApi>;
let core: RecordingCore;
let log: ReturnType<typeof recordingLogger>;

function adapter(mode: Parameters<typeof createTelegramAdapter>[0]['mode'] = { kind: 'polling' }): TelegramAdapter {
  return createTelegramAdapter({
    token: TOKEN,
    core,
    logger: log.logger,
    mode,
    botInfo: BOT_INFO,
    throttle: FAST_THROTTLE,
    now: () => RECEIVED_AT,
  });
}

beforeEach(() => {
  api = createBotApi();
  server.use(api.handler);
  core = new RecordingCore();
  log = recordingLogger();
});

describe('telegram adapter: commands', () => {
  it('turns a private command into a CommandEvent and sends the rendered reply', async () => {
    const update = commandUpdate('/status shop prod');
    await adapter().bot.handleUpdate(update);
    expect(core.events).toEqual([
      {
        kind: 'command',
        platform: 'telegram',
        platformUserId: '777',
        userIdLabel: 'telegram user id',
        userName: 'ada',
        chatId: '777',
        chatType: 'private',
        eventId: String(update.update_id),
        receivedAt: RECEIVED_AT,
        text: 'status shop prod',
        // The person's next messages here reach the bot: a dialog (bug) may ask question by question.
        abilities: { followUps: true },
      },
    ]);
    expect(api.calls).toEqual([
      { method: 'sendMessage', body: { chat_id: 777, text: 'You said: status shop prod', ...HTML } },
    ]);
  });

  it('accepts /cmd@thisbot in a group, maps /start to help, and ignores /cmd@otherbot and plain text', async () => {
    const bot = adapter().bot;
    await bot.handleUpdate(commandUpdate('/status@deckhand_bot shop', { id: -100200, type: 'supergroup' }));
    await bot.handleUpdate(commandUpdate('/status@otherbot shop', { id: -100200, type: 'supergroup' }));
    await bot.handleUpdate(commandUpdate('just chatting', { id: -100200, type: 'supergroup' }));
    await bot.handleUpdate(commandUpdate('/start'));
    expect(core.events.map((e) => [e.kind === 'command' && e.text, e.chatType, e.chatId])).toEqual([
      ['status shop', 'group', '-100200'],
      ['help', 'private', '777'],
    ]);
    expect(api.bodies('sendMessage').map((b) => [b.chat_id, b.text])).toEqual([
      [-100200, 'You said: status shop'],
      [777, 'You said: help'],
    ]);
  });

  it('renders buttons as an inline keyboard with actionId:pendingId', async () => {
    await adapter().bot.handleUpdate(commandUpdate('/deploy shop prod'));
    expect(api.calls).toEqual([
      {
        method: 'sendMessage',
        body: {
          chat_id: 777,
          text: 'Deploy shop to prod?',
          ...HTML,
          reply_markup: { inline_keyboard: [[{ text: 'Deploy', callback_data: 'deploy.confirm:p42' }]] },
        },
      },
    ]);
  });

  it('attaches the sent message (its message_id from the Bot API) to the pending action', async () => {
    api.respond((call) =>
      call.method === 'sendMessage'
        ? HttpResponse.json({ ok: true, result: { message_id: 4242, date: 1_700_000_000, chat: { id: 777, type: 'private' }, text: '' } })
        : undefined,
    );
    await adapter().bot.handleUpdate(commandUpdate('/deploy shop prod'));
    expect(core.attached).toEqual([{ pendingId: 'p42', ref: { platform: 'telegram', chatId: '777', messageId: '4242' } }]);
  });

  it('attaches each distinct pending id of a keyboard once, to the message that carries it', async () => {
    await adapter().bot.handleUpdate(commandUpdate('/restart', { id: -100200, type: 'supergroup' }));
    const [sent] = api.bodies('sendMessage');
    expect(sent?.reply_markup).toEqual({
      inline_keyboard: [
        [
          { text: 'Restart web', callback_data: 'restart.confirm:pw' },
          { text: 'Cancel web', callback_data: 'restart.cancel:pw' },
          { text: 'Restart worker', callback_data: 'restart.confirm:pk' },
        ],
      ],
    });
    const ref = { platform: 'telegram', chatId: '-100200', messageId: '1001' };
    expect(core.attached).toEqual([
      { pendingId: 'pw', ref },
      { pendingId: 'pk', ref },
    ]);
  });

  it('logs, and does not fail the update, when attaching the message fails', async () => {
    core.attachMessage = async () => {
      throw new Error('database unavailable');
    };
    await adapter().bot.handleUpdate(commandUpdate('/deploy shop prod'));
    expect(api.bodies('sendMessage')).toHaveLength(1);
    expect(log.entries).toContainEqual({
      level: 'warn',
      obj: { err: { message: 'database unavailable' }, pendingId: 'p42', platform: 'telegram' },
      msg: 'attaching the posted message failed',
    });
    expect(log.entries.filter((e) => e.level === 'error')).toEqual([]);
  });

  it('sends long replies as ordered parts and attachments with sendDocument (multipart)', async () => {
    const bot = adapter().bot;
    await bot.handleUpdate(commandUpdate('/long'));
    await bot.handleUpdate(commandUpdate('/logs api'));
    expect(api.calls.map((c) => c.method)).toEqual(['sendMessage', 'sendMessage', 'sendMessage', 'sendDocument']);
    expect(api.bodies('sendMessage').map((b) => b.text)).toEqual(['x'.repeat(4000), 'y'.repeat(100), 'Logs for api']);
    const [document] = api.bodies('sendDocument');
    expect(document).toEqual({ chat_id: '777', document: expect.stringMatching(/^attach:\/\/\w+$/), [attachName(document)]: { filename: 'api.log', content: 'a\nb\n' } });
  });

  it('drops a redelivered update', async () => {
    const bot = adapter().bot;
    const update = commandUpdate('/status');
    await bot.handleUpdate(update);
    await bot.handleUpdate(update);
    expect(core.events).toHaveLength(1);
    expect(api.bodies('sendMessage')).toHaveLength(1);
  });

  it('answers with a request reference, not the error, when the core throws', async () => {
    await adapter().bot.handleUpdate(commandUpdate('/boom'));
    const [body] = api.bodies('sendMessage');
    expect(body?.text).toMatch(/^Something went wrong; it has been logged \(request [0-9a-f]{8}\)\.$/);
    const requestId = /request ([0-9a-f]{8})/.exec(String(body?.text))?.[1];
    const logged = log.entries.find((e) => e.level === 'error');
    expect(logged?.obj).toMatchObject({ requestId, err: expect.any(Error) });
  });

  it('retries a 429 after retry_after and still sends the message', async () => {
    let first = true;
    api.respond((call) => {
      if (call.method !== 'sendMessage' || !first) return undefined;
      first = false;
      return HttpResponse.json(
        { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } },
        { status: 429 },
      );
    });
    const started = Date.now();
    await adapter().bot.handleUpdate(commandUpdate('/status'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    const sends = api.bodies('sendMessage');
    expect(sends).toHaveLength(2);
    expect(sends[1]).toEqual({ chat_id: 777, text: 'You said: status', ...HTML });
  });
});

describe('telegram adapter: button clicks', () => {
  it('answers the callback query at once, dispatches an ActionEvent and edits the message', async () => {
    const update = callbackUpdate('deploy.confirm:p42');
    await adapter().bot.handleUpdate(update);
    expect(core.events).toEqual([
      {
        kind: 'action',
        platform: 'telegram',
        platformUserId: '777',
        userIdLabel: 'telegram user id',
        userName: 'ada',
        chatId: '777',
        chatType: 'private',
        eventId: String(update.update_id),
        receivedAt: RECEIVED_AT,
        actionId: 'deploy.confirm',
        pendingId: 'p42',
        messageRef: { platform: 'telegram', chatId: '777', messageId: '55' },
      },
    ]);
    expect(api.calls).toEqual([
      { method: 'answerCallbackQuery', body: { callback_query_id: update.callback_query.id } },
      { method: 'editMessageText', body: { chat_id: 777, message_id: 55, text: 'Done: deploy.confirm', ...HTML } },
    ]);
    // A reply without buttons attaches nothing.
    expect(core.attached).toEqual([]);
  });

  it('attaches the edited message when a click is answered with new buttons', async () => {
    const update = callbackUpdate('deploy.approve:p42', -100200);
    await adapter().bot.handleUpdate(update);
    expect(core.events[0]).toMatchObject({ messageRef: { platform: 'telegram', chatId: '-100200', messageId: '55' } });
    expect(api.calls).toEqual([
      { method: 'answerCallbackQuery', body: { callback_query_id: update.callback_query.id } },
      {
        method: 'editMessageText',
        body: {
          chat_id: -100200,
          message_id: 55,
          text: 'Waiting for a second approver.',
          ...HTML,
          reply_markup: { inline_keyboard: [[{ text: 'Approve', callback_data: 'deploy.confirm:p43' }]] },
        },
      },
    ]);
    expect(core.attached).toEqual([{ pendingId: 'p43', ref: { platform: 'telegram', chatId: '-100200', messageId: '55' } }]);
  });

  it('gives malformed callback_data a short answer and does not dispatch', async () => {
    const update = callbackUpdate('rm -rf /');
    await adapter().bot.handleUpdate(update);
    expect(core.events).toEqual([]);
    expect(api.calls).toEqual([
      { method: 'answerCallbackQuery', body: { callback_query_id: update.callback_query.id, text: INVALID_BUTTON_TEXT } },
    ]);
  });
});

describe('telegram adapter: start', () => {
  it('registers valid commands with setMyCommands, then sets the webhook with its secret', async () => {
    await adapter({ kind: 'webhook', url: 'https://bot.example.com/telegram/webhook', secretToken: 's3cret' }).start();
    expect(api.calls).toEqual([
      {
        method: 'setMyCommands',
        body: {
          commands: [
            { command: 'status', description: 'Show services' },
            { command: 'deploy', description: 'Deploy an image' },
          ],
        },
      },
      {
        method: 'setWebhook',
        body: {
          url: 'https://bot.example.com/telegram/webhook',
          secret_token: 's3cret',
          allowed_updates: ['message', 'callback_query'],
          drop_pending_updates: false,
        },
      },
    ]);
  });

  it('rejects a malformed token or webhook secret before touching the network', () => {
    expect(() => createTelegramAdapter({ token: 'nope', core, logger: log.logger, mode: { kind: 'polling' } })).toThrow();
    expect(() => adapter({ kind: 'webhook', url: 'https://x.example/hook', secretToken: 'bad secret!' })).toThrow();
    expect(api.calls).toEqual([]);
  });
});

describe('telegram adapter: webhook handler', () => {
  let http_: Server;
  let url: string;

  beforeEach(async () => {
    const tg = createTelegramAdapter({
      token: TOKEN,
      core,
      logger: log.logger,
      mode: { kind: 'webhook', url: 'https://bot.example.com/telegram/webhook', secretToken: 's3cret' },
      botInfo: BOT_INFO,
      throttle: FAST_THROTTLE,
      now: () => RECEIVED_AT,
      webhookMaxBodyBytes: 4096,
      webhookAnswerWithinMs: 200,
    });
    http_ = createServer(tg.webhookHandler);
    await new Promise<void>((resolve) => http_.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http_.address() as AddressInfo).port}/telegram/webhook`;
    server.use(http.post(url, () => passthrough()));
  });
  afterEach(() => new Promise<void>((resolve) => http_.close(() => resolve())));

  const post = (update: unknown, secret?: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
      body: JSON.stringify(update),
    });

  it('refuses a missing or wrong secret token with 401 and dispatches nothing', async () => {
    expect((await post(commandUpdate('/status'))).status).toBe(401);
    expect((await post(commandUpdate('/status'), 'wrong')).status).toBe(401);
    expect(core.events).toEqual([]);
    expect(api.calls).toEqual([]);
  });

  const postRaw = (body: string) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 's3cret' }, body });

  it('answers 400 with a short JSON error to a body that is not JSON, or empty, and sends nothing', async () => {
    const truncated = await postRaw('{"update_id":');
    expect([truncated.status, await truncated.json()]).toEqual([400, { error: 'body is not JSON' }]);
    const empty = await postRaw('');
    expect([empty.status, await empty.json()]).toEqual([400, { error: 'body is empty' }]);
    expect(core.events).toEqual([]);
    expect(api.calls).toEqual([]);
    expect(log.entries.filter((e) => e.level === 'error')).toEqual([]);
  });

  it('answers 413 to a body over the limit and dispatches nothing', async () => {
    const big = commandUpdate(`/status ${'x'.repeat(5000)}`);
    const res = await post(big, 's3cret');
    expect([res.status, await res.json()]).toEqual([413, { error: 'payload too large' }]);
    expect(core.events).toEqual([]);
    expect(api.calls).toEqual([]);
  });

  it('answers 200 to updates it cannot handle, warns once without a stack, sends nothing, and still handles the next', async () => {
    const { chat: _chat, ...chatless } = commandUpdate('/status').message!;
    const noChat = { update_id: 9001, message: chatless };
    const click = callbackUpdate('deploy.confirm:p42');
    const { from: _from, ...fromless } = click.callback_query;
    const noFrom = { update_id: 9002, callback_query: fromless };

    expect((await post(noChat, 's3cret')).status).toBe(200);
    expect((await post(noFrom, 's3cret')).status).toBe(200);
    expect(core.events).toEqual([]);
    expect(api.calls).toEqual([]);
    expect(log.entries.filter((e) => e.level === 'warn' || e.level === 'error')).toEqual([
      { level: 'warn', obj: { updateId: 9001, issues: 'message.chat: Invalid input: expected object, received undefined' }, msg: 'dropping a telegram update that cannot be handled' },
      { level: 'warn', obj: { updateId: 9002, issues: 'callback_query.from: Invalid input: expected object, received undefined' }, msg: 'dropping a telegram update that cannot be handled' },
    ]);

    const res = await post(commandUpdate('/status shop'), 's3cret');
    expect(res.status).toBe(200);
    expect(api.calls).toEqual([{ method: 'sendMessage', body: { chat_id: 777, text: 'You said: status shop', ...HTML } }]);
  });

  it('answers 200 in time while a slow update is still being handled, then sends its reply', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handle = core.handle.bind(core);
    core.handle = async (event) => {
      await gate;
      return handle(event);
    };
    const res = await post(commandUpdate('/status slow'), 's3cret');
    expect(res.status).toBe(200);
    expect(api.calls).toEqual([]);
    const sent = new Promise<void>((resolve) =>
      api.respond((call) => {
        if (call.method === 'sendMessage') resolve();
        return undefined;
      }),
    );
    release();
    await sent;
    expect(api.calls).toEqual([{ method: 'sendMessage', body: { chat_id: 777, text: 'You said: status slow', ...HTML } }]);
  });

  it('dispatches an update carrying the right secret token', async () => {
    const res = await post(commandUpdate('/status shop'), 's3cret');
    expect(res.status).toBe(200);
    expect(core.events.map((e) => e.kind === 'command' && e.text)).toEqual(['status shop']);
    expect(api.calls).toEqual([{ method: 'sendMessage', body: { chat_id: 777, text: 'You said: status shop', ...HTML } }]);
  });
});

/** grammY sends a file as `document=attach://<id>` plus a part named <id>. */
function attachName(body: Record<string, unknown> | undefined): string {
  return String(body?.document).replace('attach://', '');
}
