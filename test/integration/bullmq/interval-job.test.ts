import { Queue } from 'bullmq';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startIntervalJob, type IntervalJob } from '../../../src/adapters/bullmq/interval-job.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { connection, uniquePrefix, waitFor } from './redis-test.support.js';

const prefix = uniquePrefix('interval');
const QUEUE = 'deckhand-cost-test';
const started: IntervalJob[] = [];

async function replica(fired: string[], name: string): Promise<IntervalJob> {
  const job = await startIntervalJob({
    queue: QUEUE,
    id: 'cost-sampler',
    everyMs: 300,
    connection,
    prefix,
    logger: silentLogger,
    run: async (firedAt) => {
      fired.push(`${firedAt.toISOString()} ${name}`);
    },
  });
  started.push(job);
  return job;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((j) => j.close()));
});
afterAll(async () => {
  const q = new Queue(QUEUE, { connection, prefix });
  await q.obliterate({ force: true });
  await q.close();
});

describe('interval job (real Redis, one BullMQ job scheduler)', () => {
  it('runs each fire once however many replicas start it', async () => {
    const fired: string[] = [];
    await Promise.all([replica(fired, 'a'), replica(fired, 'b'), replica(fired, 'c')]);

    await waitFor(() => fired.length >= 6, 15_000);
    await Promise.all(started.splice(0).map((j) => j.close()));

    const times = fired.map((f) => f.split(' ')[0]!);
    expect(new Set(times).size).toBe(times.length);
    const q = new Queue(QUEUE, { connection, prefix });
    expect((await q.getJobSchedulers()).map((s) => s.key)).toEqual(['cost-sampler']);
    await q.close();
  }, 30_000);
});
