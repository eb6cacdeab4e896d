import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { BullActionQueue } from '../../../src/adapters/bullmq/bull-action.queue.js';
import { actionJobId } from '../../../src/core/ports/action-queue.port.js';
import { QueueUnavailableError } from '../../../src/core/ports/store-errors.js';
import { uniquePrefix, waitFor } from './redis-test.support.js';

/** A TCP port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A private redis-server of this file (the shared one stays up): started and stopped at will. */
function privateRedis(port: number) {
  return {
    start: () => execFileSync('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'yes']),
    stop: () => {
      try {
        execFileSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave'], { stdio: 'ignore' });
      } catch {
        // already stopped
      }
    },
  };
}

const queues: BullActionQueue[] = [];
const redisServers: ReturnType<typeof privateRedis>[] = [];
const claimedAt = new Date('2026-12-03T10:00:00.123Z');
afterAll(async () => {
  for (const r of redisServers) r.stop();
  await Promise.all(queues.map((q) => q.close().catch(() => {})));
});

/** Runs `call` and returns what it rejected with and how long that took. */
async function rejection(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await call();
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('expected a rejection');
}

describe('BullActionQueue while Redis cannot be reached (real BullMQ)', () => {
  it('rejects an enqueue with QueueUnavailableError within its timeout when nothing listens on the port', async () => {
    const queue = new BullActionQueue({ connection: { host: '127.0.0.1', port: await freePort(), maxRetriesPerRequest: null }, prefix: uniquePrefix('nobody'), timeoutMs: 1_000 });
    queues.push(queue);
    queue.queue.on('error', () => {});
    const { error, ms } = await rejection(() => queue.enqueue('pa1', claimedAt));
    expect(error).toBeInstanceOf(QueueUnavailableError);
    expect(error).toMatchObject({ store: 'job queue' });
    expect(ms).toBeLessThan(2_500);
    expect(await queue.reachable()).toBe(false);
  });

  it('turns a Redis that goes away into a bounded QueueUnavailableError, and enqueues again once it is back', async () => {
    const port = await freePort();
    const redis = privateRedis(port);
    redisServers.push(redis);
    redis.start();
    const queue = new BullActionQueue({ connection: { host: '127.0.0.1', port, maxRetriesPerRequest: null }, prefix: uniquePrefix('outage') });
    queues.push(queue);
    queue.queue.on('error', () => {});
    await waitFor(() => queue.reachable());
    await queue.enqueue('pa1', claimedAt);
    expect(await queue.isQueued('pa1', claimedAt)).toBe(true);

    redis.stop();
    await waitFor(async () => !(await queue.reachable()));
    const { error, ms } = await rejection(() => queue.enqueue('pa2', claimedAt));
    expect(error).toBeInstanceOf(QueueUnavailableError);
    expect(ms).toBeLessThan(3_500); // the default bound is 3 s

    redis.start(); // an empty server (nothing was saved): pa1 is gone with it
    await waitFor(() => queue.reachable(), 20_000);
    await queue.enqueue('pa2', claimedAt);
    expect((await queue.queue.getJob(actionJobId('pa2', claimedAt)))?.data).toEqual({ actionId: 'pa2', claimedAt: claimedAt.toISOString() });
  }, 40_000);
});
