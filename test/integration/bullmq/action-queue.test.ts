import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { actionQueueContract } from '../../contracts/action-queue.contract.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { BullActionQueue } from '../../../src/adapters/bullmq/bull-action.queue.js';
import { startActionWorker, type ActionWorker } from '../../../src/adapters/bullmq/action.worker.js';
import { createActionProcessor } from '../../../src/core/actions/action.processor.js';
import { actionJobId } from '../../../src/core/ports/action-queue.port.js';
import { actionFixture, IMAGE } from '../../unit/jobs/action-fixture.js';
import { connection, obliterate, uniquePrefix, waitFor } from './redis-test.support.js';

const prefix = uniquePrefix('queue');
const queue = new BullActionQueue({ connection, prefix });
let worker: ActionWorker | undefined;
/** The contract's queues, one prefix each. */
const contractQueues: { queue: BullActionQueue; prefix: string }[] = [];

afterEach(async () => {
  await worker?.close();
  worker = undefined;
});
afterAll(async () => {
  await queue.close();
  await obliterate(prefix);
  for (const c of contractQueues.splice(0)) {
    await c.queue.close();
    await obliterate(c.prefix);
  }
});

describe('BullActionQueue + action worker (real Redis)', () => {
  it('runs an action enqueued twice exactly once', async () => {
    const f = actionFixture();
    const action = await f.claimed('deploy', { replicas: 2 });
    const process = createActionProcessor(f.deps);
    const seen: string[] = [];

    await queue.enqueue(action.id);
    await queue.enqueue(action.id);
    expect(await queue.queue.getJobCounts('waiting', 'active')).toMatchObject({ waiting: 1, active: 0 });
    worker = startActionWorker({ connection, prefix, logger: silentLogger, processor: async (id) => { seen.push(id); await process(id); } });
    await waitFor(async () => (await queue.queue.getJob(actionJobId(action.id)))?.finishedOn !== undefined);
    const finishedOn = (await queue.queue.getJob(actionJobId(action.id)))?.finishedOn;
    await queue.enqueue(action.id); // a late double click: the finished job is kept, so no new job

    // Nothing is left for the worker to take, and the one job is the finished one: it cannot run again.
    expect(await queue.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).toMatchObject({ waiting: 0, active: 0, delayed: 0, prioritized: 0 });
    expect((await queue.queue.getJob(actionJobId(action.id)))?.finishedOn).toBe(finishedOn);
    await worker.close();
    expect(seen).toEqual([action.id]);
    expect(f.runtime.calls.filter((c) => c.startsWith('replace'))).toEqual([`replace api-1 ${IMAGE}:1.4.2`, `replace api-2 ${IMAGE}:1.4.2`]);
    expect((await f.pendingActions.get(action.id))?.status).toBe('succeeded');
    expect(await (await queue.queue.getJob(actionJobId(action.id)))?.getState()).toBe('completed');
  });

  it('reports a job as queued while waiting or running, and not once finished', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    await queue.enqueue('gated1');
    expect(await queue.isQueued('gated1')).toBe(true);
    expect(await queue.isQueued('never-enqueued')).toBe(false);

    worker = startActionWorker({ connection, prefix, logger: silentLogger, processor: () => gate });
    await waitFor(async () => (await (await queue.queue.getJob(actionJobId('gated1')))?.getState()) === 'active');
    expect(await queue.isQueued('gated1')).toBe(true);
    release();
    await waitFor(async () => (await (await queue.queue.getJob(actionJobId('gated1')))?.getState()) === 'completed');

    expect(await queue.isQueued('gated1')).toBe(false);
  });

  it('rejects an action id that is not URL-safe before it reaches Redis', async () => {
    await expect(queue.enqueue('a b:c')).rejects.toThrow(/URL-safe/);
    expect(await queue.queue.getJob(actionJobId('a b:c'))).toBeUndefined();
  });
});

/**
 * The contract on BullMQ: `drain` starts an action worker on the queue's prefix, waits until nothing is
 * waiting, delayed or running any more (every job it took has finished), and stops it.
 */
actionQueueContract(async () => {
  const own = uniquePrefix('queue-contract');
  const bull = new BullActionQueue({ connection, prefix: own });
  contractQueues.push({ queue: bull, prefix: own });
  return {
    queue: bull,
    async drain() {
      const ran: string[] = [];
      const drainer = startActionWorker({ connection, prefix: own, logger: silentLogger, processor: async (id) => void ran.push(id) });
      try {
        await waitFor(async () => {
          const counts = await bull.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
          return Object.values(counts).every((n) => n === 0);
        });
      } finally {
        await drainer.close();
      }
      return ran;
    },
  };
});
