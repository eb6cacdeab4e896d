import { Queue } from 'bullmq';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startIntervalJob, type IntervalJob } from '../../../src/adapters/bullmq/interval-scheduler.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { connection, uniquePrefix, waitFor } from './redis-test.support.js';

const prefix = uniquePrefix('interval');
const started: IntervalJob[] = [];

async function replica(runs: string[], name = 'slo-burn-alerts'): Promise<IntervalJob> {
  const job = await startIntervalJob({
    name,
    everyMs: 300,
    connection,
    prefix,
    logger: silentLogger,
    run: async (firedAt) => {
      runs.push(firedAt.toISOString());
      await new Promise((r) => setTimeout(r, 30));
    },
  });
  started.push(job);
  return job;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((j) => j.close()));
});
afterAll(async () => {
  const q = new Queue('deckhand-slo-burn-alerts', { connection, prefix });
  await q.obliterate({ force: true });
  await q.close();
});

describe('interval job (real Redis, a BullMQ job scheduler with every)', () => {
  it('runs each interval once with three replicas scheduling the same job', async () => {
    const runs: string[] = [];
    const [a] = await Promise.all([replica(runs), replica(runs), replica(runs)]);
    await waitFor(() => runs.length >= 6, 15_000);
    const schedulers = await a.queue.getJobSchedulers(0, -1);
    await Promise.all(started.splice(0).map((j) => j.close()));

    expect(new Set(runs).size).toBe(runs.length); // no interval ran twice
    const times = runs.map((t) => Date.parse(t)).sort((x, y) => x - y);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps.every((g) => g >= 300 && g % 300 === 0)).toBe(true); // one slot each, none in between
    expect(schedulers.map((s) => [s.key, s.every])).toEqual([['slo-burn-alerts', 300]]);
  });
});
