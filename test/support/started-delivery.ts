/**
 * The platforms' delivery queues as tests use them: over an in-memory outbox unless one is given, started
 * (their outbox workers running), and stopped after each test of the file that imports this.
 */
import { afterEach } from 'vitest';
import type { DeliveryQueue } from '../../src/adapters/notifier/delivery.queue.js';
import { createSlackDelivery, type SlackDeliveryOptions } from '../../src/adapters/slack/slack.delivery.js';
import { createTelegramDelivery, type TelegramDeliveryOptions } from '../../src/adapters/telegram/telegram.delivery.js';
import { MemoryOutbox } from '../fakes/memory-outbox.js';

const running = new Set<DeliveryQueue>();

afterEach(async () => {
  await Promise.all([...running].map((q) => q.stop()));
  running.clear();
});

function started<T extends { queue: DeliveryQueue }>(made: T): T {
  made.queue.start();
  running.add(made.queue);
  return made;
}

export function testTelegramDelivery(opts: Omit<TelegramDeliveryOptions, 'outbox'> & { outbox?: TelegramDeliveryOptions['outbox'] }) {
  return started(createTelegramDelivery({ ...opts, outbox: opts.outbox ?? new MemoryOutbox() }));
}

export function testSlackDelivery(opts: Omit<SlackDeliveryOptions, 'outbox'> & { outbox?: SlackDeliveryOptions['outbox'] }) {
  return started(createSlackDelivery({ ...opts, outbox: opts.outbox ?? new MemoryOutbox() }));
}
