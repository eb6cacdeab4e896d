import { describe, expect, it } from 'vitest';
import { expireDue } from '../../../src/core/actions/expire-due.js';
import { OutageClicks } from '../../../src/core/actions/outage-clicks.js';
import { QUEUE_UNAVAILABLE } from '../../../src/core/pipeline/unavailable.middleware.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { JOB_QUEUE, QueueUnavailableError } from '../../../src/core/ports/store-errors.js';
import { coreHarness } from '../../support/core-harness.js';

const ALICE = { user: '1001' }; // admin of shop
const DAVE = { user: '1004' }; // operator of shop

/** The harness with its job queue behind a switch: `down = true` is a Redis outage (the database stays up). */
function queueOutageHarness() {
  const h = coreHarness();
  h.runtimes.get('docker-1').add({ name: 'api-1', id: 'api-1-id', labels: { app: 'shop-api', env: 'prod' }, image: 'reg/shop/api:1.4.2', version: '1.4.2' });
  // `late`: the connection drops mid-call, so the enqueue times out though its job still reaches Redis.
  const redis = { down: false, late: false, probes: 0 };
  const queue = h.actions.queue;
  const rows = h.actions.pending.rows;
  h.actions.queue = Object.assign(Object.create(queue) as typeof queue, {
    enqueue: async (id: string, claimedAt: Date) => {
      if (redis.down) throw new QueueUnavailableError();
      await queue.enqueue(id, claimedAt);
      if (redis.late) throw new QueueUnavailableError();
    },
  });
  h.actions.outageClicks = new OutageClicks(silentLogger, { probes: { [JOB_QUEUE]: async () => (redis.probes++, !redis.down) } });
  const sweep = () => expireDue({ pendingActions: h.actions.pending, unit: h.services.unit, audit: h.audit, clock: { now: () => h.now() }, outageClicks: h.actions.outageClicks });
  return { ...h, redis, rows, queue, sweep };
}

describe('a job queue outage: a Confirm gets a clear answer and its action stays pending', () => {
  it('refuses the Confirm with the queue sentence, undoes the claim, keeps the action past its TTL and runs it after recovery', async () => {
    // Given a request confirmed one minute into its TTL while Redis is away
    const h = queueOutageHarness();
    const request = await h.say('deploy api prod 1.5.0', ALICE);
    const [action] = [...h.rows.values()];
    const ttlMs = action!.expiresAt.getTime() - h.now().getTime();
    h.advance(60_000);
    h.redis.down = true;
    const refused = await h.click(request, 'Approve', DAVE);
    expect(refused.tone).toBe('error');
    expect(refused.text).toBe('Deckhand cannot reach its job queue right now; nothing was changed. Try again in a minute.');
    expect(refused.text).toBe(QUEUE_UNAVAILABLE);
    expect(h.audit.last()).toMatchObject({ intent: 'deploy.confirm', outcome: 'error', detail: 'job queue unavailable', personId: 'dave' });
    expect(h.rows.get(action!.id)).toMatchObject({ status: 'pending', claimedBy: null, claimedAt: null });
    expect(h.queue.enqueued).toEqual([]);

    // When sweeps run while Redis stays away past the original expiry
    h.advance(ttlMs);
    expect(await h.sweep()).toBe(0);
    h.advance(ttlMs);
    expect(await h.sweep()).toBe(0);
    expect(h.rows.get(action!.id)).toMatchObject({ status: 'pending', expiresAt: new Date(h.now().getTime() + ttlMs - 60_000) });
    // A click meanwhile gets the same answer and still leaves it pending.
    expect((await h.click(request, 'Approve', DAVE)).text).toBe(QUEUE_UNAVAILABLE);
    expect(h.rows.get(action!.id)!.status).toBe('pending');

    // Then, Redis back, the first sweep gives the action the four minutes it had left and forgets the click
    h.advance(30_000);
    h.redis.down = false;
    expect(await h.sweep()).toBe(0);
    expect(h.rows.get(action!.id)).toMatchObject({ status: 'pending', expiresAt: new Date(h.now().getTime() + ttlMs - 60_000) });
    expect(h.actions.outageClicks!.size).toBe(0);
    const probes = h.redis.probes;
    await h.sweep();
    expect(h.redis.probes).toBe(probes);
    const approved = await h.click(request, 'Approve', DAVE);
    expect(approved.text).toBe('Approved by Dave (requested by Alice); running now. Progress follows here.');
    expect(h.queue.enqueued).toEqual([action!.id]);
    expect(h.rows.get(action!.id)).toMatchObject({ status: 'claimed', claimedBy: 'dave' });
  });

  it('gives the next Confirm a job of its own when the undone claim\'s job reached the queue late', async () => {
    const h = queueOutageHarness();
    const request = await h.say('deploy api prod 1.5.0', ALICE);
    const [action] = [...h.rows.values()];
    h.redis.late = true;
    expect((await h.click(request, 'Approve', DAVE)).text).toBe(QUEUE_UNAVAILABLE);
    expect(h.rows.get(action!.id)).toMatchObject({ status: 'pending', claimedAt: null });
    expect(h.queue.enqueued).toEqual([action!.id]); // the late job, of the undone claim

    h.redis.late = false;
    h.advance(30_000);
    await h.sweep();
    const approved = await h.click(request, 'Approve', DAVE);

    expect(approved.text).toBe('Approved by Dave (requested by Alice); running now. Progress follows here.');
    const claimedAt = h.rows.get(action!.id)!.claimedAt!;
    expect(h.queue.enqueued).toEqual([action!.id, action!.id]);
    expect(h.queue.claims.map((c) => c.getTime() === claimedAt.getTime())).toEqual([false, true]);
  });

  it('expires the action as usual once Redis is back and its given-back time has run out', async () => {
    const h = queueOutageHarness();
    const request = await h.say('deploy api prod 1.5.0', ALICE);
    const [action] = [...h.rows.values()];
    const ttlMs = action!.expiresAt.getTime() - h.now().getTime();
    h.redis.down = true;
    expect((await h.click(request, 'Approve', DAVE)).text).toBe(QUEUE_UNAVAILABLE);
    h.redis.down = false;
    expect(await h.sweep()).toBe(0);
    h.advance(ttlMs);
    expect(await h.sweep()).toBe(1);
    expect((await h.click(request, 'Approve', DAVE)).text).toContain('This request expired at');
  });

  it('answers any other enqueue failure as an error with the request id, not as an outage', async () => {
    const h = queueOutageHarness();
    const request = await h.say('deploy api prod 1.5.0', ALICE);
    h.actions.queue.enqueue = () => Promise.reject(new Error('boom'));
    const reply = await h.click(request, 'Approve', DAVE);
    expect(reply.text).toMatch(/^Something went wrong; it has been logged \(request [0-9a-f]{8}\)\.$/);
    expect(h.actions.outageClicks!.size).toBe(0);
  });
});
