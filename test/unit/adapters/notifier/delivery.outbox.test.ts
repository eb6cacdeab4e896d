import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { scaledTimers } from '../../../../src/adapters/notifier/delivery.timers.js';
import type { NewOutboxEntry } from '../../../../src/adapters/notifier/outbox.port.js';
import { replies } from '../../../../src/core/messages/reply-builder.js';
import { StoreUnavailableError } from '../../../../src/core/ports/store-errors.js';
import { MemoryOutbox } from '../../../fakes/memory-outbox.js';
import { MemoryPostedMessages } from '../../../fakes/memory-posted-messages.js';
import { createTelegramDelivery } from '../../../../src/adapters/telegram/telegram.delivery.js';
import type { UnitOfWork } from '../../../../src/core/ports/unit-of-work.port.js';
import { MemoryUnitOfWork } from '../../../fakes/memory-unit-of-work.js';
import { testTelegramDelivery } from '../../../support/started-delivery.js';
import { TOKEN, createBotApi } from '../telegram/bot-api.fake.js';
import { recordingLogger } from '../telegram/recording-core.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** An outbox that can be made unreachable (as PrismaOutbox is while PostgreSQL is away) or refuse some pushes. */
class FlakyOutbox extends MemoryOutbox {
  down = false;
  refuse: (e: NewOutboxEntry) => boolean = () => false;
  override async put(entry: NewOutboxEntry) {
    if (this.down) throw new StoreUnavailableError('database');
    if (this.refuse(entry)) throw new Error('invalid input syntax for type json');
    return super.put(entry);
  }
  override async claimLanes(...args: Parameters<MemoryOutbox['claimLanes']>) {
    if (this.down) throw new StoreUnavailableError('database');
    return super.claimLanes(...args);
  }
}

function setup(outbox: FlakyOutbox) {
  const api = createBotApi();
  server.use(api.handler);
  const log = recordingLogger();
  const { queue } = testTelegramDelivery({ token: TOKEN, posted: new MemoryPostedMessages(), outbox, chatsFor: () => ['42'], logger: log.logger, timers: scaledTimers(40) });
  const sent = () => api.bodies('sendMessage').map((b) => b.text);
  return { queue, log, sent };
}

describe('DeliveryQueue over an outbox that fails', () => {
  it('keeps pushes in memory while the outbox is unreachable and sends them, in order, once it is back', async () => {
    const outbox = new FlakyOutbox();
    const { queue, log, sent } = setup(outbox);
    await queue.announce('shop', replies.info('before'));
    await queue.drain();
    outbox.down = true;
    for (const n of [1, 2, 3]) await queue.announce('shop', replies.info(`during ${n}`));
    expect(await queue.pending()).toBe(3);
    outbox.down = false;
    await queue.announce('shop', replies.info('after'));
    await queue.drain();
    expect(sent().join('\n')).toMatch(/before[\s\S]*during 1[\s\S]*during 2[\s\S]*during 3[\s\S]*after/);
    // One warning for the outage, not one per push.
    expect(log.entries.filter((e) => e.msg === 'outbox not writable; the push waits in memory until it is')).toHaveLength(1);
    expect(queue.stats()).toMatchObject({ accepted: 5, delivered: 5, failed: 0 });
  });

  it('drops a push the outbox refuses for its data, with one error line, and delivers the ones behind it', async () => {
    const outbox = new FlakyOutbox();
    outbox.refuse = (e) => e.payload.reply.text.includes('poison');
    const { queue, log, sent } = setup(outbox);
    await queue.announce('shop', replies.info('poison'));
    await queue.announce('shop', replies.info('fine'));
    await queue.drain();
    expect(sent()).toEqual(['fine']);
    expect(log.entries.filter((e) => e.msg === 'the outbox refused a push; dropped')).toHaveLength(1);
    expect(queue.stats()).toMatchObject({ failed: 1, delivered: 1 });
  });

  it('says so when it stops with pushes still kept in memory', async () => {
    const outbox = new FlakyOutbox();
    const { queue, log } = setup(outbox);
    outbox.down = true;
    await queue.announce('shop', replies.info('stranded'));
    await queue.stop();
    expect(log.entries.some((e) => e.level === 'error' && e.msg === 'stopping while the outbox was unwritable: pushes kept in memory are lost')).toBe(true);
  });
});

describe('pushes kept in memory and the pushes that do not wait behind them', () => {
  /** A queue not started yet (nothing flushes its memory until `start`), and a unit of work whose pushes are the queue's. */
  function unstarted(outbox: FlakyOutbox) {
    const api = createBotApi();
    server.use(api.handler);
    const { queue } = createTelegramDelivery({ token: TOKEN, posted: new MemoryPostedMessages(), outbox, chatsFor: () => ['42'], logger: recordingLogger().logger, timers: scaledTimers(40) });
    const committed: (() => void)[] = [];
    const memory = new MemoryUnitOfWork({ notifier: queue.within(outbox, (callback) => committed.push(callback)) }, [outbox]);
    const unit: UnitOfWork = {
      run: async (work) => {
        committed.length = 0;
        const done = await memory.run(work);
        for (const callback of committed.splice(0)) callback();
        return done;
      },
    };
    const deliver = async () => {
      queue.start();
      try {
        await queue.drain();
      } finally {
        await queue.stop();
      }
    };
    return { queue, unit, deliver, sent: () => api.bodies('sendMessage').map((b) => b.text).join('\n') };
  }

  async function outage(outbox: FlakyOutbox, queue: { announce: (p: string, r: ReturnType<typeof replies.info>) => Promise<void> }) {
    outbox.down = true;
    for (const n of [1, 2]) await queue.announce('shop', replies.info(`during ${n}`));
    outbox.down = false;
  }

  it('a unit’s push to a chat with pushes in memory is delivered after them', async () => {
    const outbox = new FlakyOutbox();
    const { queue, unit, deliver, sent } = unstarted(outbox);
    await outage(outbox, queue);
    await unit.run(({ notifier }) => notifier.announce('shop', replies.info('from the unit')));
    expect(await queue.pending()).toBe(3);
    await deliver();
    expect(sent()).toMatch(/during 1[\s\S]*during 2[\s\S]*from the unit/);
    expect(queue.stats()).toMatchObject({ delivered: 3, duplicates: 0, failed: 0 });
  });

  it('a unit that rolls back leaves the pushes in memory to go out later, once each', async () => {
    const outbox = new FlakyOutbox();
    const { queue, unit, deliver, sent } = unstarted(outbox);
    await outage(outbox, queue);
    await expect(
      unit.run(async ({ notifier }) => {
        await notifier.announce('shop', replies.info('rolled back'));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await unit.run(({ notifier }) => notifier.announce('shop', replies.info('committed')));
    await deliver();
    expect(sent()).toMatch(/during 1[\s\S]*during 2[\s\S]*committed/);
    expect(sent()).not.toContain('rolled back');
    expect(sent().match(/during 1/g)).toHaveLength(1);
  });

  it('a reply to a chat with pushes in memory is delivered after them', async () => {
    const outbox = new FlakyOutbox();
    const { queue, deliver, sent } = unstarted(outbox);
    await outage(outbox, queue);
    await queue.reply('42', replies.info('the reply'), { key: 'reply:1' });
    await deliver();
    expect(sent()).toMatch(/during 1[\s\S]*during 2[\s\S]*the reply/);
  });
});
