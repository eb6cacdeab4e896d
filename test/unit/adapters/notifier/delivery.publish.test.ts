/**
 * Keyed publishes (Notifier.publish) through the real delivery queues, notifiers and SDK clients (grammY Api,
 * Slack WebClient), with only the network intercepted (msw): one living message per key and chat, posted
 * once and edited after, coalesced while waiting, posted anew when the old message is gone.
 */
import { HttpResponse, delay, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { scaledTimers } from '../../../../src/adapters/notifier/delivery.timers.js';
import { ReplyBuilder } from '../../../../src/core/messages/reply-builder.js';
import type { Platform } from '../../../../src/core/messages/inbound.js';
import type { PostedMessageStore } from '../../../../src/core/ports/posted-message.port.js';
import { MemoryPostedMessages } from '../../../fakes/memory-posted-messages.js';
import { API, TOKEN, createBotApi } from '../telegram/bot-api.fake.js';
import { recordingLogger } from '../telegram/recording-core.js';
import { SLACK_API, SLACK_TOKEN, slackApi } from './slack-storm.api.js';
import { testTelegramDelivery, testSlackDelivery } from '../../../support/started-delivery.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const SPEED = 40;
const state = (text: string) => new ReplyBuilder('error').text(text).build();

function telegram(posted: PostedMessageStore = new MemoryPostedMessages(), chats = ['-1001']) {
  const api = createBotApi();
  server.use(api.handler);
  const log = recordingLogger();
  const { queue } = testTelegramDelivery({ token: TOKEN, posted, chatsFor: () => chats, logger: log.logger, timers: scaledTimers(SPEED), maxQueued: 3 });
  const calls = () => api.calls.map((c) => [c.method, c.body.chat_id, c.body.message_id, c.body.text]);
  return { api, queue, posted, log, calls };
}

function slack(posted: PostedMessageStore = new MemoryPostedMessages(), channels = ['C0OPS']) {
  const timers = scaledTimers(SPEED);
  const api = slackApi(timers);
  server.use(api.handler);
  const log = recordingLogger();
  const { queue } = testSlackDelivery({ token: SLACK_TOKEN, apiUrl: SLACK_API, posted, chatsFor: () => channels, logger: log.logger, timers, maxQueued: 3 });
  const calls = () => api.calls.map((c) => [c.method, c.channel, c.body.ts, c.body.text]);
  return { api, queue, posted, log, calls };
}

describe('publish to Telegram', () => {
  it('posts the first time, remembers the message_id, and edits that message after', async () => {
    const t = telegram(new MemoryPostedMessages(), ['-1001', '777']);
    await t.queue.publish('shop', 'incident:a', state('FIRING (1)'));
    await t.queue.drain();
    const firstIds = t.api.calls.map((c) => c.body.chat_id);
    await t.queue.publish('shop', 'incident:a', state('FIRING (2)'));
    await t.queue.drain();

    const groupId = await t.posted.find('incident:a', 'telegram', '-1001');
    const privateId = await t.posted.find('incident:a', 'telegram', '777');
    expect(firstIds.sort()).toEqual([-1001, 777]);
    expect(t.calls().slice(2).sort()).toEqual([
      ['editMessageText', -1001, Number(groupId), 'FIRING (2)'],
      ['editMessageText', 777, Number(privateId), 'FIRING (2)'],
    ]);
    expect(groupId).not.toEqual(privateId);
    expect(t.queue.stats()).toMatchObject({ accepted: 4, delivered: 4, failed: 0 });
  });

  it('keeps one message per key: another key gets a message of its own', async () => {
    const t = telegram();
    await t.queue.publish('shop', 'incident:a', state('a firing'));
    await t.queue.publish('shop', 'incident:b', state('b firing'));
    await t.queue.publish('shop', 'incident:a', state('a resolved'));
    await t.queue.drain();
    const a = Number(await t.posted.find('incident:a', 'telegram', '-1001'));
    expect(t.calls()).toEqual([
      ['sendMessage', -1001, undefined, 'a firing'],
      ['sendMessage', -1001, undefined, 'b firing'],
      ['editMessageText', -1001, a, 'a resolved'],
    ]);
  });

  it('coalesces publishes of a key that wait, and the second one edits what the first posted (no duplicate post)', async () => {
    const t = telegram();
    // Given a slow sendMessage (200 ms), so the next publishes arrive while the first post is in flight
    let inFlight = false;
    server.use(
      http.post(`${API}/sendMessage`, async () => {
        inFlight = true;
        await delay(200);
      }),
    );
    await t.queue.publish('shop', 'incident:a', state('state 1'));
    await vi.waitFor(() => expect(inFlight).toBe(true));
    for (let n = 2; n <= 5; n++) await t.queue.publish('shop', 'incident:a', state(`state ${n}`));
    await t.queue.drain();
    const id = Number(await t.posted.find('incident:a', 'telegram', '-1001'));
    expect(t.calls()).toEqual([
      ['sendMessage', -1001, undefined, 'state 1'],
      ['editMessageText', -1001, id, 'state 5'],
    ]);
    expect(t.queue.stats()).toMatchObject({ accepted: 5, coalescedPublishes: 3, sends: 2, delivered: 2 });
  });

  it('never merges a publish into a group of announcements', async () => {
    const t = telegram();
    for (let n = 0; n < 6; n++) await t.queue.announce('shop', state(`note ${n}`));
    await t.queue.publish('shop', 'incident:a', state('the living message'));
    for (let n = 6; n < 12; n++) await t.queue.announce('shop', state(`note ${n}`));
    await t.queue.drain();
    const texts = t.api.bodies('sendMessage').map((b) => String(b.text));
    expect(texts.filter((x) => x.includes('the living message'))).toEqual(['the living message']);
    expect(texts.join('\n').match(/note \d+/g)).toHaveLength(12);
    expect(texts.length).toBeLessThan(13); // the announcements were grouped
  });

  it('posts anew and remembers the new id when the message to edit is gone', async () => {
    const posted = new MemoryPostedMessages();
    await posted.remember('incident:a', 'telegram', '-1001', '55', new Date());
    const t = telegram(posted);
    let gone = true;
    t.api.respond((call) => {
      if (call.method !== 'editMessageText' || !gone) return undefined;
      gone = false;
      return HttpResponse.json({ ok: false, error_code: 400, description: 'Bad Request: message to edit not found' }, { status: 400 });
    });
    await t.queue.publish('shop', 'incident:a', state('FIRING (2)'));
    await t.queue.drain();
    const fresh = await posted.find('incident:a', 'telegram', '-1001');
    await t.queue.publish('shop', 'incident:a', state('RESOLVED'));
    await t.queue.drain();

    expect(fresh).not.toBe('55');
    expect(t.calls()).toEqual([
      ['editMessageText', -1001, 55, 'FIRING (2)'],
      ['sendMessage', -1001, undefined, 'FIRING (2)'],
      ['editMessageText', -1001, Number(fresh), 'RESOLVED'],
    ]);
    expect(t.queue.stats()).toMatchObject({ delivered: 2, failed: 0 });
  });

  it('says how many pushes still wait in the outbox (what the next replica would send after a shutdown)', async () => {
    const t = telegram();
    await t.queue.publish('shop', 'incident:a', state('a firing'));
    await t.queue.publish('shop', 'incident:b', state('b firing'));
    expect(await t.queue.pending()).toBeGreaterThanOrEqual(1);
    await t.queue.drain();
    expect(await t.queue.pending()).toBe(0);
  });

  it('edits the message another replica posted anew, not the one this process remembers', async () => {
    const posted = new MemoryPostedMessages();
    const t = telegram(posted);
    await t.queue.publish('shop', 'incident:a', state('FIRING (1)'));
    await t.queue.drain();
    // Another replica found the message deleted, posted it again and recorded the new id.
    await posted.remember('incident:a', 'telegram', '-1001', '9999', new Date());
    await t.queue.publish('shop', 'incident:a', state('FIRING (2)'));
    await t.queue.drain();
    expect(t.calls().at(-1)).toEqual(['editMessageText', -1001, 9999, 'FIRING (2)']);
  });

  it('retries a publish while the store cannot be read, posting nothing until it can', async () => {
    const store = new FlakyStore(2, 0);
    const t = telegram(store);
    await t.queue.publish('shop', 'incident:a', state('FIRING'));
    await t.queue.drain();
    expect(store.findCalls).toBe(3);
    expect(t.calls()).toEqual([['sendMessage', -1001, undefined, 'FIRING']]);
    expect(t.queue.stats()).toMatchObject({ transientRetries: 2, delivered: 1, failed: 0 });
  });

  it('keeps editing in place when remembering failed (the store was down right after the post)', async () => {
    const store = new FlakyStore(0, 1);
    const t = telegram(store);
    await t.queue.publish('shop', 'incident:a', state('FIRING'));
    await t.queue.drain();
    await t.queue.publish('shop', 'incident:a', state('RESOLVED'));
    await t.queue.drain();
    expect(t.calls().map((c) => c[0])).toEqual(['sendMessage', 'editMessageText']);
    expect(t.log.entries.some((e) => e.level === 'error' && /could not remember/.test(e.msg ?? ''))).toBe(true);
  });
});

describe('publish to Slack', () => {
  it('posts with chat.postMessage, remembers the ts, and updates that message with chat.update after', async () => {
    const s = slack();
    await s.queue.publish('shop', 'incident:a', state('FIRING (1)'));
    await s.queue.drain();
    await s.queue.publish('shop', 'incident:a', state('FIRING (2)'));
    await s.queue.drain();
    const ts = await s.posted.find('incident:a', 'slack', 'C0OPS');
    expect(ts).toMatch(/^\d+\.\d+$/);
    expect(s.calls()).toEqual([
      ['chat.postMessage', 'C0OPS', undefined, 'FIRING (1)'],
      ['chat.update', 'C0OPS', ts, 'FIRING (2)'],
    ]);
  });

  it('coalesces publishes of a key that wait behind the first post', async () => {
    const s = slack();
    for (let n = 1; n <= 5; n++) await s.queue.publish('shop', 'incident:a', state(`state ${n}`));
    await s.queue.drain();
    const ts = await s.posted.find('incident:a', 'slack', 'C0OPS');
    expect(s.calls()).toEqual([
      ['chat.postMessage', 'C0OPS', undefined, 'state 1'],
      ['chat.update', 'C0OPS', ts, 'state 5'],
    ]);
    expect(s.queue.stats()).toMatchObject({ accepted: 5, coalescedPublishes: 3, delivered: 2 });
  });

  it.each(['message_not_found', 'cant_update_message'])('posts anew and remembers the new ts when chat.update answers %s', async (error) => {
    const posted = new MemoryPostedMessages();
    await posted.remember('incident:a', 'slack', 'C0OPS', '1548261231.000200', new Date());
    const s = slack(posted);
    s.api.failNext('chat.update', error);
    await s.queue.publish('shop', 'incident:a', state('FIRING (2)'));
    await s.queue.drain();
    const fresh = await posted.find('incident:a', 'slack', 'C0OPS');
    await s.queue.publish('shop', 'incident:a', state('RESOLVED'));
    await s.queue.drain();

    expect(fresh).not.toBe('1548261231.000200');
    expect(s.calls()).toEqual([
      ['chat.update', 'C0OPS', '1548261231.000200', 'FIRING (2)'],
      ['chat.postMessage', 'C0OPS', undefined, 'FIRING (2)'],
      ['chat.update', 'C0OPS', fresh, 'RESOLVED'],
    ]);
  });

  it('in a storm of alert-group changes with 429s, posts each key once per channel and ends on its latest state', async () => {
    // Given Slack answering every 5th call per channel with 429 (Retry-After: 2)
    const timers = scaledTimers(SPEED);
    const api = slackApi(timers, (n) => (n % 5 === 0 ? '429' : undefined));
    server.use(api.handler);
    const channels = ['C0OPS', 'C0ALERTS'];
    const { queue } = testSlackDelivery({ token: SLACK_TOKEN, apiUrl: SLACK_API, posted: new MemoryPostedMessages(), chatsFor: () => channels, logger: recordingLogger().logger, timers });

    // When 1,000 changes of 20 alert groups arrive over 10 s
    for (let i = 0; i < 1000; i++) {
      await queue.publish('shop', `incident:g${i % 20}`, state(`group g${i % 20} change ${i}`));
      if (i % 10 === 9) await timers.sleep(100);
    }
    await queue.drain();

    // Then each channel has exactly one message per group, and its last state is the group's last change
    for (const channel of channels) {
      const ok = api.calls.filter((c) => c.channel === channel && c.status === 'ok');
      const posts = ok.filter((c) => c.method === 'chat.postMessage').map((c) => /group (g\d+)/.exec(c.body.text ?? '')?.[1]);
      expect(posts.sort()).toEqual(Array.from({ length: 20 }, (_, g) => `g${g}`).sort());
      for (let g = 0; g < 20; g++) {
        const last = ok.filter((c) => (c.body.text ?? '').startsWith(`group g${g} `)).at(-1);
        expect(last?.body.text).toBe(`group g${g} change ${980 + g}`);
      }
    }
    expect(api.calls.some((c) => c.status === '429')).toBe(true);
    expect(queue.stats()).toMatchObject({ failed: 0 });
    expect(queue.stats().rateLimited).toBe(api.calls.filter((c) => c.status === '429').length);
  }, 60_000);
});

/** A PostedMessageStore whose first `findFailures` finds and `rememberFailures` remembers throw (a database outage). */
class FlakyStore implements PostedMessageStore {
  private readonly inner = new MemoryPostedMessages();
  findCalls = 0;

  constructor(
    private findFailures: number,
    private rememberFailures: number,
  ) {}

  async find(key: string, platform: Platform, chatId: string): Promise<string | null> {
    this.findCalls += 1;
    if (this.findFailures-- > 0) throw new Error('connection refused');
    return this.inner.find(key, platform, chatId);
  }

  async remember(key: string, platform: Platform, chatId: string, messageId: string, at: Date): Promise<void> {
    if (this.rememberFailures-- > 0) throw new Error('connection refused');
    return this.inner.remember(key, platform, chatId, messageId, at);
  }
}
