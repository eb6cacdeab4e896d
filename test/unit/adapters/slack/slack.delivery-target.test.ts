import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSlackAdapter } from '../../../../src/adapters/slack/slack.adapter.js';
import { SlackDeliveryTarget } from '../../../../src/adapters/slack/slack.delivery-target.js';
import { ReplyBuilder, replies } from '../../../../src/core/messages/reply-builder.js';
import { recordingLogger } from '../telegram/recording-core.js';
import { API, SlackApiRecorder } from './slack-api.recorder.js';

const core = { handle: async () => replies.info('unused'), commands: () => [], attachMessage: async () => {} };

const api = new SlackApiRecorder();
const msw = setupServer(...api.handlers());
let log: ReturnType<typeof recordingLogger>;
let notifier: SlackDeliveryTarget;

let app: ReturnType<typeof createSlackAdapter>['app'];

beforeAll(async () => {
  msw.listen({ onUnhandledRequest: 'error' });
  // The target uses the adapter's own WebClient: its retry policy and Retry-After handling.
  app = createSlackAdapter({
    botToken: 'xoxb-test-token',
    signingSecret: 'secret',
    apiUrl: API,
    core,
    logger: recordingLogger().logger,
    retryConfig: { retries: 2, factor: 1, minTimeout: 0, maxTimeout: 0 },
  }).app;
  // Bolt calls auth.test once when the app is created; let it finish while the network is intercepted.
  await vi.waitFor(() => expect(api.calls.map((c) => c.url)).toContain(`${API}/auth.test`));
});
afterAll(() => msw.close());
beforeEach(() => {
  api.reset();
  log = recordingLogger();
  notifier = new SlackDeliveryTarget({ client: app.client, logger: log.logger });
});

const ref = { platform: 'slack' as const, chatId: 'C2147483705', messageId: '1548261231.000200' };
const auth = 'Bearer xoxb-test-token';
const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

describe('SlackDeliveryTarget.edit', () => {
  it('updates the message with chat.update, replacing the buttons with the progress', async () => {
    await notifier.edit(ref, new ReplyBuilder('info').text('Deploying shop: replacing 1/3 <web>').build());
    expect(api.traffic()).toEqual([
      {
        url: `${API}/chat.update`,
        at: expect.any(Number),
        body: {
          authorization: auth,
          channel: 'C2147483705',
          ts: '1548261231.000200',
          text: 'Deploying shop: replacing 1/3 &lt;web&gt;',
          blocks: JSON.stringify([section('Deploying shop: replacing 1/3 &lt;web&gt;')]),
        },
      },
    ]);
  });

  it('retries chat.update after a 429, honouring Retry-After', async () => {
    api.queued.set('chat.update', [HttpResponse.json({ ok: false, error: 'ratelimited' }, { status: 429, headers: { 'Retry-After': '1' } })]);
    await notifier.edit(ref, replies.info('healthy'));
    const [first, second] = api.traffic();
    expect(api.traffic()).toHaveLength(2);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
    expect(second!.body).toEqual(first!.body);
  });

  it('posts the update as a new message when the original cannot be updated any more', async () => {
    api.queued.set('chat.update', [HttpResponse.json({ ok: false, error: 'message_not_found' })]);
    await notifier.edit(ref, replies.info('done'));
    expect(api.traffic().map((c) => c.url)).toEqual([`${API}/chat.update`, `${API}/chat.postMessage`]);
    expect(api.traffic()[1]!.body).toEqual({ authorization: auth, channel: 'C2147483705', text: 'done', blocks: JSON.stringify([section('done')]) });
  });

  it('throws other Slack errors, and refuses a reference that is not a Slack message', async () => {
    api.queued.set('chat.update', [HttpResponse.json({ ok: false, error: 'channel_not_found' })]);
    await expect(notifier.edit(ref, replies.info('x'))).rejects.toThrow(/channel_not_found/);
    await expect(notifier.edit({ platform: 'telegram', chatId: '777', messageId: '55' }, replies.info('x'))).rejects.toThrow();
    await expect(notifier.edit({ ...ref, messageId: '55' }, replies.info('x'))).rejects.toThrow();
    expect(api.traffic()).toHaveLength(1);
  });
});

describe('SlackDeliveryTarget.send', () => {
  it('posts to the one channel and returns the ts later edits replace', async () => {
    const { first: ts } = await notifier.send('C0OPS', replies.warning('Deploy of shop to prod started by Ada.'));
    const blocks = JSON.stringify([section('Deploy of shop to prod started by Ada.')]);
    expect(api.traffic().map((c) => c.body)).toEqual([{ authorization: auth, channel: 'C0OPS', text: 'Deploy of shop to prod started by Ada.', blocks }]);
    expect(ts).toMatch(/^\d+\.\d+$/);
  });

  it('throws a channel that fails (the delivery queue decides) and refuses a malformed id', async () => {
    api.queued.set('chat.postMessage', [HttpResponse.json({ ok: false, error: 'not_in_channel' })]);
    await expect(notifier.send('C0OPS', replies.info('x'))).rejects.toThrow(/not_in_channel/);
    await expect(notifier.send('#ops', replies.info('y'))).rejects.toThrow(/malformed Slack channel id/);
    expect(api.traffic().map((c) => [c.body.channel, c.body.text])).toEqual([['C0OPS', 'x']]);
  });
});
