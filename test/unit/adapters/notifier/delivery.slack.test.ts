import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { slackFits } from '../../../../src/adapters/slack/slack.delivery.js';
import { scaledTimers } from '../../../../src/adapters/notifier/delivery.timers.js';
import { ReplyBuilder } from '../../../../src/core/messages/reply-builder.js';
import type { Reply } from '../../../../src/core/messages/reply.js';
import { MemoryPostedMessages } from '../../../fakes/memory-posted-messages.js';
import { recordingLogger } from '../telegram/recording-core.js';
import { SLACK_API, SLACK_TOKEN, slackApi, type SlackCall } from './slack-storm.api.js';
import { testSlackDelivery } from '../../../support/started-delivery.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const CHANNELS = ['C0OPS', 'C0ALERTS', 'G0ONCALL'];
/** Virtual time runs 40× faster: Slack's minute window takes 1.5 s. */
const SPEED = 40;

function alert(i: number): Reply {
  const id = `A${String(i).padStart(4, '0')}`;
  const b = new ReplyBuilder(i % 3 === 0 ? 'error' : 'warning')
    .header(`ALERT ${id} firing`)
    .text(`HighLatency on web-${i % 17}: p99 > 250 ms <shop/prod> & rising`);
  if (i % 100 === 0) b.block({ type: 'buttons', buttons: [{ label: 'Acknowledge', actionId: 'alert.ack', pendingId: `p${i}` }] });
  return b.build();
}

const textOf = (c: SlackCall) => c.body.text ?? '';
const blocksOf = (c: SlackCall) => JSON.parse(c.body.blocks ?? '[]') as { type: string }[];

/** Per channel, the 4th, 11th, 18th... call answers 429 (Retry-After: 2), the 6th and 17th 503, the 9th fails at the network. */
const storm = (n: number) => (n % 7 === 4 ? '429' : n === 6 || n === 17 ? '5xx' : n === 9 ? 'network' : undefined);

describe('DeliveryQueue over the real SlackDeliveryTarget and WebClient: an alert storm', () => {
  it('delivers 1,000 alerts to 3 channels in grouped messages within the limits, waiting out 429s and retrying 5xx and network errors', async () => {
    // Given Slack answering some 429s with Retry-After, some 503s and network failures, and three bound channels
    const timers = scaledTimers(SPEED);
    const api = slackApi(timers, storm);
    server.use(api.handler);
    const log = recordingLogger();
    const { queue } = testSlackDelivery({
      token: SLACK_TOKEN,
      apiUrl: SLACK_API,
      posted: new MemoryPostedMessages(),
      chatsFor: (p) => (p === 'shop' ? CHANNELS : []),
      logger: log.logger,
      timers,
      backoff: { baseMs: 500, maxMs: 4000 },
    });

    // When 1,000 announcements arrive over 10 s (10 every 100 ms)
    for (let batch = 0; batch < 100; batch++) {
      for (let i = batch * 10; i < batch * 10 + 10; i++) await queue.announce('shop', alert(i));
      await timers.sleep(100);
    }
    await queue.drain();

    // Then every alert reached every channel exactly once, in messages within Slack's size limits
    const delivered = api.delivered('chat.postMessage');
    for (const channel of CHANNELS) {
      const texts = delivered.filter((c) => c.channel === channel).map(textOf).join('\n');
      for (let i = 0; i < 1000; i++) {
        const id = `A${String(i).padStart(4, '0')}`;
        expect(texts.split(`ALERT ${id} firing`).length - 1, `${id} in ${channel}`).toBe(1);
      }
    }
    for (const c of api.calls) {
      expect(textOf(c).length).toBeLessThanOrEqual(40_000);
      expect(blocksOf(c).length).toBeLessThanOrEqual(50);
    }
    // Grouped: far fewer messages than 3,000 alerts (how many depends on how the backlog builds while they are put).
    expect(delivered.length).toBeLessThan(400);
    expect(queue.stats()).toMatchObject({ accepted: 3000, delivered: 3000, failed: 0 });

    // And each channel got at most 1 call per second; overall at most 4 per second and 100 per minute
    for (const channel of CHANNELS) {
      const times = api.calls.filter((c) => c.channel === channel).map((c) => c.at);
      for (let k = 1; k < times.length; k++) expect(times[k]! - times[k - 1]!).toBeGreaterThanOrEqual(999);
    }
    const all = api.calls.map((c) => c.at).sort((a, b) => a - b);
    for (let k = 4; k < all.length; k++) expect(all[k]! - all[k - 4]!).toBeGreaterThanOrEqual(999);
    for (let k = 100; k < all.length; k++) expect(all[k]! - all[k - 100]!).toBeGreaterThanOrEqual(59_999);

    // And every 429 was waited out (Retry-After honoured) and retried; 503s and network errors were retried
    const rateLimited = api.calls.filter((c) => c.status === '429');
    expect(rateLimited.length).toBeGreaterThanOrEqual(9);
    for (const hit of rateLimited) {
      const next = api.calls.find((c) => c.channel === hit.channel && c.at > hit.at);
      expect(next, `a retry after the 429 at ${hit.at}`).toBeDefined();
      expect(next!.at - hit.at).toBeGreaterThanOrEqual(hit.retryAfter! * 1000 - 1);
    }
    expect(queue.stats().rateLimited).toBe(rateLimited.length);
    expect(queue.stats().transientRetries).toBe(api.calls.filter((c) => c.status === '5xx' || c.status === 'network').length);
    expect(JSON.stringify(log.entries)).not.toContain(SLACK_TOKEN);
  }, 60_000);

  it('gives up on a channel that refuses for good (channel_not_found) without holding up the others', async () => {
    const timers = scaledTimers(SPEED);
    const api = slackApi(timers);
    server.use(api.handler);
    api.failNext('chat.postMessage', 'channel_not_found');
    const log = recordingLogger();
    const { queue } = testSlackDelivery({ token: SLACK_TOKEN, apiUrl: SLACK_API, posted: new MemoryPostedMessages(), chatsFor: () => ['C0GONE', 'C0OPS'], logger: log.logger, timers });

    await queue.announce('shop', alert(7));
    await queue.drain();

    expect(api.calls.map((c) => [c.channel, c.status])).toEqual([
      ['C0GONE', 'error'],
      ['C0OPS', 'ok'],
    ]);
    expect(queue.stats()).toMatchObject({ accepted: 2, delivered: 1, failed: 1, rateLimited: 0, transientRetries: 0 });
    expect(log.entries.find((e) => e.msg === 'push failed permanently; dropped')?.obj).toMatchObject({ chatId: 'C0GONE', pushes: 1 });
  });

  it('sends only the latest of the edits of a message that waited in the queue, with chat.update', async () => {
    const timers = scaledTimers(SPEED);
    const api = slackApi(timers);
    server.use(api.handler);
    const { queue } = testSlackDelivery({ token: SLACK_TOKEN, apiUrl: SLACK_API, posted: new MemoryPostedMessages(), chatsFor: () => [], logger: recordingLogger().logger, timers });
    const ref = { platform: 'slack' as const, chatId: 'C0OPS', messageId: '1548261231.000200' };
    for (let n = 1; n <= 5; n++) await queue.edit(ref, new ReplyBuilder('info').text(`deploy step ${n}/5`).build());
    await queue.drain();

    expect(api.calls.map((c) => [c.method, c.body.ts, c.body.text])).toEqual([
      ['chat.update', '1548261231.000200', 'deploy step 1/5'],
      ['chat.update', '1548261231.000200', 'deploy step 5/5'],
    ]);
    expect(queue.stats()).toMatchObject({ accepted: 5, coalescedEdits: 3, sends: 2 });
  });
});

describe('Slack delivery settings', () => {
  it('counts a reply as fitting only when it renders as one Slack message (50 blocks at most)', () => {
    const blocks = (n: number) => {
      const b = new ReplyBuilder('info');
      for (let i = 0; i < n; i++) b.text(`line ${i}`);
      return b.build();
    };
    expect(slackFits(blocks(50))).toBe(true);
    expect(slackFits(blocks(51))).toBe(false);
  });
});
