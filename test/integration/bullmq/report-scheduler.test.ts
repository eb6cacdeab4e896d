import { Queue } from 'bullmq';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { REPORT_QUEUE, schedulerIdOf, startReportScheduler, type ReportScheduler } from '../../../src/adapters/bullmq/report-scheduler.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import type { ReportSchedule } from '../../../src/core/reports/scheduled-report.js';
import { connection, uniquePrefix, waitFor } from './redis-test.support.js';

const prefix = uniquePrefix('reports');
const started: ReportScheduler[] = [];
const everySecond: ReportSchedule = { id: 'shop-morning', project: 'shop', platform: 'telegram', chatId: '-100500', cron: '* * * * * *', timezone: 'UTC' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function replica(schedules: ReportSchedule[], fired: string[], opts: { prefix?: string } = {}): Promise<ReportScheduler> {
  const s = await startReportScheduler({
    connection,
    prefix: opts.prefix ?? prefix,
    schedules,
    logger: silentLogger,
    run: async (schedule, firedAt) => {
      fired.push(`${schedule.id}@${firedAt.toISOString()}`);
      await sleep(50);
    },
  });
  started.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  const q = new Queue(REPORT_QUEUE, { connection, prefix });
  await q.obliterate({ force: true });
  await q.close();
});

describe('report scheduler (real Redis, BullMQ job schedulers)', () => {
  it('delivers each fire time exactly once with two replicas scheduling the same report', async () => {
    const fired: string[] = [];
    const [a] = await Promise.all([replica([everySecond], fired), replica([everySecond], fired)]);
    await waitFor(() => new Set(fired).size >= 3, 10_000);
    const schedulers = await a.queue.getJobSchedulers(0, -1);
    await Promise.all(started.splice(0).map((s) => s.close()));

    const times = fired.map((f) => f.split('@')[1]!);
    expect(fired.length).toBeGreaterThanOrEqual(3);
    expect(new Set(fired).size).toBe(fired.length); // no fire time twice
    expect(times.every((t) => t.endsWith('.000Z'))).toBe(true); // whole seconds: fire times, not run times
    expect(schedulers.map((s) => s.key)).toEqual([schedulerIdOf('shop-morning')]);
  });

  it('removes the schedulers of reports no longer configured, keeping the configured one', async () => {
    const own = uniquePrefix('reports-sync');
    const fired: string[] = [];
    const daily = { ...everySecond, id: 'billing-morning', project: 'billing', cron: '0 9 * * *', timezone: 'Europe/Berlin' };
    const first = await replica([everySecond, daily], fired, { prefix: own });
    expect((await first.queue.getJobSchedulers(0, -1)).map((s) => s.key).sort()).toEqual([schedulerIdOf('billing-morning'), schedulerIdOf('shop-morning')]);
    await first.close();
    started.splice(0);

    const second = await replica([daily], fired, { prefix: own });
    const left = await second.queue.getJobSchedulers(0, -1);
    expect(left.map((s) => ({ key: s.key, pattern: s.pattern, tz: s.tz }))).toEqual([{ key: schedulerIdOf('billing-morning'), pattern: '0 9 * * *', tz: 'Europe/Berlin' }]);
    // The removed every-second schedule no longer fires: no job of it is left to run, only the daily one's.
    const pending = await second.queue.getJobs(['waiting', 'delayed', 'prioritized', 'active']);
    expect(pending.length).toBeGreaterThan(0);
    expect(new Set(pending.map((j) => j.repeatJobKey))).toEqual(new Set([schedulerIdOf('billing-morning')]));
    // The worker stops before its keys go: obliterating under a live worker cut its blocking connection
    // mid-command ("Connection is closed", an unhandled rejection that failed the whole run now and then).
    await second.close();
    started.splice(0);
    const q = new Queue(REPORT_QUEUE, { connection, prefix: own });
    await q.obliterate({ force: true });
    await q.close();
  });

  it('refuses an invalid cron pattern before touching Redis', async () => {
    await expect(replica([{ ...everySecond, cron: '61 * * * *' }], [])).rejects.toThrow('report shop-morning: invalid cron pattern');
    await expect(replica([everySecond, everySecond], [])).rejects.toThrow('ids must be unique');
  });

  it('reports the scheduled fire time, not the time the worker ran the job', async () => {
    const fired: string[] = [];
    await replica([everySecond], fired);
    await waitFor(() => fired.length >= 1, 5_000);
    expect(fired[0]).toMatch(/^shop-morning@\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
  });
});
