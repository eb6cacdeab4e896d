import { describe, expect, it } from 'vitest';
import { expireDue } from '../../../src/core/actions/expire-due.js';
import { DATABASE_UNAVAILABLE } from '../../../src/core/pipeline/unavailable.middleware.js';
import { coreHarness } from '../../support/core-harness.js';
import { unavailableWhile } from '../../fakes/unavailable-store.js';

const ALICE = { user: '1001' }; // admin of shop
const DAVE = { user: '1004' }; // operator of shop

/** The harness with every action store behind one switch: `down = true` is a database outage. */
function outageHarness() {
  const h = coreHarness();
  const d1 = h.runtimes.get('docker-1');
  d1.add({ name: 'api-1', id: 'api-1-id', labels: { app: 'shop-api', env: 'prod' }, image: 'reg/shop/api:1.4.2', version: '1.4.2' });
  const db = { down: false };
  const stores = { pending: h.actions.pending, locks: h.actions.locks, freezes: h.actions.freezes, deployments: h.actions.deployments };
  h.actions.pending = unavailableWhile(stores.pending, () => db.down);
  h.actions.locks = unavailableWhile(stores.locks, () => db.down);
  h.actions.freezes = unavailableWhile(stores.freezes, () => db.down);
  h.actions.deployments = unavailableWhile(stores.deployments, () => db.down);
  const sweep = () => expireDue({ pendingActions: h.actions.pending, unit: h.services.unit, audit: h.audit, clock: { now: () => h.now() }, outageClicks: h.actions.outageClicks });
  return { ...h, db, rows: stores.pending.rows, sweep };
}

describe('a database outage: a clear answer, nothing changed, nothing expired on its account', () => {
  it('answers a command that needs the database with the outage sentence, changes nothing, and audits it', async () => {
    const h = outageHarness();
    h.db.down = true;
    const reply = await h.say('deploy api prod 1.5.0', ALICE);
    expect(reply.tone).toBe('error');
    expect(reply.text).toBe(DATABASE_UNAVAILABLE);
    expect(reply.text).toBe('Deckhand cannot reach its database right now; nothing was changed. Try again in a minute.');
    expect(h.rows.size).toBe(0);
    expect(h.audit.last()).toMatchObject({ intent: 'deploy', outcome: 'error', detail: 'database unavailable', personId: 'alice' });
    // What needs no database still answers as usual.
    expect((await h.say('help', ALICE)).text).not.toBe(DATABASE_UNAVAILABLE);
    h.db.down = false;
    expect((await h.say('deploy api prod 1.5.0', ALICE)).text).toContain('1.4.2 → 1.5.0');
  });

  it('refuses a Confirm click with the sentence, keeps the action pending past its TTL, and runs it on a later click', async () => {
    // Given a request clicked one minute into its five-minute TTL, while the database is away
    const h = outageHarness();
    const request = await h.say('deploy api prod 1.5.0', ALICE);
    const [action] = [...h.rows.values()];
    const ttlMs = action!.expiresAt.getTime() - h.now().getTime();
    h.advance(60_000);
    h.db.down = true;
    const refused = await h.click(request, 'Approve', DAVE);
    expect(refused.tone).toBe('error');
    expect(refused.text).toBe(DATABASE_UNAVAILABLE);
    expect(h.audit.last()).toMatchObject({ intent: 'action', outcome: 'error', detail: 'database unavailable', personId: 'dave' });
    // A sweep during the outage fails and forgets nothing.
    await expect(h.sweep()).rejects.toThrow('cannot be reached');
    expect(h.actions.outageClicks!.size).toBe(1);

    // When the database is back only after the original expiry
    h.advance(ttlMs);
    h.db.down = false;
    expect(await h.sweep()).toBe(0);

    // Then the action is pending with the four minutes it had left, and the next click runs it
    expect(h.rows.get(action!.id)).toMatchObject({ status: 'pending', expiresAt: new Date(h.now().getTime() + ttlMs - 60_000) });
    const approved = await h.click(request, 'Approve', DAVE);
    expect(approved.text).toBe('Approved by Dave (requested by Alice); running now. Progress follows here.');
    expect(h.actions.queue.enqueued).toEqual([action!.id]);
  });

  it('lets a click after recovery confirm before any sweep ran, though the original expiry has passed', async () => {
    const h = outageHarness();
    const request = await h.say('deploy api prod 1.5.0', ALICE);
    h.db.down = true;
    expect((await h.click(request, 'Cancel', ALICE)).text).toBe(DATABASE_UNAVAILABLE);
    h.advance(6 * 60_000);
    h.db.down = false;
    expect((await h.click(request, 'Approve', DAVE)).text).toContain('Approved by Dave');
  });

  it('still expires an action whose TTL had already run out when it was clicked', async () => {
    const h = outageHarness();
    const request = await h.say('deploy api prod 1.5.0', ALICE);
    h.advance(5 * 60_000 + 1_000);
    h.db.down = true;
    expect((await h.click(request, 'Approve', DAVE)).text).toBe(DATABASE_UNAVAILABLE);
    h.db.down = false;
    expect(await h.sweep()).toBe(1);
    expect((await h.click(request, 'Approve', DAVE)).text).toContain('This request expired at');
  });

  it('keeps answering any other failure as an error with the request id, not as an outage', async () => {
    const h = outageHarness();
    h.actions.pending.create = () => Promise.reject(new Error('boom'));
    const reply = await h.say('deploy api prod 1.5.0', ALICE);
    expect(reply.text).toMatch(/^Something went wrong; it has been logged \(request [0-9a-f]{8}\)\.$/);
  });
});
