/**
 * Scheduled deploys on the real stack: core → PostgreSQL → a BullMQ delayed job on Redis → at its time the
 * run-time checks → the action queue → Podman. Time is controlled, not slept through: the app's clock is set
 * a few seconds before a whole minute, `deploy … at HH:MM` names that minute, so the real delayed job comes
 * due a few seconds later, and the checks at run time read the same clock. Two scheduled workers on one queue
 * stand for two replicas.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScheduledWorker, type ScheduledWorker } from '../../../src/adapters/bullmq/bull-action-scheduler.js';
import { restoreScheduled, runScheduledAction, type ScheduledRun } from '../../../src/core/actions/scheduled-actions.js';
import { scheduledJobId } from '../../../src/core/ports/action-scheduler.port.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { createActionsStack, pendingIdOf, PEOPLE, type ActionsStack } from '../../support/actions-stack.js';
import { WEB_IMAGES } from '../../support/registry.js';
import { connection } from '../bullmq/redis-test.support.js';

let stack: ActionsStack;
/** Every run of a scheduled job, by the replica that took it, with the app's time it started and its result. */
const runs: { replica: string; actionId: string; startedAt: Date; result: ScheduledRun }[] = [];
let replicas: ScheduledWorker[] = [];

const startReplica = (replica: string) =>
  startScheduledWorker({
    connection,
    prefix: stack.prefix,
    logger: silentLogger,
    run: async (actionId, runAt) => {
      const startedAt = stack.clock.now();
      const result = await runScheduledAction(stack.coreDeps, actionId, runAt);
      runs.push({ replica, actionId, startedAt, result });
      return result;
    },
  });

beforeAll(async () => {
  stack = await createActionsStack({ name: 'scheduled-it', settings: { healthTimeoutMs: 20_000, healthGraceMs: 1_000 } });
  await stack.createReplicas('staging', WEB_IMAGES.v1, 2);
  replicas = [await startReplica('A'), await startReplica('B')];
});

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.close()));
  await stack?.close();
});

/** Sets the app's clock `lead` ms before the next whole minute (at least 20 s away in real time); returns that minute. */
function aimAtNextMinute(lead = 6_000): Date {
  stack.setClockOffset(0);
  const real = Date.now();
  const minute = Math.ceil((real + lead + 1_000) / 60_000) * 60_000;
  stack.setClockOffset(minute - lead - real);
  return new Date(minute);
}

const hhmm = (d: Date) => d.toISOString().slice(11, 16);

async function stagingImages(): Promise<string[]> {
  return (await stack.containers('staging')).map((c) => `${c.Config.Image} ${c.State.Running ? 'running' : 'stopped'}`);
}

/** `deploy web staging <version> at HH:MM` by Bob, confirmed by him; the job is delayed, nothing has run. */
async function schedule(version: string) {
  const runAt = aimAtNextMinute();
  const request = await stack.say(`deploy web staging ${version} at ${hhmm(runAt)}`, 'bob');
  const id = pendingIdOf(request);
  if (!id) throw new Error(`no buttons: ${request.text}`);
  expect(request.text).toContain(`Runs at: `);
  const answer = await stack.click(request, 'Confirm', 'bob');
  expect(answer.text).toContain('Confirmed by Bob; runs');
  expect(await stack.deps.pendingActions.get(id)).toMatchObject({ status: 'scheduled', runAt });
  return { id, runAt, messageId: request.messageId! };
}

const jobState = async (id: string) => (await stack.scheduler.queue.getJob(scheduledJobId(id)))?.getState();

describe('scheduled deploys on the real stack (PostgreSQL, Redis, Podman)', { timeout: 120_000 }, () => {
  it('runs the delayed job at its time, once across two replicas, through the deploy flow', async () => {
    const { id, runAt } = await schedule('2.0');
    expect(await jobState(id)).toBe('delayed');
    expect(await stagingImages()).toEqual([`${WEB_IMAGES.v1} running`, `${WEB_IMAGES.v1} running`]);

    const done = await stack.waitForAction(id, 'succeeded', 90_000);

    expect(done.result).toMatch(/2\.0/);
    expect(await stagingImages()).toEqual([`${WEB_IMAGES.v2} running`, `${WEB_IMAGES.v2} running`]);
    const mine = runs.filter((r) => r.actionId === id);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.result).toBe('started');
    expect(mine[0]!.startedAt.getTime()).toBeGreaterThanOrEqual(runAt.getTime());
    const records = (await stack.deps.deployments.recent({ project: 'shop', env: 'staging', limit: 20 })).filter((d) => d.actionId === id);
    expect(records.map((d) => [d.status, d.version, d.requestedBy])).toEqual([['succeeded', '2.0', 'bob']]);
    expect(await jobState(id)).toBe('completed');
  });

  it('is refused at its run time by a freeze that began after the approval, and the requester is told why in the chat', async () => {
    const { id, runAt, messageId } = await schedule('1.0');
    await stack.freezes.add({ project: 'shop', env: 'staging', from: stack.clock.now(), until: new Date(runAt.getTime() + 3_600_000), reason: 'release freeze', createdBy: 'alice' });

    const refused = await stack.waitForAction(id, 'refused', 60_000);

    expect(refused.result).toMatch(/^Did not run at .*: shop\/staging is frozen until .* \(release freeze\)\. Nothing changed\.$/);
    expect(await stagingImages()).toEqual([`${WEB_IMAGES.v2} running`, `${WEB_IMAGES.v2} running`]);
    const told = stack.notifier.told.filter((t) => t.key === `scheduled:${id}:refused`);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ platform: 'telegram', chatId: PEOPLE.bob });
    expect(told[0]!.reply.text).toContain('your scheduled Deploy shop/staging: web 2.0 → 1.0 did not run');
    expect(told[0]!.reply.text).toContain('release freeze');
    expect(stack.notifier.editsOf(messageId).at(-1)).toContain('(refused)');
    expect(runs.filter((r) => r.actionId === id).map((r) => r.result)).toEqual(['refused']);
    const audited = await stack.db.pool.query(`SELECT intent, outcome FROM audit_log WHERE request_id = $1`, [`action-${id}`]);
    expect(audited.rows).toEqual(expect.arrayContaining([{ intent: 'deploy.refused', outcome: 'refused' }]));
    // Lift the freeze for the next test.
    const windows = await stack.freezes.upcoming(stack.clock.now());
    for (const w of windows) await stack.freezes.remove(w.id);
  });

  it('survives every replica stopping, and a job lost from Redis is put back at start from the row', async () => {
    const { id } = await schedule('1.0');
    // Every replica stops; the job is lost (Redis restored from an old copy).
    await Promise.all(replicas.map((r) => r.close()));
    replicas = [];
    await stack.scheduler.queue.remove(scheduledJobId(id));
    expect(await jobState(id)).toBeUndefined();

    // A replica starts: recovery puts the job back from the row, its worker runs it at its time.
    expect(await restoreScheduled(stack.coreDeps)).toEqual([id]);
    expect(await jobState(id)).toBe('delayed');
    replicas = [await startReplica('C')];

    await stack.waitForAction(id, 'succeeded', 90_000);
    expect(await stagingImages()).toEqual([`${WEB_IMAGES.v1} running`, `${WEB_IMAGES.v1} running`]);
    expect(runs.filter((r) => r.actionId === id).map((r) => [r.replica, r.result])).toEqual([['C', 'started']]);
  });

  it('calendar cancel: refused for another operator, done by the requester (the delayed job leaves Redis), audited, shown by calendar', async () => {
    const { id, runAt, messageId } = await schedule('3.0');
    expect(await jobState(id)).toBe('delayed');

    expect((await stack.say(`calendar cancel ${id}`, 'carol')).text).toContain(`Only Bob (who asked) or an admin of shop/staging may cancel ${id}.`);
    expect(await jobState(id)).toBe('delayed');

    expect((await stack.say(`calendar cancel ${id}`, 'bob')).text).toContain('Cancelled by Bob; it will not run at');
    expect(await jobState(id)).toBeUndefined();
    expect(await stack.deps.pendingActions.get(id)).toMatchObject({ status: 'cancelled' });
    expect(stack.notifier.editsOf(messageId).at(-1)).toContain('(cancelled)');
    const audited = await stack.db.pool.query(`SELECT intent, outcome FROM audit_log WHERE request_id = $1`, [`action-${id}`]);
    expect(audited.rows).toEqual(expect.arrayContaining([{ intent: 'deploy.cancelled', outcome: 'ok' }]));
    expect((await stack.say(`calendar cancel ${id}`, 'bob')).text).toContain(`${id} was cancelled already; nothing to cancel.`);

    // The calendar reads it back from PostgreSQL as cancelled, at its run time (the stack's project is in UTC).
    const calendar = await stack.say('calendar shop', 'vic');
    expect(calendar.text).toMatch(new RegExp(`${hhmm(runAt)} 🚫 staging web .* · Bob · cancelled · ${id}`));
  });
});
