import { describe, expect, it, vi } from 'vitest';
import { coreHarness } from '../../../support/core-harness.js';
import { restoreScheduled, runScheduledAction } from '../../../../src/core/actions/scheduled-actions.js';
import { pendingIdOf } from '../../../support/actions-stack.js';

const ALICE = { user: '1001', chat: '-100500', chatType: 'group' as const }; // admin of shop
const CAROL = { user: '1003' }; // operator of shop/staging
const DAVE = { user: '1004' }; // operator of shop

/** The core over in-memory ports at Monday 2026-11-23 13:00 Berlin (12:00 UTC), api 1.4.2 in staging and prod. */
function harness() {
  const h = coreHarness();
  const d1 = h.runtimes.get('docker-1');
  d1.add({ name: 'api-s', id: 'api-s-id', labels: { app: 'shop-api', env: 'staging' }, image: 'reg/shop/api:1.4.2', version: '1.4.2' });
  d1.add({ name: 'api-1', id: 'api-1-id', labels: { app: 'shop-api', env: 'prod' }, image: 'reg/shop/api:1.4.2', version: '1.4.2' });
  return { h, d1, scheduler: h.actions.scheduler };
}

/** Runs the delayed jobs due at the harness's `now`, as the worker would. */
async function runDue(h: ReturnType<typeof coreHarness>) {
  const due = h.actions.scheduler.take(h.now());
  return Promise.all(due.map((j) => runScheduledAction(h.services, j.actionId, j.runAt)));
}

describe('scheduled deploys: deploy … at <time>', () => {
  it('plans now in the project time zone, collects the approval now, and runs at its time through the action queue', async () => {
    const { h, scheduler } = harness();
    const request = await h.say('deploy api staging 1.5.0 at 22:00', CAROL);
    expect(request.text).toContain('Runs at: Mon 23 Nov 22:00 GMT+1');
    expect(request.text).toContain('checked again at the run time');
    const id = pendingIdOf(request)!;
    expect(scheduler.jobs.size).toBe(0);

    const confirmed = await h.click(request, 'Confirm', CAROL);
    expect(confirmed.text).toContain('Confirmed by Carol; runs Mon 23 Nov 22:00 GMT+1.');
    expect(confirmed.text).toContain(`calendar cancel ${id}`);
    expect(await h.actions.pending.get(id)).toMatchObject({ status: 'scheduled', claimedBy: 'carol' });
    expect(scheduler.jobs.get(id)).toEqual({ runAt: new Date('2026-11-23T21:00:00Z'), delayMs: 9 * 3_600_000 });
    expect(h.actions.queue.enqueued).toEqual([]);

    // A second click changes nothing; the job is not due before its time.
    expect((await h.click(request, 'Confirm', CAROL)).text).toMatch(/^Already approved by Carol; it runs /);
    h.setNow('2026-11-23T20:59:59Z');
    expect(await runDue(h)).toEqual([]);
    h.setNow('2026-11-23T21:00:00Z');
    expect(await runDue(h)).toEqual(['started']);
    expect(await h.actions.pending.get(id)).toMatchObject({ status: 'claimed', claimedBy: 'carol' });
    expect(h.actions.queue.enqueued).toEqual([id]);
  });

  it('understands tomorrow and dates, and refuses a time that has passed or is not a time', async () => {
    const { h } = harness();
    expect((await h.say('deploy api staging 1.5.0 at tomorrow 09:30', CAROL)).text).toContain('Runs at: Tue 24 Nov 09:30 GMT+1');
    expect((await h.say('deploy api staging 1.5.0 at 2026-12-03 22:00', CAROL)).text).toContain('Runs at: Thu 3 Dec 22:00 GMT+1');
    expect((await h.say('deploy api staging 1.5.0 at 2026-11-20 22:00', CAROL)).text).toContain('Cannot schedule: Fri 20 Nov 22:00 GMT+1 has passed.');
    expect((await h.say('deploy api staging 1.5.0 at 2027-06-01 22:00', CAROL)).text).toContain('is more than 30 days ahead');
    expect((await h.say('deploy api staging 1.5.0 at noon', CAROL)).text).toContain('"at noon" is not a time');
    expect((await h.say('deploy api staging 1.5.0 soon', CAROL)).text).toContain('too many arguments');
  });

  it('four-eyes in production: a second person approves now; the requester cannot', async () => {
    const { h, scheduler } = harness();
    // Monday 22:00 is outside the weekend freeze of prod.
    const request = await h.say('deploy api prod 1.5.0 at 22:00', ALICE);
    expect((await h.click(request, 'Approve', ALICE)).text).toContain('You cannot approve your own request');
    expect(scheduler.jobs.size).toBe(0);
    const approved = await h.click(request, 'Approve', DAVE);
    expect(approved.text).toContain('Approved by Dave (requested by Alice); runs Mon 23 Nov 22:00 GMT+1.');
    expect(scheduler.jobs.size).toBe(1);
  });

  it('warns when a freeze covers the run time, and refuses at the run time, telling the requester in their chat why', async () => {
    const { h } = harness();
    // Friday 20:00 Berlin is inside the weekend freeze (friday 16:00 → monday 09:00).
    const request = await h.say('deploy api prod 1.5.0 at 2026-11-27 20:00', ALICE);
    expect(request.text).toContain('Freeze then: frozen until Mon 30 Nov 09:00 GMT+1 (Weekend freeze)');
    expect(request.text).toContain('A freeze covers that time');
    const id = pendingIdOf(request)!;
    await h.core.attachMessage(id, { platform: 'telegram', chatId: '-100500', messageId: '77' });
    await h.click(request, 'Approve', DAVE);

    h.setNow('2026-11-27T19:00:05Z');
    expect(await runDue(h)).toEqual(['refused']);
    const action = await h.actions.pending.get(id);
    expect(action).toMatchObject({ status: 'refused' });
    expect(action?.result).toBe('Did not run at Fri 27 Nov 20:00 GMT+1: shop/prod is frozen until Mon 30 Nov 09:00 GMT+1 (Weekend freeze). Nothing changed.');
    expect(h.actions.queue.enqueued).toEqual([]);
    const told = h.actions.notifier.told;
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ platform: 'telegram', chatId: '-100500', key: `scheduled:${id}:refused` });
    expect(told[0]!.reply.text).toContain('your scheduled Deploy shop/prod: api 1.4.2 → 1.5.0 did not run');
    expect(told[0]!.reply.text).toContain('Weekend freeze');
    expect(h.actions.notifier.editsOf('77').at(-1)).toContain('(refused)');
    expect(h.audit.entries.at(-1)).toMatchObject({ intent: 'deploy.refused', outcome: 'refused' });
  });

  it('a cancel during the run-time checks wins: nothing is refused, nobody is told', async () => {
    const { h } = harness();
    const request = await h.say('deploy api prod 1.5.0 at 2026-11-27 20:00', ALICE);
    const id = pendingIdOf(request)!;
    await h.core.attachMessage(id, { platform: 'telegram', chatId: '-100500', messageId: '77' });
    await h.click(request, 'Approve', DAVE);
    h.setNow('2026-11-27T19:00:05Z');
    const locks = h.actions.locks;
    const get = locks.get.bind(locks);
    vi.spyOn(locks, 'get').mockImplementationOnce(async (...args) => {
      await h.actions.pending.cancel(id, 'alice', h.now());
      return get(...args);
    });
    expect(await runDue(h)).toEqual(['ignored']);
    expect(await h.actions.pending.get(id)).toMatchObject({ status: 'cancelled' });
    expect(h.actions.notifier.told).toEqual([]);
    expect(h.actions.notifier.editsOf('77').join('\n')).not.toContain('(refused)');
    expect(h.audit.entries.map((e) => e.intent)).not.toContain('deploy.refused');
  });

  it('keeps the action scheduled when its refusal messages cannot be queued; the job run again refuses it with them', async () => {
    const { h } = harness();
    const request = await h.say('deploy api prod 1.5.0 at 2026-11-27 20:00', ALICE);
    const id = pendingIdOf(request)!;
    await h.core.attachMessage(id, { platform: 'telegram', chatId: '-100500', messageId: '77' });
    await h.click(request, 'Approve', DAVE);
    h.setNow('2026-11-27T19:00:05Z');
    const [job] = h.actions.scheduler.take(h.now());
    h.actions.notifier.failNext = true;
    await expect(runScheduledAction(h.services, job!.actionId, job!.runAt)).rejects.toThrow('notifier unavailable');
    expect(await h.actions.pending.get(id)).toMatchObject({ status: 'scheduled', result: null });
    expect(h.actions.notifier.told).toEqual([]);
    expect(h.actions.notifier.editsOf('77')).toEqual([]);
    expect(h.audit.entries.at(-1)).not.toMatchObject({ intent: 'deploy.refused' });

    // BullMQ runs the failed job again.
    expect(await runScheduledAction(h.services, job!.actionId, job!.runAt)).toBe('refused');
    expect(await h.actions.pending.get(id)).toMatchObject({ status: 'refused' });
    expect(h.actions.notifier.told.map((t) => t.key)).toEqual([`scheduled:${id}:refused`]);
    expect(h.actions.notifier.editsOf('77')).toHaveLength(1);
    expect(h.audit.entries.at(-1)).toMatchObject({ intent: 'deploy.refused', outcome: 'refused' });
  });

  it('refuses at the run time for a lock taken meanwhile, for drift, and when Deckhand missed the time', async () => {
    const { h, d1 } = harness();
    const schedule = async (at: string) => {
      const r = await h.say(`deploy api staging 1.5.0 at ${at}`, CAROL);
      await h.click(r, 'Confirm', CAROL);
      return pendingIdOf(r)!;
    };
    const locked = await schedule('20:00');
    await h.say('lock shop staging db migration', DAVE);
    h.setNow('2026-11-23T19:00:00Z');
    expect(await runDue(h)).toEqual(['refused']);
    expect((await h.actions.pending.get(locked))?.result).toContain('shop/staging is locked by Dave');
    await h.say('unlock shop staging', DAVE);

    const drifted = await schedule('21:00');
    Object.assign(d1.containers.find((c) => c.name === 'api-s')!, { image: 'reg/shop/api:1.4.3', imageId: 'sha256:other', version: '1.4.3' });
    h.setNow('2026-11-23T20:00:00Z');
    expect(await runDue(h)).toEqual(['refused']);
    expect((await h.actions.pending.get(drifted))?.result).toContain('api changed since the request (now 1.4.3, was 1.4.2)');

    const missed = await schedule('22:00');
    h.setNow('2026-11-23T22:00:00Z');
    expect(await runDue(h)).toEqual(['refused']);
    expect((await h.actions.pending.get(missed))?.result).toContain('it missed its time (Mon 23 Nov 22:00 GMT+1) by 1h');
    expect(h.actions.queue.enqueued).toEqual([]);
  });

  it('a job whose row is no longer scheduled does nothing; a scheduled row whose job is gone gets it back at start', async () => {
    const { h, scheduler } = harness();
    const r = await h.say('deploy api staging 1.5.0 at 22:00', CAROL);
    const id = pendingIdOf(r)!;
    await h.click(r, 'Confirm', CAROL);
    const runAt = scheduler.jobs.get(id)!.runAt;
    scheduler.jobs.clear();
    expect(await restoreScheduled(h.services)).toEqual([id]);
    expect(await restoreScheduled(h.services)).toEqual([]);
    expect(scheduler.jobs.get(id)?.runAt).toEqual(runAt);
    // A job for another run time than the row's (a stale job) or for a cancelled row does nothing.
    expect(await runScheduledAction(h.services, id, new Date(runAt.getTime() + 60_000))).toBe('ignored');
    await h.actions.pending.cancel(id, 'carol', h.now());
    expect(await runScheduledAction(h.services, id, runAt)).toBe('ignored');
    expect(h.actions.queue.enqueued).toEqual([]);
  });
});

describe('locks are told in the project time zone', () => {
  it('names the lock time in the project time zone when a deploy is refused and when a second lock is refused', async () => {
    const { h } = harness();
    expect((await h.say('lock shop prod db migration', DAVE)).text).toContain('locked by Dave');
    const refused = await h.say('deploy api prod 1.5.0', ALICE);
    expect(refused.text).toMatch(/shop\/prod is locked by Dave since Mon 23 Nov 13:00 GMT\+1 \(db migration\)/);
    expect((await h.say('lock shop prod again', ALICE)).text).toContain('is already locked by Dave since Mon 23 Nov 13:00 GMT+1');
  });
});
