import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSlackAdapter, type SlackAdapter } from '../../../../src/adapters/slack/slack.adapter.js';
import type { InboundEvent, Platform } from '../../../../src/core/messages/inbound.js';
import { ReplyBuilder, replies } from '../../../../src/core/messages/reply-builder.js';
import type { Reply } from '../../../../src/core/messages/reply.js';
import type { ChatCore } from '../../../../src/core/pipeline/chat-core.js';
import { presentReply } from '../../../../src/core/pipeline/presentation.js';
import { silentLogger } from '../../../../src/core/ports/logger.port.js';
import { API, BOT_USER_ID, SlackApiRecorder } from './slack-api.recorder.js';
import { SignedSlackClient } from './slack-signed.client.js';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const NOW = new Date('2025-01-02T03:04:05Z');
const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../../../fixtures/slack/${name}`, import.meta.url), 'utf8')) as T;
const slashFixture = fixture<Record<string, string>>('slash-command.json');
const mention = fixture<{ event_id: string; event: Record<string, unknown> }>('app-mention.json');
const blockActionsFixture = fixture<Record<string, unknown>>('block-actions.json');
/** Slack gives every command and click its own trigger_id; a repeated one is a replay (see "repeated requests"). */
let triggers = 0;
const nextTrigger = (base: unknown) => `${String(base)}.${++triggers}`;
let slash = slashFixture;
let blockActions = blockActionsFixture;

/** The ChatCore stand-in: the adapter, not the core, is under test. It records events and can hold replies. */
class RecordingCore implements ChatCore {
  events: InboundEvent[] = [];
  attached: { pendingId: string; ref: { platform: Platform; chatId: string; messageId: string } }[] = [];
  reply: Reply = new ReplyBuilder('success').header('shop prod').text('web running & healthy').build();
  gate: Promise<void> = Promise.resolve();
  async attachMessage(pendingId: string, ref: { platform: Platform; chatId: string; messageId: string }): Promise<void> {
    this.attached.push({ pendingId, ref });
  }
  async handle(event: InboundEvent): Promise<Reply> {
    this.events.push(event);
    await this.gate;
    // With the visibility and placement the real core decides (presentation.ts).
    return presentReply(event, this.reply);
  }
  commands() {
    return [{ name: 'status', summary: 'Show service status' }];
  }
}

const api = new SlackApiRecorder();
const msw = setupServer(...api.handlers());
const core = new RecordingCore();
let adapter: SlackAdapter;
let server: Server;
let client: SignedSlackClient;
/** One promise per request received, settled once the adapter has fully handled it (listeners included). */
const handling: Promise<void>[] = [];
/** Proves "nothing more happens": every request sent so far is fully handled, so nothing is still on its way. */
const allHandled = () => Promise.all(handling);

beforeAll(async () => {
  msw.listen({ onUnhandledRequest: 'error' });
  adapter = createSlackAdapter({
    botToken: 'xoxb-test-token',
    signingSecret: SECRET,
    apiUrl: API,
    core,
    logger: silentLogger,
    retryConfig: { retries: 2, factor: 1, minTimeout: 0, maxTimeout: 0 },
    now: () => NOW,
  });
  const listener = adapter.requestListener!;
  server = createServer((req, res) => void handling.push(listener(req, res)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new SignedSlackClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, SECRET);
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  msw.close();
});

beforeEach(() => {
  slash = { ...slashFixture, trigger_id: nextTrigger(slashFixture.trigger_id) };
  blockActions = { ...blockActionsFixture, trigger_id: nextTrigger(blockActionsFixture.trigger_id) };
  api.reset();
  core.events = [];
  core.attached = [];
  core.reply = new ReplyBuilder('success').header('shop prod').text('web running & healthy').build();
  core.gate = Promise.resolve();
});

const expectedBlocks = [
  { type: 'header', text: { type: 'plain_text', text: 'shop prod', emoji: true } },
  { type: 'section', text: { type: 'mrkdwn', text: 'web running &amp; healthy' } },
];
const expectedText = 'shop prod\n\nweb running &amp; healthy';

describe('slash command', () => {
  it('acks within the request, then answers through response_url in the channel', async () => {
    let release!: () => void;
    core.gate = new Promise((r) => (release = r));

    // The HTTP response (the ack) arrives while the core is still working.
    const res = await client.command(slash);
    expect(res).toEqual({ status: 200, body: '' });
    expect(api.traffic()).toEqual([]);

    release();
    await vi.waitFor(() => expect(api.traffic()).toHaveLength(1));
    expect(api.traffic()[0]).toMatchObject({
      url: 'https://hooks.slack.com/commands/T0001/1234567890/abcdefXYZ',
      body: { response_type: 'in_channel', text: expectedText, blocks: expectedBlocks },
    });
    expect(Object.keys(api.traffic()[0]!.body).sort()).toEqual(['blocks', 'response_type', 'text']);
    expect(core.events).toEqual([
      {
        kind: 'command',
        platform: 'slack',
        platformUserId: 'U2147483697',
        userIdLabel: 'slack user id',
        userName: 'ada',
        chatId: 'C2147483705',
        chatType: 'group',
        text: 'status shop prod',
        eventId: slash.trigger_id,
        receivedAt: NOW,
        // Its trigger_id can open a modal (a form the core answers with, e.g. bug).
        abilities: { form: true },
      },
    ]);
  });

  it('answers refusals ephemerally and unescapes the typed text', async () => {
    core.reply = replies.error('You need the deployer role on shop/prod to run deploy.');
    await client.command({ ...slash, text: 'deploy shop prod --note a&amp;b' });
    await vi.waitFor(() => expect(api.traffic()).toHaveLength(1));
    expect(api.traffic()[0]!.body).toEqual({
      response_type: 'ephemeral',
      text: 'You need the deployer role on shop/prod to run deploy.',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'You need the deployer role on shop/prod to run deploy.' } }],
    });
    expect(core.events[0]).toMatchObject({ text: 'deploy shop prod --note a&b' });
  });

  it('treats an empty command as help (answered privately) and DMs as private chats', async () => {
    core.reply = { ...core.reply, visibility: 'private' }; // as the help intent answers
    await client.command({ ...slash, text: '  ', channel_id: 'D024BE91L', channel_name: 'directmessage' });
    await vi.waitFor(() => expect(api.traffic()).toHaveLength(1));
    expect(core.events[0]).toMatchObject({ kind: 'command', text: 'help', chatType: 'private', chatId: 'D024BE91L' });
    expect(api.traffic()[0]!.body).toMatchObject({ response_type: 'ephemeral' });
  });
});

describe('app mention', () => {
  it('strips the mention and posts the reply with chat.postMessage', async () => {
    const res = await client.event({ ...mention, event_id: 'EvMention1' });
    expect(res.status).toBe(200);
    await vi.waitFor(() => expect(api.traffic()).toHaveLength(1));
    expect(api.traffic()[0]).toEqual({
      url: `${API}/chat.postMessage`,
      at: expect.any(Number),
      body: {
        authorization: 'Bearer xoxb-test-token',
        channel: 'C2147483705',
        team_id: 'T0001',
        text: expectedText,
        blocks: JSON.stringify(expectedBlocks),
      },
    });
    expect(core.events).toEqual([
      {
        kind: 'command',
        platform: 'slack',
        platformUserId: 'U2147483697',
        userIdLabel: 'slack user id',
        chatId: 'C2147483705',
        chatType: 'group',
        text: 'status shop & prod',
        eventId: 'EvMention1',
        receivedAt: NOW,
      },
    ]);
    expect(BOT_USER_ID).toBe('UBOT123'); // the id the fixture mentions, learnt by Bolt from auth.test
  });

  it('answers in the thread when mentioned in a thread', async () => {
    await client.event({ ...mention, event_id: 'EvMention2', event: { ...mention.event, thread_ts: '1515449000.000001' } });
    await vi.waitFor(() => expect(api.traffic()).toHaveLength(1));
    expect(api.traffic()[0]!.body).toMatchObject({ channel: 'C2147483705', thread_ts: '1515449000.000001' });
  });

  it('retries chat.postMessage after a 429, honouring Retry-After', async () => {
    api.queued.set('chat.postMessage', [
      HttpResponse.json({ ok: false, error: 'ratelimited' }, { status: 429, headers: { 'Retry-After': '1' } }),
    ]);
    await client.event({ ...mention, event_id: 'EvRateLimited' });
    await vi.waitFor(() => expect(api.traffic()).toHaveLength(2), { timeout: 5000 });
    const [first, second] = api.traffic();
    expect(first!.url).toBe(`${API}/chat.postMessage`);
    expect(second!.url).toBe(`${API}/chat.postMessage`);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
    expect(second!.body).toEqual(first!.body);
    expect(core.events).toHaveLength(1);
  });

  it('drops a redelivered event (X-Slack-Retry-Num) whose id was already seen', async () => {
    const envelope = { ...mention, event_id: 'EvRedelivered' };
    await client.event(envelope);
    await vi.waitFor(() => expect(api.traffic()).toHaveLength(1));

    const retry = await client.event(envelope, { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
    expect(retry.status).toBe(200);
    // A retry of an event never seen (its first delivery was lost) is still handled.
    await client.event({ ...mention, event_id: 'EvFirstSeenOnRetry' }, { headers: { 'x-slack-retry-num': '2' } });
    await vi.waitFor(() => expect(api.traffic()).toHaveLength(2));
    await allHandled();
    expect(core.events.map((e) => e.eventId)).toEqual(['EvRedelivered', 'EvFirstSeenOnRetry']);
    expect(api.traffic()).toHaveLength(2);
  });
});

describe('attachments', () => {
  it('uploads a public reply\'s attachment with files.uploadV2 after the message', async () => {
    core.reply = new ReplyBuilder().text('Last 2 lines of web').attach({ filename: 'web.log', content: 'line 1\nline 2\n' }).build();
    await client.event({ ...mention, event_id: 'EvWithFile', event: { ...mention.event, thread_ts: '1515449000.000001' } });
    await vi.waitFor(() => expect(api.traffic()).toHaveLength(4));
    const [post, getUrl, upload, complete] = api.traffic();
    expect(post!.url).toBe(`${API}/chat.postMessage`);
    expect(getUrl).toMatchObject({ url: `${API}/files.getUploadURLExternal`, body: { filename: 'web.log', length: '14' } });
    expect(upload).toMatchObject({ url: 'https://files.slack.com/upload/v1/ABC123', body: { content: 'line 1\nline 2\n' } });
    expect(complete).toMatchObject({
      url: `${API}/files.completeUploadExternal`,
      body: { channel_id: 'C2147483705', thread_ts: '1515449000.000001', files: JSON.stringify([{ id: 'F0FILE1', title: 'web.log' }]) },
    });
  });

  it('never uploads the attachment of a private (error) reply', async () => {
    core.reply = new ReplyBuilder('error').text('Not allowed').attach({ filename: 'secret.log', content: 'x' }).build();
    await client.command(slash);
    await vi.waitFor(() => expect(api.traffic()).toHaveLength(1));
    await allHandled();
    expect(api.traffic().map((c) => c.url)).toEqual(['https://hooks.slack.com/commands/T0001/1234567890/abcdefXYZ']);
  });
});

describe('block actions', () => {
  it('dispatches an ActionEvent and replaces the clicked message', async () => {
    core.reply = new ReplyBuilder('success').text('Deploying shop:1.2.3 to prod…').build();
    const res = await client.interaction(blockActions);
    expect(res).toEqual({ status: 200, body: '' });
    await vi.waitFor(() => expect(api.traffic()).toHaveLength(1));
    expect(core.events).toEqual([
      {
        kind: 'action',
        platform: 'slack',
        platformUserId: 'U2147483697',
        userIdLabel: 'slack user id',
        userName: 'ada',
        chatId: 'C2147483705',
        chatType: 'group',
        actionId: 'deploy.confirm',
        pendingId: 'pend_42',
        eventId: blockActions.trigger_id,
        receivedAt: NOW,
        messageRef: { platform: 'slack', chatId: 'C2147483705', messageId: '1548261231.000200' },
      },
    ]);
    expect(api.traffic()[0]).toEqual({
      url: 'https://hooks.slack.com/actions/T0001/6666666666/aaaaBBBBccccDDDD',
      at: expect.any(Number),
      body: {
        replace_original: true,
        text: 'Deploying shop:1.2.3 to prod…',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Deploying shop:1.2.3 to prod…' } }],
      },
    });
  });

  it('answers a refused click privately and leaves the original message alone', async () => {
    core.reply = replies.error('Only the requester or a second approver can confirm.');
    await client.interaction(blockActions);
    await vi.waitFor(() => expect(api.traffic()).toHaveLength(1));
    expect(api.traffic()[0]!.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
  });
});

describe('replies with buttons', () => {
  const confirm = () =>
    new ReplyBuilder('warning')
      .text('Deploy shop:1.2.3 to prod?')
      .block({
        type: 'buttons',
        buttons: [
          { label: 'Confirm', actionId: 'deploy.confirm', pendingId: 'pend_42', style: 'primary' },
          { label: 'Cancel', actionId: 'deploy.cancel', pendingId: 'pend_42' },
        ],
      })
      .build();
  const confirmBlocks = [
    { type: 'section', text: { type: 'mrkdwn', text: 'Deploy shop:1.2.3 to prod?' } },
    {
      type: 'actions',
      elements: [
        { type: 'button', text: { type: 'plain_text', text: 'Confirm', emoji: true }, action_id: 'deploy.confirm', value: 'pend_42', style: 'primary' },
        { type: 'button', text: { type: 'plain_text', text: 'Cancel', emoji: true }, action_id: 'deploy.cancel', value: 'pend_42' },
      ],
    },
  ];

  it('posts a slash command\'s confirm message with chat.postMessage and attaches its ts', async () => {
    core.reply = confirm();
    await client.command({ ...slash, text: 'deploy shop prod 1.2.3' });
    await vi.waitFor(() => expect(core.attached).toHaveLength(1));
    expect(api.traffic()).toEqual([
      {
        url: `${API}/chat.postMessage`,
        at: expect.any(Number),
        body: {
          authorization: 'Bearer xoxb-test-token',
          channel: 'C2147483705',
          team_id: 'T0001',
          text: 'Deploy shop:1.2.3 to prod?\n\n[1] Confirm  [2] Cancel',
          blocks: JSON.stringify(confirmBlocks),
        },
      },
    ]);
    expect(core.attached).toEqual([{ pendingId: 'pend_42', ref: { platform: 'slack', chatId: 'C2147483705', messageId: '1700000000.000100' } }]);
  });

  it('falls back to response_url (nothing to attach) where the bot cannot post', async () => {
    core.reply = confirm();
    api.queued.set('chat.postMessage', [HttpResponse.json({ ok: false, error: 'not_in_channel' })]);
    await client.command({ ...slash, channel_id: 'D024BE91L', channel_name: 'directmessage' });
    await vi.waitFor(() => expect(api.traffic()).toHaveLength(2));
    const [attempt, fallback] = api.traffic();
    expect(attempt!.url).toBe(`${API}/chat.postMessage`);
    expect(fallback).toMatchObject({
      url: 'https://hooks.slack.com/commands/T0001/1234567890/abcdefXYZ',
      body: { response_type: 'in_channel', blocks: confirmBlocks },
    });
    await allHandled();
    expect(core.attached).toEqual([]);
  });

  it('attaches the thread reply posted for a mention', async () => {
    core.reply = confirm();
    await client.event({ ...mention, event_id: 'EvButtons', event: { ...mention.event, thread_ts: '1515449000.000001' } });
    await vi.waitFor(() => expect(core.attached).toHaveLength(1));
    expect(api.traffic()[0]!.body).toMatchObject({ channel: 'C2147483705', thread_ts: '1515449000.000001', blocks: JSON.stringify(confirmBlocks) });
    expect(core.attached[0]).toEqual({ pendingId: 'pend_42', ref: { platform: 'slack', chatId: 'C2147483705', messageId: '1700000000.000100' } });
  });

  it('attaches the clicked message when a click is answered with new buttons', async () => {
    core.reply = confirm();
    await client.interaction(blockActions);
    await vi.waitFor(() => expect(core.attached).toHaveLength(1));
    expect(api.traffic()).toEqual([
      {
        url: 'https://hooks.slack.com/actions/T0001/6666666666/aaaaBBBBccccDDDD',
        at: expect.any(Number),
        body: { replace_original: true, text: 'Deploy shop:1.2.3 to prod?\n\n[1] Confirm  [2] Cancel', blocks: confirmBlocks },
      },
    ]);
    expect(core.attached).toEqual([{ pendingId: 'pend_42', ref: { platform: 'slack', chatId: 'C2147483705', messageId: '1548261231.000200' } }]);
  });

  it('gives a click on an ephemeral message no messageRef (chat.update cannot edit it)', async () => {
    const container = { type: 'message', message_ts: '1548261231.000300', channel_id: 'C2147483705', is_ephemeral: true };
    await client.interaction({ ...blockActions, container, trigger_id: '1.2.ephemeral' });
    await vi.waitFor(() => expect(api.traffic()).toHaveLength(1));
    expect(core.events).toHaveLength(1);
    expect(core.events[0]).not.toHaveProperty('messageRef');
    expect(core.events[0]).toMatchObject({ kind: 'action', pendingId: 'pend_42' });
  });
});

describe('request verification', () => {
  it('rejects a forged signature with 401 and dispatches nothing', async () => {
    const res = await client.command(slash, { secret: 'not-the-signing-secret' });
    expect(res.status).toBe(401);
    await allHandled();
    expect(core.events).toEqual([]);
    expect(api.traffic()).toEqual([]);
  });

  it('rejects a stale timestamp (over 5 minutes) with 401 even when correctly signed', async () => {
    const res = await client.event({ ...mention, event_id: 'EvStale' }, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(res.status).toBe(401);
    await allHandled();
    expect(core.events).toEqual([]);
    expect(api.traffic()).toEqual([]);
  });

  it('answers 404 for paths the receiver does not serve', async () => {
    const res = await client.command(slash, { path: '/elsewhere' });
    expect(res.status).toBe(404);
    expect(core.events).toEqual([]);
  });
});

describe('configuration', () => {
  const base = { botToken: 'xoxb-test-token', apiUrl: API, core, logger: silentLogger };

  it('refuses a configuration with neither a signing secret nor an app token', () => {
    expect(() => createSlackAdapter(base)).toThrow(/appToken \(Socket Mode\) or signingSecret/);
  });

  it('uses Socket Mode (no request listener to mount) when an app token is given', () => {
    const socket = createSlackAdapter({ ...base, appToken: 'xapp-1-A1-1-abc' });
    expect(socket.requestListener).toBeUndefined();
  });
});
