import { PassThrough } from 'node:stream';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatsForPlatform } from '../../../../src/adapters/notifier/chat-bindings.js';
import { scaledTimers } from '../../../../src/adapters/notifier/delivery.timers.js';
import type { DeliveryQueue } from '../../../../src/adapters/notifier/delivery.queue.js';
import { createNotifier, type NotifierRouter } from '../../../../src/adapters/notifier/notifier.router.js';
import { ShellNotifier } from '../../../../src/adapters/shell/shell.notifier.js';
import type { ChatBinding } from '../../../../src/core/domain/catalog.js';
import { replies } from '../../../../src/core/messages/reply-builder.js';
import { MemoryPostedMessages } from '../../../fakes/memory-posted-messages.js';
import { RecordingNotifier } from '../../../fakes/memory-stores.js';
import { API as SLACK_API, SlackApiRecorder } from '../slack/slack-api.recorder.js';
import { TOKEN, createBotApi } from '../telegram/bot-api.fake.js';
import { recordingLogger } from '../telegram/recording-core.js';
import { testTelegramDelivery, testSlackDelivery } from '../../../support/started-delivery.js';

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
let queues: DeliveryQueue[];
let posted: MemoryPostedMessages;

/** The real platform delivery queues on their own SDK clients; only the network is intercepted. */
beforeEach(() => {
  slack.reset();
  telegram = createBotApi();
  server.use(telegram.handler);
  log = recordingLogger();
  posted = new MemoryPostedMessages();
  // 40× time: the per-chat rate gate (1 message/s) does not slow the test down.
  const timers = scaledTimers(40);
  const tg = testTelegramDelivery({ token: TOKEN, posted, chatsFor: chatsForPlatform(CHATS, 'telegram'), logger: log.logger, timers });
  const sl = testSlackDelivery({ token: 'xoxb-test-token', apiUrl: SLACK_API, posted, chatsFor: chatsForPlatform(CHATS, 'slack'), logger: log.logger, timers });
  queues = [tg.queue, sl.queue];
  const output = new PassThrough();
  shellOutput = '';
  output.on('data', (c: Buffer) => (shellOutput += c.toString('utf8')));
  router = createNotifier({ telegram: tg.queue, slack: sl.queue }, log.logger).use('shell', new ShellNotifier({ output }));
});

const drained = () => Promise.all(queues.map((q) => q.drain()));

describe('notifier router', () => {
  it('routes an edit by the message platform', async () => {
    await router.edit({ platform: 'telegram', chatId: '-100200', messageId: '55' }, replies.info('pulling'));
    await router.edit({ platform: 'slack', chatId: 'C0OPS', messageId: '1548261231.000200' }, replies.info('replacing 1/3'));
    await router.edit({ platform: 'shell', chatId: 'shell', messageId: '1' }, replies.info('healthy'));
    await drained();
    expect(telegram.calls).toEqual([{ method: 'editMessageText', body: { chat_id: -100200, message_id: 55, text: 'pulling', ...HTML } }]);
    expect(slack.traffic().map((c) => [c.url, c.body.channel, c.body.ts, c.body.text])).toEqual([
      [`${SLACK_API}/chat.update`, 'C0OPS', '1548261231.000200', 'replacing 1/3'],
    ]);
    expect(shellOutput).toBe('[update] healthy\n\n');
  });

  it('announces on every platform to the chats bound to the project', async () => {
    await router.announce('shop', replies.warning('Deploy of shop to prod started.'));
    await drained();
    expect(telegram.bodies('sendMessage').map((b) => b.chat_id)).toEqual([-100200]);
    expect(slack.traffic().map((c) => c.body.channel)).toEqual(['C0OPS']);
    expect(shellOutput).toBe('[shop] Warning: Deploy of shop to prod started.\n\n');

    await router.announce('blog', replies.info('Blog restarted.'));
    await drained();
    expect(telegram.bodies('sendMessage').map((b) => b.chat_id).sort()).toEqual([-100200, -100200, 777]);
    expect(slack.traffic()).toHaveLength(1);
  });

  it('publishes a keyed message on every platform: posted the first time, edited in place after', async () => {
    await router.publish('shop', 'incident:i1', replies.error('FIRING (1): HighErrorRate'));
    await drained();
    await router.publish('shop', 'incident:i1', replies.info('RESOLVED: HighErrorRate'));
    await drained();

    expect(telegram.calls.map((c) => [c.method, c.body.chat_id, c.body.text])).toEqual([
      ['sendMessage', -100200, 'FIRING (1): HighErrorRate'],
      ['editMessageText', -100200, 'RESOLVED: HighErrorRate'],
    ]);
    expect(telegram.calls[1]!.body.message_id).toBe(Number(await posted.find('incident:i1', 'telegram', '-100200')));
    expect(slack.traffic().map((c) => [c.url, c.body.channel, c.body.ts])).toEqual([
      [`${SLACK_API}/chat.postMessage`, 'C0OPS', undefined],
      [`${SLACK_API}/chat.update`, 'C0OPS', '1700000000.000100'],
    ]);
    expect(shellOutput).toBe('[shop] Error: FIRING (1): HighErrorRate\n\n[update shop] RESOLVED: HighErrorRate\n\n');
  });

  it('never throws: a failing platform is logged, an edit for a platform without notifier is dropped', async () => {
    const failing = new RecordingNotifier();
    const partial = createNotifier({ telegram: failing }, log.logger);
    failing.failNext = true;
    await expect(partial.edit({ platform: 'telegram', chatId: '-100200', messageId: '55' }, replies.info('x'))).resolves.toBeUndefined();
    failing.failNext = true;
    await expect(partial.publish('shop', 'incident:i2', replies.info('y'))).resolves.toBeUndefined();
    await expect(partial.edit({ platform: 'slack', chatId: 'C0OPS', messageId: '1.2' }, replies.info('x'))).resolves.toBeUndefined();
    await partial.publish('shop', 'incident:i2', replies.info('z'));
    expect(log.entries.filter((e) => e.level !== 'debug').map((e) => [e.level, e.msg])).toEqual([
      ['error', 'message edit failed'],
      ['error', 'publish failed'],
      ['warn', 'no notifier for the platform; edit dropped'],
    ]);
    expect(failing.published('incident:i2')).toEqual(['z']);
  });
});

describe('chatsForPlatform', () => {
  it('lists each bound chat of one platform once, in configuration order', () => {
    expect(chatsForPlatform(CHATS, 'telegram')('shop')).toEqual(['-100200']);
    expect(chatsForPlatform(CHATS, 'telegram')('blog')).toEqual(['-100200', '777']);
    expect(chatsForPlatform(CHATS, 'slack')('blog')).toEqual([]);
  });
});
