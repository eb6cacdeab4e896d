import { PassThrough } from 'node:stream';
import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { chatsForPlatform } from '../../../../src/adapters/notifier/chat-bindings.js';
import { createNotifier, type NotifierRouter } from '../../../../src/adapters/notifier/notifier.router.js';
import { ShellNotifier } from '../../../../src/adapters/shell/shell.notifier.js';
import { createSlackAdapter } from '../../../../src/adapters/slack/slack.adapter.js';
import { SlackNotifier } from '../../../../src/adapters/slack/slack.notifier.js';
import { createTelegramAdapter } from '../../../../src/adapters/telegram/telegram.adapter.js';
import { TelegramNotifier } from '../../../../src/adapters/telegram/telegram.notifier.js';
import type { ChatBinding } from '../../../../src/core/domain/catalog.js';
import { replies } from '../../../../src/core/messages/reply-builder.js';
import { API as SLACK_API, SlackApiRecorder } from '../slack/slack-api.recorder.js';
import { BOT_INFO, TOKEN, createBotApi } from '../telegram/bot-api.fake.js';
import { RecordingCore, recordingLogger } from '../telegram/recording-core.js';

const HTML = { parse_mode: 'HTML', link_preview_options: { is_disabled: true } };
const CHATS: ChatBinding[] = [
  { platform: 'telegram', chatId: '-100200', projects: ['shop', 'blog'] },
  { platform: 'slack', chatId: 'C0OPS', projects: ['shop'] },
  { platform: 'telegram', chatId: '777', projects: ['blog'] },
  { platform: 'telegram', chatId: '-100200', projects: ['shop'] },
];

const slack = new SlackApiRecorder();
const server = setupServer(...slack.handlers());
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers(...slack.handlers()));
afterAll(() => server.close());

let telegram: ReturnType<typeof createBotApi>;
let log: ReturnType<typeof recordingLogger>;
let shellOutput: string;
let router: NotifierRouter;

const core = new RecordingCore();
let slackApp: ReturnType<typeof createSlackAdapter>['app'];

beforeAll(async () => {
  // Bolt calls auth.test once when the app is created; let it finish while the network is intercepted.
  slackApp = createSlackAdapter({ botToken: 'xoxb-test-token', signingSecret: 's', apiUrl: SLACK_API, core, logger: recordingLogger().logger, retryConfig: { retries: 0 } }).app;
  await vi.waitFor(() => expect(slack.calls.map((c) => c.url)).toContain(`${SLACK_API}/auth.test`));
});

/** The real platform notifiers, each on its adapter's client; only the network is intercepted. */
beforeEach(() => {
  slack.reset();
  telegram = createBotApi();
  server.use(telegram.handler);
  log = recordingLogger();
  const { bot } = createTelegramAdapter({ token: TOKEN, core, logger: log.logger, mode: { kind: 'polling' }, botInfo: BOT_INFO, throttle: false });
  const app = slackApp;
  const output = new PassThrough();
  shellOutput = '';
  output.on('data', (c: Buffer) => (shellOutput += c.toString('utf8')));
  router = createNotifier(
    {
      telegram: new TelegramNotifier({ api: bot.api, chatsFor: chatsForPlatform(CHATS, 'telegram'), logger: log.logger }),
      slack: new SlackNotifier({ client: app.client, chatsFor: chatsForPlatform(CHATS, 'slack'), logger: log.logger }),
    },
    log.logger,
  ).use('shell', new ShellNotifier({ output }));
});

describe('notifier router', () => {
  it('routes an edit by the message platform', async () => {
    await router.edit({ platform: 'telegram', chatId: '-100200', messageId: '55' }, replies.info('pulling'));
    await router.edit({ platform: 'slack', chatId: 'C0OPS', messageId: '1548261231.000200' }, replies.info('replacing 1/3'));
    await router.edit({ platform: 'shell', chatId: 'shell', messageId: '1' }, replies.info('healthy'));
    expect(telegram.calls).toEqual([{ method: 'editMessageText', body: { chat_id: -100200, message_id: 55, text: 'pulling', ...HTML } }]);
    expect(slack.traffic().map((c) => [c.url, c.body.channel, c.body.ts, c.body.text])).toEqual([
      [`${SLACK_API}/chat.update`, 'C0OPS', '1548261231.000200', 'replacing 1/3'],
    ]);
    expect(shellOutput).toBe('[update] healthy\n\n');
  });

  it('announces on every platform to the chats bound to the project', async () => {
    await router.announce('shop', replies.warning('Deploy of shop to prod started.'));
    expect(telegram.bodies('sendMessage').map((b) => b.chat_id)).toEqual([-100200]);
    expect(slack.traffic().map((c) => c.body.channel)).toEqual(['C0OPS']);
    expect(shellOutput).toBe('[shop] Warning: Deploy of shop to prod started.\n\n');

    await router.announce('blog', replies.info('Blog restarted.'));
    expect(telegram.bodies('sendMessage').map((b) => b.chat_id)).toEqual([-100200, -100200, 777]);
    expect(slack.traffic()).toHaveLength(1);
  });

  it('never throws: a failed edit is logged, an edit for a platform without notifier is dropped', async () => {
    telegram.respond(() => HttpResponse.json({ ok: false, error_code: 403, description: 'Forbidden: bot was kicked' }, { status: 403 }));
    await expect(router.edit({ platform: 'telegram', chatId: '-100200', messageId: '55' }, replies.info('x'))).resolves.toBeUndefined();
    const bare = createNotifier({}, log.logger);
    await expect(bare.edit({ platform: 'slack', chatId: 'C0OPS', messageId: '1.2' }, replies.info('x'))).resolves.toBeUndefined();
    await expect(bare.announce('shop', replies.info('x'))).resolves.toBeUndefined();
    expect(log.entries.filter((e) => e.level !== 'debug').map((e) => [e.level, e.msg])).toEqual([
      ['error', 'message edit failed'],
      ['warn', 'no notifier for the platform; edit dropped'],
    ]);
    expect(slack.traffic()).toEqual([]);
  });
});

describe('chatsForPlatform', () => {
  it('lists each bound chat of one platform once, in configuration order', () => {
    expect(chatsForPlatform(CHATS, 'telegram')('shop')).toEqual(['-100200']);
    expect(chatsForPlatform(CHATS, 'telegram')('blog')).toEqual(['-100200', '777']);
    expect(chatsForPlatform(CHATS, 'slack')('blog')).toEqual([]);
  });
});
