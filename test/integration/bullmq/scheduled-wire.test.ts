import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { BullActionScheduler } from '../../../src/adapters/bullmq/bull-action-scheduler.js';
import { wireScheduled } from '../../../src/bot/wire/scheduled.js';
import type { Infrastructure } from '../../../src/bot/wire/infrastructure.js';
import { SCHEDULED_QUEUE } from '../../../src/core/ports/action-scheduler.port.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import type { CoreServices } from '../../../src/core/services.js';
import { connection, uniquePrefix, waitFor } from './redis-test.support.js';

/**
 * The scheduled-actions module takes the queue's jobs only in server mode, as the other job workers do:
 * a shell against the same Redis registers no worker on the queue (counted by BullMQ from Redis' client list).
 */
const prefix = uniquePrefix('scheduled-wire');
const queue = new Queue(SCHEDULED_QUEUE, { connection, prefix });
const infra = { connection, prefix, logger: silentLogger } as unknown as Infrastructure;
// No stores behind it: putting back missing jobs fails and is only logged, which is all start needs here.
const services = {} as CoreServices;

afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
});

describe('scheduled-actions module', () => {
  it('runs a worker on the scheduled queue in server mode and none in the shell', async () => {
    const shell = wireScheduled(infra, services, new BullActionScheduler({ connection, prefix }), { server: false });
    await shell.start?.();
    expect(await queue.getWorkersCount()).toBe(0);

    const server = wireScheduled(infra, services, new BullActionScheduler({ connection, prefix }), { server: true });
    await server.start?.();
    await waitFor(async () => (await queue.getWorkersCount()) === 1);

    for (const m of [shell, server]) {
      await m.stop?.();
      await m.close?.();
    }
    await waitFor(async () => (await queue.getWorkersCount()) === 0);
  });
});
