import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { ACTION_QUEUE } from '../../../src/core/ports/action-queue.port.js';

export const connection = { host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379), maxRetriesPerRequest: null };

/** A queue prefix of its own per test file, so files never see each other's jobs. */
export function uniquePrefix(name: string): string {
  return `deckhand-test-${name}-${randomUUID().slice(0, 8)}`;
}

/** Deletes every key of the prefix's action queue. */
export async function obliterate(prefix: string): Promise<void> {
  const q = new Queue(ACTION_QUEUE, { connection, prefix });
  await q.obliterate({ force: true });
  await q.close();
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
