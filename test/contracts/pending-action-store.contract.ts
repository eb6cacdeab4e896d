import { beforeEach, describe, expect, it } from 'vitest';
import type { ActionPlan, NewPendingAction, PendingActionStore } from '../../src/core/ports/pending-action.port.js';

/** Fixtures shared with the Prisma-specific tests in test/integration/prisma/pending-action.repository.test.ts. */
export const T0 = new Date('2026-05-01T10:00:00Z');
export const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

export const plan = (over: Partial<ActionPlan> = {}): ActionPlan => ({
  kind: 'deploy',
  project: 'shop',
  env: 'prod',
  force: false,
  services: [
    {
      service: 'api',
      host: 'docker-1',
      currentImage: 'registry.local/shop/api:1.4.0',
      currentVersion: '1.4.0',
      targetImage: 'registry.local/shop/api:1.5.0',
      targetVersion: '1.5.0',
      revision: ['sha256:c0ffee'],
      units: ['shop-api-1'],
    },
  ],
  ...over,
});

export const request = (over: Partial<NewPendingAction> = {}): NewPendingAction => ({
  plan: plan(),
  requestedBy: 'alice',
  platform: 'telegram',
  chatId: '-100123',
  needsApproval: true,
  createdAt: T0,
  expiresAt: at(10),
  ...over,
});

/**
 * The PendingActionStore contract, run against the in-memory fake (unit) and PrismaPendingActionStore
 * (integration). `make` returns an empty store. What callers rely on: a button's id is short and URL-safe,
 * one conditional transition out of `pending` (claim, cancel, refuse) wins, expiry is decided by the `now`
 * the caller passes, a final status is never overwritten, and recovery finds what was claimed and never finished.
 */
export function pendingActionStoreContract(make: () => Promise<PendingActionStore>): void {
  describe('PendingActionStore contract', () => {
    let store: PendingActionStore;
    beforeEach(async () => {
      store = await make();
    });

    it('creates a pending action with a short URL-safe id and reads it back', async () => {
      const a = await store.create(request());
      const b = await store.create(request());
      expect(a).toEqual({ ...request(), id: expect.stringMatching(/^[0-9A-Za-z]{1,16}$/), status: 'pending', claimedBy: null, claimedAt: null, message: null, result: null, runAt: null });
      expect(b.id).not.toBe(a.id);
      expect(await store.get(a.id)).toEqual(a);
      expect(await store.get('unknown0')).toBeNull();
      expect(await store.get('not an id')).toBeNull();
    });

    it('schedules a pending action once (approver recorded), and claims it at its run time once, keeping the approver', async () => {
      const a = await store.create(request({ runAt: at(600) }));
      expect(a.runAt).toEqual(at(600));
      const [first, second] = await Promise.all([store.schedule(a.id, 'bob', at(1), at(600)), store.schedule(a.id, 'carol', at(1), at(600))]);
      const won = [first, second].filter((x) => x !== null);
      expect(won).toHaveLength(1);
      expect(won[0]).toMatchObject({ status: 'scheduled', runAt: at(600), claimedAt: at(1) });
      const approver = won[0]!.claimedBy;
      // A scheduled action does not expire and cannot be claimed like a pending one.
      expect(await store.due(at(20))).toEqual([]);
      expect(await store.expire(a.id, at(20))).toBeNull();
      expect(await store.claim(a.id, 'dave', at(2))).toBeNull();
      expect(await store.scheduled()).toEqual([expect.objectContaining({ id: a.id })]);
      // Only the run time it was scheduled for claims it, and only once.
      expect(await store.claimScheduled(a.id, at(601), at(600))).toBeNull();
      const runs = await Promise.all([store.claimScheduled(a.id, at(600), at(600)), store.claimScheduled(a.id, at(600), at(600))]);
      expect(runs.filter((x) => x !== null)).toEqual([expect.objectContaining({ status: 'claimed', claimedBy: approver, claimedAt: at(600) })]);
      expect(await store.scheduled()).toEqual([]);
      expect(await store.unfinished()).toEqual([expect.objectContaining({ id: a.id })]);
    });

    it('refuses to schedule an expired or settled action; cancels a scheduled one; finishes it as refused once', async () => {
      const late = await store.create(request());
      expect(await store.schedule(late.id, 'bob', at(10), at(600))).toBeNull();
      const a = await store.create(request());
      await store.schedule(a.id, 'bob', at(1), at(600));
      expect(await store.cancel(a.id, 'alice', at(300))).toMatchObject({ status: 'cancelled', claimedBy: 'alice' });
      expect(await store.claimScheduled(a.id, at(600), at(600))).toBeNull();
      const b = await store.create(request());
      await store.schedule(b.id, 'bob', at(1), at(600));
      await store.finish(b.id, 'refused', 'frozen');
      await store.finish(b.id, 'succeeded', 'again');
      expect(await store.get(b.id)).toMatchObject({ status: 'refused', result: 'frozen' });
      // The run-time refusal is conditional: not after a cancel, not for another run time, once.
      const d = await store.create(request());
      await store.schedule(d.id, 'bob', at(1), at(600));
      expect(await store.refuseScheduled(d.id, at(601), 'frozen')).toBe(false);
      const refusals = await Promise.all([store.refuseScheduled(d.id, at(600), 'frozen'), store.refuseScheduled(d.id, at(600), 'frozen')]);
      expect(refusals.filter(Boolean)).toHaveLength(1);
      expect(await store.get(d.id)).toMatchObject({ status: 'refused', result: 'frozen' });
      expect(await store.refuseScheduled(a.id, at(600), 'frozen')).toBe(false);
      expect(await store.get(a.id)).toMatchObject({ status: 'cancelled' });
      // Undoing a schedule whose job could not be added puts it back to pending.
      const c = await store.create(request());
      await store.schedule(c.id, 'bob', at(1), at(600));
      expect(await store.unclaim(c.id, 'bob', at(1))).toBe(true);
      expect(await store.get(c.id)).toMatchObject({ status: 'pending', claimedBy: null });
    });

    it('lists actions by run time in a range, of one project or all, whatever their status', async () => {
      const now = await store.create(request());
      const a = await store.create(request({ runAt: at(60) }));
      const b = await store.create(request({ runAt: at(30), plan: plan({ project: 'billing' }) }));
      const c = await store.create(request({ runAt: at(120) }));
      await store.cancel(c.id, 'alice', at(1));
      expect((await store.scheduledBetween({ from: at(0), to: at(121) })).map((x) => x.id)).toEqual([b.id, a.id, c.id]);
      expect((await store.scheduledBetween({ from: at(0), to: at(120), project: 'shop' })).map((x) => x.id)).toEqual([a.id]);
      expect((await store.scheduledBetween({ from: at(0), to: at(1000) })).map((x) => x.id)).not.toContain(now.id);
    });

    it('refuses an action that expires before it was created', async () => {
      await expect(store.create(request({ expiresAt: T0 }))).rejects.toThrow();
    });

    it('lets exactly one of several racing claims through', async () => {
      const { id } = await store.create(request());
      const results = await Promise.all(['bob', 'carol', 'dave', 'erin'].map((p) => store.claim(id, p, at(1))));
      const won = results.filter((r) => r !== null);
      expect(won).toHaveLength(1);
      expect(won[0]).toMatchObject({ id, status: 'claimed', claimedAt: at(1) });
      expect(await store.get(id)).toMatchObject({ status: 'claimed', claimedBy: won[0]!.claimedBy });
      expect(await store.claim(id, 'bob', at(2))).toBeNull();
      expect(await store.claim('unknown0', 'bob', at(1))).toBeNull();
    });

    it('undoes only the very claim it names, back to pending, so the action can be claimed again', async () => {
      const { id } = await store.create(request());
      await store.claim(id, 'bob', at(1));
      expect(await store.unclaim(id, 'carol', at(1))).toBe(false);
      expect(await store.unclaim(id, 'bob', at(2))).toBe(false);
      expect(await store.get(id)).toMatchObject({ status: 'claimed', claimedBy: 'bob' });
      expect(await store.unclaim(id, 'bob', at(1))).toBe(true);
      expect(await store.get(id)).toMatchObject({ status: 'pending', claimedBy: null, claimedAt: null, expiresAt: at(10) });
      expect(await store.unclaim(id, 'bob', at(1))).toBe(false);
      expect(await store.claim(id, 'carol', at(3))).toMatchObject({ status: 'claimed', claimedBy: 'carol' });
      await store.finish(id, 'succeeded', 'done');
      expect(await store.unclaim(id, 'carol', at(3))).toBe(false);
      expect((await store.get(id))!.status).toBe('succeeded');
      expect(await store.unclaim('unknown0', 'bob', at(1))).toBe(false);
    });

    it('refuses a claim or a cancel at or after expiry, by the time the caller passes', async () => {
      const a = await store.create(request());
      const b = await store.create(request());
      expect(await store.claim(a.id, 'bob', at(10))).toBeNull();
      expect(await store.cancel(b.id, 'alice', at(11))).toBeNull();
      expect((await store.get(a.id))!.status).toBe('pending');
      expect(await store.claim(b.id, 'bob', at(9.99))).toMatchObject({ status: 'claimed', claimedBy: 'bob' });
    });

    it('cancels a pending action once, recording who cancelled, and then nobody can claim it', async () => {
      const { id } = await store.create(request());
      expect(await store.cancel(id, 'alice', at(1))).toMatchObject({ id, status: 'cancelled', claimedBy: 'alice', claimedAt: at(1) });
      expect(await store.cancel(id, 'alice', at(2))).toBeNull();
      expect(await store.claim(id, 'bob', at(2))).toBeNull();
      const claimed = await store.create(request());
      await store.claim(claimed.id, 'bob', at(1));
      expect(await store.cancel(claimed.id, 'alice', at(2))).toBeNull();
    });

    it('refuses only a pending action, so a running one is never marked refused', async () => {
      const pending = await store.create(request());
      expect(await store.refuse(pending.id, 'the lock was taken')).toBe(true);
      expect(await store.get(pending.id)).toMatchObject({ status: 'refused', result: 'the lock was taken' });
      expect(await store.refuse(pending.id, 'again')).toBe(false);
      const running = await store.create(request());
      await store.claim(running.id, 'bob', at(1));
      expect(await store.refuse(running.id, 'too late')).toBe(false);
      expect(await store.get(running.id)).toMatchObject({ status: 'claimed', result: null });
      expect(await store.refuse('unknown0', 'x')).toBe(false);
    });

    it('finishes a claimed action once: a repeated finish changes nothing', async () => {
      const { id } = await store.create(request());
      await store.claim(id, 'bob', at(1));
      await store.finish(id, 'succeeded', 'api 1.5.0 is live');
      await store.finish(id, 'failed', 'retried job');
      expect(await store.get(id)).toMatchObject({ status: 'succeeded', result: 'api 1.5.0 is live' });
      const cancelled = await store.create(request());
      await store.cancel(cancelled.id, 'alice', at(1));
      await store.finish(cancelled.id, 'failed', 'late');
      expect(await store.get(cancelled.id)).toMatchObject({ status: 'cancelled', result: null });
      await expect(store.finish('unknown0', 'failed', 'x')).rejects.toThrow();
    });

    it('lists the actions due at `now` without changing them, and expires one of them once, only while it is due', async () => {
      const late = await store.create(request({ expiresAt: at(8) }));
      const early = await store.create(request({ expiresAt: at(3) }));
      const notYet = await store.create(request({ expiresAt: at(20) }));
      const claimed = await store.create(request({ expiresAt: at(2) }));
      await store.claim(claimed.id, 'bob', at(1));
      expect((await store.due(at(8))).map((a) => [a.id, a.status])).toEqual([[early.id, 'pending'], [late.id, 'pending']]);
      expect(await store.expire(notYet.id, at(8))).toBeNull();
      expect(await store.expire(claimed.id, at(8))).toBeNull();
      expect(await store.expire(early.id, at(8))).toMatchObject({ id: early.id, status: 'expired' });
      expect(await store.expire(early.id, at(8))).toBeNull();
      expect(await store.claim(early.id, 'bob', at(1))).toBeNull();
      expect((await store.due(at(8))).map((a) => a.id)).toEqual([late.id]);
      expect(await store.expire('unknown0', at(8))).toBeNull();
    });

    it('moves the expiry of a pending action later, never earlier, and leaves settled actions alone', async () => {
      const { id } = await store.create(request({ expiresAt: at(10) }));
      expect(await store.extendExpiry(id, at(5))).toBe(false);
      expect(await store.extendExpiry(id, at(10))).toBe(false);
      expect(await store.extendExpiry(id, at(15))).toBe(true);
      expect(await store.get(id)).toMatchObject({ status: 'pending', expiresAt: at(15) });
      expect(await store.claim(id, 'bob', at(12))).not.toBeNull();
      expect(await store.extendExpiry(id, at(30))).toBe(false);
      expect((await store.get(id))!.expiresAt).toEqual(at(15));
      const expired = await store.create(request({ expiresAt: at(2) }));
      await store.expire(expired.id, at(3));
      expect(await store.extendExpiry(expired.id, at(30))).toBe(false);
      expect(await store.get(expired.id)).toMatchObject({ status: 'expired', expiresAt: at(2) });
      expect(await store.extendExpiry('unknown0', at(30))).toBe(false);
    });

    it('remembers where the confirm message was posted', async () => {
      const { id } = await store.create(request());
      const ref = { platform: 'slack' as const, chatId: 'C0OPS', messageId: '1700000000.000100' };
      await store.attachMessage(id, ref);
      expect((await store.get(id))!.message).toEqual(ref);
      await expect(store.attachMessage('unknown0', ref)).rejects.toThrow();
    });

    it('lists the actions claimed and never finished, oldest claim first', async () => {
      const second = await store.create(request());
      const first = await store.create(request());
      const done = await store.create(request());
      await store.create(request());
      await store.claim(second.id, 'bob', at(2));
      await store.claim(first.id, 'bob', at(1));
      await store.claim(done.id, 'bob', at(1.5));
      await store.finish(done.id, 'failed', 'container exited');
      expect((await store.unfinished()).map((a) => a.id)).toEqual([first.id, second.id]);
    });
  });
}
