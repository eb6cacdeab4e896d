/**
 * A reply longer than one Telegram message goes out as several; a try cut short between two of them (the
 * replica died, a 429) goes on with the next one, through grammY's real Api against the fake Bot API.
 */
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postParts } from '../../../../src/adapters/notifier/delivery.parts.js';
import type { OutboxStore } from '../../../../src/adapters/notifier/outbox.port.js';
import type { RateLimits } from '../../../../src/adapters/notifier/delivery.rate-gate.js';
import { createTelegramDelivery } from '../../../../src/adapters/telegram/telegram.delivery.js';
import { renderTelegram } from '../../../../src/adapters/telegram/telegram.renderer.js';
import { renderSlack } from '../../../../src/adapters/slack/slack.renderer.js';
import { scaledTimers } from '../../../../src/adapters/notifier/delivery.timers.js';
import type { Reply } from '../../../../src/core/messages/reply.js';
import { silentLogger } from '../../../../src/core/ports/logger.port.js';
import { MemoryOutbox } from '../../../fakes/memory-outbox.js';
import { MemoryPostedMessages } from '../../../fakes/memory-posted-messages.js';
import { testSlackDelivery, testTelegramDelivery } from '../../../support/started-delivery.js';
import { SLACK_API, SLACK_TOKEN, slackApi } from './slack-storm.api.js';
import { API, TOKEN, createBotApi } from '../telegram/bot-api.fake.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** Three Telegram messages' worth of lines, each line numbered. */
const long: Reply = {
  tone: 'info',
  text: 'long',
  blocks: [{ type: 'text', text: Array.from({ length: 330 }, (_, i) => `line ${String(i).padStart(3, '0')} of a long deploy log`).join('\n') }],
};
const fast: RateLimits = { chatWindows: () => [{ limit: 100, windowMs: 1000 }], global: { limit: 100, windowMs: 1000 } };
const delivery = (holder: string) => ({ leaseMs: 300, pollMs: 20, holder });

/** `outbox` as a replica that died sees it: once `dead()` holds, nothing it asks is ever answered. */
function dying(outbox: OutboxStore, dead: () => boolean): OutboxStore {
  return new Proxy(outbox, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => (dead() ? new Promise(() => undefined) : (value as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
}

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(done()).toBe(true);
}

describe('a reply in several messages', () => {
  it('is taken over after a replica died between two of its messages and goes on with the next one', async () => {
    expect(renderTelegram(long)).toHaveLength(3);
    const api = createBotApi();
    let dead = false;
    let sends = 0;
    // The first replica's second sendMessage never comes back: the process died with it in flight.
    server.use(
      http.post(`${API}/sendMessage`, async () => {
        sends += 1;
        if (sends !== 2) return undefined;
        dead = true;
        return new Promise<never>(() => undefined);
      }),
      api.handler,
    );
    const shared = new MemoryOutbox();
    const posted = new MemoryPostedMessages();
    const first = createTelegramDelivery({ token: TOKEN, outbox: dying(shared, () => dead), posted, chatsFor: () => [], logger: silentLogger, limits: fast, delivery: delivery('first') });
    first.queue.start();
    await first.queue.send('42', long);
    await until(() => dead);
    // Another replica takes the chat once the dead one's lease lapsed.
    const { queue } = testTelegramDelivery({ token: TOKEN, outbox: shared, posted, chatsFor: () => [], logger: silentLogger, limits: fast, delivery: delivery('second') });
    await queue.drain();

    const texts = api.bodies('sendMessage').map((b) => String(b.text));
    expect(texts).toHaveLength(3);
    expect(texts[0]).toContain('line 000');
    expect(texts.filter((t) => t.includes('line 000'))).toHaveLength(1);
    expect(texts[2]).toContain('line 329');
    const [row] = shared.ended('sent');
    expect(row!.parts).toHaveLength(3);
    expect(row!.messageId).toBe(row!.parts![0]);
  });

  it('goes on with the next message after a 429 between two of them', async () => {
    const api = createBotApi();
    let sends = 0;
    api.respond((call) => {
      if (call.method !== 'sendMessage' || ++sends !== 2) return undefined;
      return HttpResponse.json({ ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } }, { status: 429 });
    });
    server.use(api.handler);
    const outbox = new MemoryOutbox();
    const { queue } = testTelegramDelivery({ token: TOKEN, outbox, posted: new MemoryPostedMessages(), chatsFor: () => [], logger: silentLogger, limits: fast, delivery: delivery('one') });
    await queue.send('42', long);
    await queue.drain();
    // The 429'd call was made once more; the first message was not posted again.
    const texts = api.bodies('sendMessage').map((b) => String(b.text));
    expect(texts).toHaveLength(4);
    expect(texts.filter((t) => t.includes('line 000'))).toHaveLength(1);
    expect(texts[1]).toBe(texts[2]);
    expect(outbox.ended('sent')[0]!.parts).toHaveLength(3);
  });
});

describe('a Slack message in several parts', () => {
  /** 120 sections: more than two Slack messages of 50 blocks. */
  const longSlack: Reply = { tone: 'info', text: 'long', blocks: Array.from({ length: 120 }, (_, i) => ({ type: 'text' as const, text: `section ${String(i).padStart(3, '0')}` })) };

  it('goes on with the next message after a 429 between two of them, through the real WebClient', async () => {
    expect(renderSlack(longSlack).length).toBeGreaterThanOrEqual(3);
    const timers = scaledTimers(40);
    const api = slackApi(timers, (n, call) => (call.method === 'chat.postMessage' && n === 2 ? '429' : undefined));
    server.use(api.handler);
    const outbox = new MemoryOutbox();
    const { queue } = testSlackDelivery({ token: SLACK_TOKEN, apiUrl: SLACK_API, outbox, posted: new MemoryPostedMessages(), chatsFor: () => [], logger: silentLogger, timers });
    await queue.send('C0OPS', longSlack);
    await queue.drain();
    const texts = api.calls.filter((c) => c.method === 'chat.postMessage').map((c) => `${c.status} ${c.body.blocks ?? ''}`);
    // The 429'd call was made once more; the first message was not posted again.
    expect(texts.filter((t) => t.includes('section 000'))).toHaveLength(1);
    expect(texts).toHaveLength(renderSlack(longSlack).length + 1);
    const [row] = outbox.ended('sent');
    expect(row!.parts).toHaveLength(renderSlack(longSlack).length);
    expect(row!.messageId).toBe(row!.parts![0]);
  });
});

describe('postParts', () => {
  it('records each part of a several-part reply, and nothing for a reply of one part (its row is marked sent next)', async () => {
    const recorded: string[][] = [];
    const progress = { posted: [] as string[], record: async (ids: readonly string[]) => void recorded.push([...ids]) };
    expect(await postParts([async () => 'm1'], progress)).toEqual(['m1']);
    expect(recorded).toEqual([]);
    expect(await postParts([async () => 'm1', async () => undefined, async () => 'm3'], progress)).toEqual(['m1', '', 'm3']);
    expect(recorded).toEqual([['m1'], ['m1', ''], ['m1', '', 'm3']]);
    expect(await postParts([async () => 'x', async () => 'm2'], { posted: ['m1'], record: async () => undefined })).toEqual(['m1', 'm2']);
  });
});
