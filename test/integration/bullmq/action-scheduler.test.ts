/**
 * The scheduled actions' delayed jobs on real Redis (BullMQ): one job per action, kept when scheduled again
 * for the same time, replaced when it waits for another time or has ended.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { BullActionScheduler } from '../../../src/adapters/bullmq/bull-action-scheduler.js';
import { scheduledJobId } from '../../../src/core/ports/action-scheduler.port.js';
import { connection, uniquePrefix } from './redis-test.support.js';

const scheduler = new BullActionScheduler({ connection, prefix: uniquePrefix('action-scheduler') });
const now = new Date('2026-12-03T10:00:00Z');
const at = (hour: number) => new Date(`2026-12-03T${String(hour).padStart(2, '0')}:00:00Z`);
const job = async (id: string) => {
  const found = await scheduler.queue.getJob(scheduledJobId(id));
  return found ? { runAt: found.data.runAt, state: await found.getState() } : undefined;
};

afterAll(async () => {
  await scheduler.queue.obliterate({ force: true });
  await scheduler.close();
});

describe('the scheduled actions’ delayed jobs', () => {
  it('keep one job when the same schedule is added again (two replicas, start-up recovery)', async () => {
    await scheduler.schedule('sa1', at(22), now);
    await scheduler.schedule('sa1', at(22), now);
    expect(await scheduler.queue.getJobCounts('delayed')).toMatchObject({ delayed: 1 });
    expect(await job('sa1')).toEqual({ runAt: at(22).toISOString(), state: 'delayed' });
    expect(await scheduler.isScheduled('sa1', at(22))).toBe(true);
  });

  it('replace a job that waits for another time: a schedule undone after its add timed out may still reach Redis', async () => {
    // Given the job of an earlier, undone schedule for 21:00 that landed late
    await scheduler.schedule('sa2', at(21), now);
    // then the action is scheduled for 23:00: that job is not its job
    expect(await scheduler.isScheduled('sa2', at(23))).toBe(false);
    await scheduler.schedule('sa2', at(23), now);
    expect(await job('sa2')).toEqual({ runAt: at(23).toISOString(), state: 'delayed' });
    expect(await scheduler.isScheduled('sa2', at(23))).toBe(true);
    expect(await scheduler.isScheduled('sa2', at(21))).toBe(false);
  });

  it('say a removed job is not scheduled, and put it back', async () => {
    await scheduler.schedule('sa3', at(22), now);
    await scheduler.unschedule('sa3');
    expect(await job('sa3')).toBeUndefined();
    expect(await scheduler.isScheduled('sa3', at(22))).toBe(false);
    await scheduler.schedule('sa3', at(22), now);
    expect(await scheduler.isScheduled('sa3', at(22))).toBe(true);
  });
});
