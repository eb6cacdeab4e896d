import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { actionQueueContract } from '../../contracts/action-queue.contract.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { BullActionQueue } from '../../../src/adapters/bullmq/bull-action.queue.js';
import { startActionWorker, type ActionWorker } from '../../../src/adapters/bullmq/action.worker.js';
import { createActionProcessor } from '../../../src/core/actions/action.processor.js';
import { actionJobId, legacyActionJobId } from '../../../src/core/ports/action-queue.port.js';
import { recoverUnfinished } from '../../../src/core/actions/action-recovery.js';
import { actionFixture, IMAGE } from '../../unit/jobs/action-fixture.js';
import { connection, obliterate, uniquePrefix, waitFor } from './redis-test.support.js';

const prefix = uniquePrefix('queue');
const queue = new BullActionQueue({ connection, prefix });
let worker: ActionWorker | undefined;
const claimedAt = new Date('2026-12-03T10:00:00.123Z');
const later = new Date(claimedAt.getTime() + 1_000);
/** Queues on a prefix of their own (the contract's, and ownQueue's), closed and emptied at the end. */
const ownQueues: { queue: BullActionQueue; prefix: string }[] = [];

afterEach(async () => {
  await worker?.close();
  worker = undefined;
});
afterAll(async () => {
  await queue.close();
  await obliterate(prefix);
  for (const c of ownQueues.splice(0)) {
    await c.queue.close();
    await obliterate(c.prefix);
  }
});

/**
 * A queue on a prefix of its own: every action fixture numbers its actions from pa1 and starts its clock at the
 * same instant, so two tests' jobs would share ids on one prefix.
 */
function ownQueue(name: string): { queue: BullActionQueue; prefix: string } {
  const own = uniquePrefix(name);
  const q = { queue: new BullActionQueue({ connection, prefix: own }), prefix: own };
  ownQueues.push(q);
  return q;
}

describe('BullActionQueue + action worker (real Redis)', () => {
  it('runs an action enqueued twice exactly once', async () => {
    const f = actionFixture();
    const action = await f.claimed('deploy', { replicas: 2 });
    const jobId = actionJobId(action.id, action.claimedAt!);
    const process = createActionProcessor(f.deps);
    const seen: string[] = [];

    await queue.enqueue(action.id, action.claimedAt!);
    await queue.enqueue(action.id, action.claimedAt!);
    expect(await queue.queue.getJobCounts('waiting', 'active')).toMatchObject({ waiting: 1, active: 0 });
    worker = startActionWorker({ connection, prefix, logger: silentLogger, processor: async (id, opts) => { seen.push(id); await process(id, opts); } });
    await waitFor(async () => (await queue.queue.getJob(jobId))?.finishedOn !== undefined);
    const finishedOn = (await queue.queue.getJob(jobId))?.finishedOn;
    await queue.enqueue(action.id, action.claimedAt!); // a late retry of the same claim: the finished job is kept, so no new job

    // Nothing is left for the worker to take, and the one job is the finished one: it cannot run again.
    expect(await queue.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).toMatchObject({ waiting: 0, active: 0, delayed: 0, prioritized: 0 });
    expect((await queue.queue.getJob(jobId))?.finishedOn).toBe(finishedOn);
    await worker.close();
    expect(seen).toEqual([action.id]);
    expect(f.runtime.calls.filter((c) => c.startsWith('replace'))).toEqual([`replace api-1 ${IMAGE}:1.4.2`, `replace api-2 ${IMAGE}:1.4.2`]);
    expect((await f.pendingActions.get(action.id))?.status).toBe('succeeded');
    expect(await (await queue.queue.getJob(jobId))?.getState()).toBe('completed');
  });

  it('reports a job as queued while waiting or running, and not once finished', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    await queue.enqueue('gated1', claimedAt);
    expect(await queue.isQueued('gated1', claimedAt)).toBe(true);
    expect(await queue.isQueued('gated1', later)).toBe(false); // another claim of it has no job
    expect(await queue.isQueued('never-enqueued', claimedAt)).toBe(false);

    worker = startActionWorker({ connection, prefix, logger: silentLogger, processor: () => gate });
    await waitFor(async () => (await (await queue.queue.getJob(actionJobId('gated1', claimedAt)))?.getState()) === 'active');
    expect(await queue.isQueued('gated1', claimedAt)).toBe(true);
    release();
    await waitFor(async () => (await (await queue.queue.getJob(actionJobId('gated1', claimedAt)))?.getState()) === 'completed');

    expect(await queue.isQueued('gated1', claimedAt)).toBe(false);
  });

  it('rejects an action id that is not URL-safe before it reaches Redis', async () => {
    await expect(queue.enqueue('a b:c', claimedAt)).rejects.toThrow(/URL-safe/);
    expect(await queue.queue.getJob(actionJobId('a b:c', claimedAt))).toBeUndefined();
  });
});

/**
 * An enqueue that timed out while Redis dropped had its claim undone, but its `add` can still reach Redis late.
 * The late job is added here directly, as the lost call would have added it.
 */
describe('a job of an undone claim that reaches Redis late (real Redis)', () => {
  /** A claimed deploy whose claim is undone (its enqueue "timed out"), and that claim's job added late. */
  async function undoneClaimWithLateJob() {
    const { queue, prefix } = ownQueue('late-claim');
    const f = actionFixture();
    const first = await f.claimed('deploy', { replicas: 2 });
    expect(await f.pendingActions.unclaim(first.id, first.claimedBy!, first.claimedAt!)).toBe(true);
    const lateJobId = actionJobId(first.id, first.claimedAt!);
    await queue.queue.add('run', { actionId: first.id, claimedAt: first.claimedAt!.toISOString() }, { jobId: lateJobId });
    /** The person clicks again a second later: a new claim, enqueued as the click does. */
    const claimAgain = async () => {
      f.clock.advance(1_000);
      const again = await f.pendingActions.claim(first.id, 'dave', f.clock.now());
      await queue.enqueue(again!.id, again!.claimedAt!);
      return again!;
    };
    const settled = async (jobId: string) => (await (await queue.queue.getJob(jobId))?.getState()) === 'completed';
    return { f, queue, prefix, action: first, lateJobId, claimAgain, settled };
  }

  const replaced = (f: ReturnType<typeof actionFixture>) => f.runtime.calls.filter((c) => c.startsWith('replace'));

  it('is skipped while the action is pending again, and the next claim still gets its job and runs', async () => {
    const { f, queue, prefix, action, lateJobId, claimAgain, settled } = await undoneClaimWithLateJob();
    const seen: string[] = [];
    const process = createActionProcessor(f.deps);
    worker = startActionWorker({ connection, prefix, logger: silentLogger, processor: async (id, opts) => { seen.push(id); await process(id, opts); } });

    // the late job runs while the action is pending: nothing happens
    await waitFor(() => settled(lateJobId));
    expect((await f.pendingActions.get(action.id))?.status).toBe('pending');
    expect(f.runtime.calls).toEqual([]);

    // the click again adds a job of its own (the late one is kept, finished) and the deploy runs
    const again = await claimAgain();
    const jobId = actionJobId(action.id, again.claimedAt!);
    expect(jobId).not.toBe(lateJobId);
    await waitFor(() => settled(jobId));
    expect((await f.pendingActions.get(action.id))?.status).toBe('succeeded');
    expect(seen).toEqual([action.id, action.id]);
    expect(replaced(f)).toEqual([`replace api-1 ${IMAGE}:1.4.2`, `replace api-2 ${IMAGE}:1.4.2`]);
  });

  it('is skipped when it is taken together with the next claim\'s job, which runs once', async () => {
    const { f, queue, prefix, action, lateJobId, claimAgain, settled } = await undoneClaimWithLateJob();
    const again = await claimAgain();
    const jobId = actionJobId(action.id, again.claimedAt!);
    expect(await queue.queue.getJobCounts('waiting')).toMatchObject({ waiting: 2 });
    expect(await queue.isQueued(action.id, again.claimedAt)).toBe(true);

    // one worker takes both at once (concurrency 4): the late job must not stand in for the current one
    worker = startActionWorker({ connection, prefix, logger: silentLogger, processor: createActionProcessor(f.deps) });
    await waitFor(async () => (await settled(lateJobId)) && (await settled(jobId)));

    expect((await f.pendingActions.get(action.id))?.status).toBe('succeeded');
    expect(replaced(f)).toEqual([`replace api-1 ${IMAGE}:1.4.2`, `replace api-2 ${IMAGE}:1.4.2`]);
    expect(f.deployments.rows).toHaveLength(1);
  });

  it('does not count as the current claim\'s job for recovery', async () => {
    const { f, queue, action, lateJobId } = await undoneClaimWithLateJob();
    f.clock.advance(1_000);
    const again = (await f.pendingActions.claim(action.id, 'dave', f.clock.now()))!;
    // the second enqueue failed too, and its claim could not be undone: only the late job of the first claim is there
    expect(await (await queue.queue.getJob(lateJobId))?.getState()).toBe('waiting');
    expect(await queue.isQueued(action.id, again.claimedAt)).toBe(false);

    const recovered = await recoverUnfinished({ ...f.deps, isQueued: (id, at) => queue.isQueued(id, at) });

    expect(recovered.map((r) => r.actionId)).toEqual([action.id]);
    expect((await f.pendingActions.get(action.id))?.status).toBe('failed');
  });

  it('leaves recovery alone while the current claim\'s job waits', async () => {
    const { f, queue, action, claimAgain } = await undoneClaimWithLateJob();
    const again = await claimAgain();

    expect(await recoverUnfinished({ ...f.deps, isQueued: (id, at) => queue.isQueued(id, at) })).toEqual([]);
    expect((await f.pendingActions.get(action.id))?.claimedAt).toEqual(again.claimedAt);
  });
});

describe('a job queued before claims were part of the job id (real Redis)', () => {
  it('still runs its claimed action once, and counts as queued for recovery', async () => {
    const { queue, prefix } = ownQueue('legacy-job');
    const f = actionFixture();
    const action = await f.claimed('deploy', { replicas: 2 });
    const oldId = legacyActionJobId(action.id);
    await queue.queue.add('run', { actionId: action.id }, { jobId: oldId });
    expect(await queue.isQueued(action.id, action.claimedAt)).toBe(true);
    expect(await recoverUnfinished({ ...f.deps, isQueued: (id, at) => queue.isQueued(id, at) })).toEqual([]);
    const abandoned: string[] = [];

    worker = startActionWorker({ connection, prefix, logger: silentLogger, processor: createActionProcessor(f.deps), onAbandoned: (id) => void abandoned.push(id) });
    await waitFor(async () => (await (await queue.queue.getJob(oldId))?.getState()) === 'completed');

    expect((await f.pendingActions.get(action.id))?.status).toBe('succeeded');
    expect(f.runtime.calls.filter((c) => c.startsWith('replace'))).toEqual([`replace api-1 ${IMAGE}:1.4.2`, `replace api-2 ${IMAGE}:1.4.2`]);
    expect(await queue.isQueued(action.id, action.claimedAt)).toBe(false);
    expect(abandoned).toEqual([]);
  });
});

/**
 * The contract on BullMQ: `drain` starts an action worker on the queue's prefix, waits until nothing is
 * waiting, delayed or running any more (every job it took has finished), and stops it.
 */
actionQueueContract(async () => {
  const own = uniquePrefix('queue-contract');
  const bull = new BullActionQueue({ connection, prefix: own });
  ownQueues.push({ queue: bull, prefix: own });
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
