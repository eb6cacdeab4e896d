/**
 * Slack replies go through the durable outbox, as Telegram's do: the listener writes the reply as a row
 * (keyed by the Slack delivery) and only then acknowledges the request; the DeliveryQueue sends it through
 * the real WebClient or the event's response_url, retrying 429s and 5xx until the reply's expiry.
 */
import { readFileSync } from 'node:fs';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scaledTimers, type DeliveryTimers } from '../../../../src/adapters/notifier/delivery.timers.js';
import type { OutboxStore } from '../../../../src/adapters/notifier/outbox.port.js';
import { ReplyBuilder, replies } from '../../../../src/core/messages/reply-builder.js';
import { MemoryOutbox } from '../../../fakes/memory-outbox.js';
import { unavailableWhile } from '../../../fakes/unavailable-store.js';
import { recordingLogger } from '../telegram/recording-core.js';
import { API, SlackApiRecorder } from './slack-api.recorder.js';
import { OutboxCore, slackReplica, type SlackReplica } from './slack-outbox.replica.js';

/** The outbox runs on a clock 25× faster than the wall: Slack's whole-second Retry-After values stay real. */
const SPEED = 25;
const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../../../fixtures/slack/${name}`, import.meta.url), 'utf8')) as T;
const slash = fixture<Record<string, string>>('slash-command.json');
const mention = fixture<{ event_id: string; event: Record<string, unknown> }>('app-mention.json');
const blockActions = fixture<Record<string, unknown>>('block-actions.json');
const RESPONSE_URL = slash.response_url!;
const CLICK_URL = String(blockActions.response_url);

const api = new SlackApiRecorder();
const msw = setupServer(...api.handlers());
beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
afterEach(() => msw.resetHandlers());
afterAll(() => msw.close());

let timers: DeliveryTimers;
let core: OutboxCore;
let log: ReturnType<typeof recordingLogger>;
const replicas: SlackReplica[] = [];

beforeEach(() => {
  api.reset();
  timers = scaledTimers(SPEED);
  core = new OutboxCore();
  log = recordingLogger();
});
afterEach(async () => {
  await Promise.all(replicas.map((r) => r.close()));
  replicas.length = 0;
});

async function replica(outbox: OutboxStore, holder?: string): Promise<SlackReplica> {
  const r = await slackReplica({ core, outbox, logger: log.logger, timers, ...(holder ? { holder } : {}) });
  replicas.push(r);
  return r;
}

const confirm = () =>
  new ReplyBuilder('warning')
    .text('Deploy shop:1.2.3 to prod?')
    .block({ type: 'buttons', buttons: [{ label: 'Confirm', actionId: 'deploy.confirm', pendingId: 'pend_43', style: 'primary' }] })
    .build();

const posts = (url: string) => api.calls.filter((c) => c.url === url);

describe('slack replies through the outbox', () => {
  it('writes a slash command’s reply to the outbox before acknowledging, and delivers it once through response_url', async () => {
    const outbox = new MemoryOutbox();
    const a = await replica(outbox);
    let rowsAtAck = -1;
    const res = await a.client.command({ ...slash, trigger_id: 'trig.cmd.1' }).then((r) => ((rowsAtAck = outbox.rows.length), r));
    expect(res).toEqual({ status: 200, body: '' });
    expect(rowsAtAck).toBe(1);
    expect(outbox.rows[0]).toMatchObject({
      key: 'reply:slack-req:trig.cmd.1:slack:C2147483705',
      kind: 'send',
      payload: { address: { responseUrl: RESPONSE_URL, asker: 'U2147483697' }, standalone: true },
    });
    await Promise.all(a.handling);
    await a.queue.drain();
    expect(posts(RESPONSE_URL).map((c) => c.body)).toEqual([{ response_type: 'in_channel', text: 'web running', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'web running' } }] }]);
    expect(outbox.rows[0]).toMatchObject({ state: 'sent' });
  });

  it('acknowledges at once while Slack answers 429 then 5xx, and delivers each reply exactly once after recovery', async () => {
    // response_url and chat.postMessage answer 429 (Retry-After 2) for the first 10 s, then 503 until 25 s and
    // until each was tried more than 7 times (a slow machine cannot end the outage before an attempt cap shows).
    const tries = new Map<string, number>();
    const counted = (what: string) => {
      const n = (tries.get(what) ?? 0) + 1;
      tries.set(what, n);
      const now = timers.now();
      if (now < 10_000) return new HttpResponse('rate limited', { status: 429, headers: { 'retry-after': '2' } });
      if (now < 25_000 || n <= 7) return new HttpResponse('unavailable', { status: 503 });
      return undefined;
    };
    msw.use(
      http.post(RESPONSE_URL, () => counted('response_url')),
      http.post(`${API}/chat.postMessage`, () => counted('chat.postMessage')),
    );
    const a = await replica(new MemoryOutbox());
    const started = Date.now();
    expect((await a.client.command({ ...slash, trigger_id: 'trig.outage.1' })).status).toBe(200);
    expect((await a.client.event({ ...mention, event_id: 'EvOutage1', event: { ...mention.event, channel: 'C0OTHER01', thread_ts: '1515449000.000001' } })).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(3_000);
    await Promise.all(a.handling);
    await a.queue.drain();

    expect(posts(RESPONSE_URL)).toHaveLength(1);
    expect(posts(`${API}/chat.postMessage`).map((c) => c.body)).toEqual([expect.objectContaining({ channel: 'C0OTHER01', thread_ts: '1515449000.000001', text: 'web running' })]);
    expect(timers.now()).toBeGreaterThanOrEqual(25_000);
    // Past any attempt cap a client would have: tried through the whole outage.
    expect(tries.get('response_url')).toBeGreaterThan(7);
    expect(tries.get('chat.postMessage')).toBeGreaterThan(7);
    expect(a.queue.stats()).toMatchObject({ delivered: 2, failed: 0, expired: 0 });
    expect(log.entries.filter((e) => e.level === 'error')).toEqual([]);
  });

  it('queues one reply for a redelivered event, even on a second replica that has not seen it', async () => {
    const outbox = new MemoryOutbox();
    const [a, b] = [await replica(outbox, 'replica-a'), await replica(outbox, 'replica-b')];
    const event = { ...mention, event_id: 'EvRedelivered' };
    expect((await a.client.event(event)).status).toBe(200);
    // Slack's retry of the same event (its X-Slack-Retry-Num headers) reaches the other replica.
    expect((await b.client.event(event, { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } })).status).toBe(200);
    await Promise.all([...a.handling, ...b.handling]);
    await Promise.all([a.queue.drain(), b.queue.drain()]);

    expect(core.events).toHaveLength(2);
    expect(outbox.rows.map((r) => r.key)).toEqual(['reply:EvRedelivered:slack:C2147483705']);
    expect(posts(`${API}/chat.postMessage`)).toHaveLength(1);
  });

  it('replaces the clicked message once through the click’s response_url, and attaches its new buttons', async () => {
    core.reply = confirm();
    const outbox = new MemoryOutbox();
    const [a, b] = [await replica(outbox, 'replica-a'), await replica(outbox, 'replica-b')];
    const click = { ...blockActions, trigger_id: 'trig.click.1' };
    expect((await a.client.interaction(click)).status).toBe(200);
    // The same signed request again, on a replica whose dedupe has not seen it.
    expect((await b.client.interaction(click)).status).toBe(200);
    await Promise.all([...a.handling, ...b.handling]);
    await Promise.all([a.queue.drain(), b.queue.drain()]);

    expect(outbox.rows).toHaveLength(1);
    expect(outbox.rows[0]).toMatchObject({ kind: 'edit', target: '1548261231.000200', payload: { attach: ['pend_43'], address: { responseUrl: CLICK_URL } } });
    expect(posts(CLICK_URL).map((c) => c.body)).toEqual([
      {
        replace_original: true,
        text: 'Deploy shop:1.2.3 to prod?\n\n[1] Confirm',
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: 'Deploy shop:1.2.3 to prod?' } },
          { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Confirm', emoji: true }, action_id: 'deploy.confirm', value: 'pend_43', style: 'primary' }] },
        ],
      },
    ]);
    expect(api.traffic().filter((c) => c.url.startsWith(API))).toEqual([]);
    expect(core.attached).toEqual([{ pendingId: 'pend_43', ref: { platform: 'slack', chatId: 'C2147483705', messageId: '1548261231.000200' } }]);
  });

  it('updates the clicked message with chat.update when the click has no response_url', async () => {
    core.reply = new ReplyBuilder('success').text('Deployed shop:1.2.3 to prod.').build();
    const outbox = new MemoryOutbox();
    const a = await replica(outbox);
    const click: Record<string, unknown> = { ...blockActions, trigger_id: 'trig.click.2' };
    delete click.response_url;
    expect((await a.client.interaction(click)).status).toBe(200);
    await Promise.all(a.handling);
    await a.queue.drain();
    expect(outbox.rows).toMatchObject([{ kind: 'edit', target: '1548261231.000200', state: 'sent', payload: { address: { asker: 'U2147483697' } } }]);
    expect(api.traffic().map((c) => [c.url, c.body.ts, c.body.text])).toEqual([[`${API}/chat.update`, '1548261231.000200', 'Deployed shop:1.2.3 to prod.']]);
  });

  it('sends private replies durably too: ephemeral through response_url, or chat.postEphemeral for a mention', async () => {
    core.reply = replies.error('You need the deployer role on shop/prod.');
    const outbox = new MemoryOutbox();
    const a = await replica(outbox);
    await a.client.command({ ...slash, trigger_id: 'trig.private.1' });
    await a.client.event({ ...mention, event_id: 'EvPrivate1' });
    await Promise.all(a.handling);
    await a.queue.drain();
    expect(outbox.rows.map((r) => r.payload.address)).toEqual([
      { responseUrl: RESPONSE_URL, only: 'U2147483697' },
      { only: 'U2147483697' },
    ]);
    expect(posts(RESPONSE_URL).map((c) => c.body.response_type)).toEqual(['ephemeral']);
    expect(posts(`${API}/chat.postEphemeral`).map((c) => [c.body.channel, c.body.user])).toEqual([['C2147483705', 'U2147483697']]);
    expect(posts(`${API}/chat.postMessage`)).toEqual([]);
  });

  it('acknowledges within Slack’s 3 s while the outbox is slow to take the reply, and still sends it once written', async () => {
    const outbox = new MemoryOutbox();
    const slow: OutboxStore = new Proxy(outbox, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (prop !== 'put' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
        return async (...args: unknown[]) => {
          await new Promise((r) => setTimeout(r, 3_500));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    // The handler waits for its reply's lane longer than Slack waits for the ack: only the ack's own bound answers.
    const a = await slackReplica({ core, outbox: slow, logger: log.logger, timers, inlineWaitMs: 10 * 60_000 });
    replicas.push(a);
    const started = Date.now();
    const res = await a.client.command({ ...slash, trigger_id: 'trig.slow.1' });
    const tookMs = Date.now() - started;
    expect(res.status).toBe(200);
    expect(tookMs).toBeGreaterThanOrEqual(1_500);
    expect(tookMs).toBeLessThan(3_000);
    expect(outbox.rows).toEqual([]);
    await Promise.all(a.handling);
    await a.queue.drain();
    expect(posts(RESPONSE_URL)).toHaveLength(1);
  });

  it('sends the reply inline through the lanes when the outbox cannot be written', async () => {
    const down = unavailableWhile(new MemoryOutbox(), () => true);
    const a = await replica(down);
    expect((await a.client.command({ ...slash, trigger_id: 'trig.down.1' })).status).toBe(200);
    await Promise.all(a.handling);
    expect(posts(RESPONSE_URL).map((c) => c.body.response_type)).toEqual(['in_channel']);
    expect(log.entries.some((e) => e.msg === 'outbox not writable; sending the reply directly')).toBe(true);
  });

  it('sends the reply inline, not as a row that would fail for good, when its response_url is not https', async () => {
    const plainUrl = RESPONSE_URL.replace(/^https:/, 'http:');
    let inline = 0;
    msw.use(http.post(plainUrl, () => ((inline += 1), HttpResponse.text('ok'))));
    const outbox = new MemoryOutbox();
    const a = await replica(outbox);
    expect((await a.client.command({ ...slash, response_url: plainUrl, trigger_id: 'trig.http.1' })).status).toBe(200);
    await Promise.all(a.handling);
    expect(outbox.rows).toEqual([]);
    expect(inline).toBe(1);
    expect(log.entries.some((e) => e.msg === 'slack reply address not valid for the outbox; sending the reply directly')).toBe(true);
  });
});
