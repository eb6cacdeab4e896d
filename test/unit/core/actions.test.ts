import { describe, expect, it } from 'vitest';
import { coreHarness, NOW } from '../../support/core-harness.js';

function seed(h: ReturnType<typeof coreHarness>) {
  const d1 = h.runtimes.get('docker-1');
  d1.add({ name: 'api-1', id: 'api-1-id', labels: { app: 'shop-api', env: 'prod' }, image: 'reg/shop/api:1.4.2', version: '1.4.2' });
  d1.add({ name: 'api-2', id: 'api-2-id', labels: { app: 'shop-api', env: 'prod' }, image: 'reg/shop/api:1.4.2', version: '1.4.2' });
  d1.add({ name: 'api-s', id: 'api-s-id', labels: { app: 'shop-api', env: 'staging' }, image: 'reg/shop/api:1.4.2', version: '1.4.2' });
  return d1;
}

const ALICE = { user: '1001' }; // admin of shop
const BOB = { user: '1002' }; // viewer of shop
const CAROL = { user: '1003' }; // operator of shop/staging
const DAVE = { user: '1004' }; // operator of shop

describe('deploy: request and four-eyes approval', () => {
  it('answers with exactly what will change and Approve/Cancel buttons; nothing runs', async () => {
    const h = coreHarness();
    seed(h);
    const reply = await h.say('deploy api prod 1.5.0', ALICE);
    expect(reply.blocks.find((b) => b.type === 'table')).toEqual({
      type: 'table',
      columns: ['SERVICE', 'CHANGE', 'CONTAINERS', 'HOST'],
      rows: [['api', '1.4.2 → 1.5.0', 'api-1, api-2', 'docker-1']],
    });
    expect(reply.text).toContain('reg/shop/api:1.4.2 → reg/shop/api:1.5.0');
    expect(reply.text).toContain('Lock: none');
    expect(reply.text).toContain('Production: another operator must approve');
    const buttons = reply.blocks.find((b) => b.type === 'buttons');
    expect(buttons?.type === 'buttons' && buttons.buttons.map((b) => [b.label, b.actionId])).toEqual([
      ['Approve', 'act.confirm'],
      ['Cancel', 'act.cancel'],
    ]);
    expect(h.actions.queue.enqueued).toEqual([]);
    expect(h.audit.last()).toMatchObject({ intent: 'deploy', outcome: 'ok' });
    expect(h.audit.last().detail).toMatch(/^requested /);
  });

  it('refuses the requester approving their own production request, then runs once on a second approval', async () => {
    const h = coreHarness();
    seed(h);
    const request = await h.say('deploy api prod 1.5.0', ALICE);
    const own = await h.click(request, 'Approve', ALICE);
    expect(own.text).toContain('You cannot approve your own request');
    expect(h.audit.last()).toMatchObject({ intent: 'deploy.confirm', outcome: 'refused', detail: 'self-approval' });

    const approved = await h.click(request, 'Approve', DAVE);
    expect(approved.text).toBe('Approved by Dave (requested by Alice); running now. Progress follows here.');
    expect(h.actions.queue.enqueued).toHaveLength(1);

    const again = await h.click(request, 'Approve', DAVE);
    expect(again.text).toMatch(/^Already approved by Dave at .*; it is running\.$/);
    const late = await h.click(request, 'Cancel', ALICE);
    expect(late.text).toContain('Already approved by Dave');
    expect(h.actions.queue.enqueued).toHaveLength(1);
  });

  it('refuses clicks by people without the role, and strangers, changing nothing', async () => {
    const h = coreHarness();
    seed(h);
    const request = await h.say('deploy api prod 1.5.0', ALICE);
    expect((await h.click(request, 'Approve', BOB)).text).toBe('You need the operator role on shop/prod to approve this.');
    expect((await h.click(request, 'Approve', CAROL)).text).toBe('You need the operator role on shop/prod to approve this.');
    expect((await h.click(request, 'Approve', { user: '999' })).text).toContain('not allowed to use Deckhand');
    expect((await h.click(request, 'Cancel', BOB)).text).toContain('to cancel this');
    expect(h.actions.queue.enqueued).toEqual([]);
    expect((await h.click(request, 'Approve', DAVE)).text).toContain('Approved by Dave');
  });

  it('refuses a click after expiry', async () => {
    const h = coreHarness();
    seed(h);
    const request = await h.say('deploy api prod 1.5.0', ALICE);
    h.setNow('2026-11-23T12:05:01Z');
    const reply = await h.click(request, 'Approve', DAVE);
    expect(reply.text).toContain('This request expired at');
    expect(reply.text).toContain('nothing ran');
    expect(h.actions.queue.enqueued).toEqual([]);
  });

  it('lets the requester confirm their own non-production request', async () => {
    const h = coreHarness();
    seed(h);
    const request = await h.say('deploy api staging 1.5.0', CAROL);
    expect(request.text).toContain('Nothing runs until you confirm.');
    expect((await h.click(request, 'Confirm', CAROL)).text).toBe('Confirmed by Carol; running now. Progress follows here.');
    expect(h.actions.queue.enqueued).toHaveLength(1);
  });

  it('answers a second click on a confirm that needed no approval with "Already confirmed", not "approved"', async () => {
    const h = coreHarness();
    seed(h);
    const request = await h.say('deploy api staging 1.5.0', CAROL);
    await h.click(request, 'Confirm', CAROL);
    const again = await h.click(request, 'Confirm', CAROL);
    expect(again.text).toMatch(/^Already confirmed by Carol at .*; it is running\.$/);
    expect(h.actions.queue.enqueued).toHaveLength(1);
  });

  it('cancels: nothing runs and later clicks say so', async () => {
    const h = coreHarness();
    seed(h);
    const request = await h.say('deploy api staging 1.5.0', CAROL);
    expect((await h.click(request, 'Cancel', CAROL)).text).toBe('Cancelled by Carol; nothing ran.');
    expect((await h.click(request, 'Confirm', CAROL)).text).toContain('cancelled');
    expect(h.actions.queue.enqueued).toEqual([]);
  });

  it('refuses when what runs changed since the request', async () => {
    const h = coreHarness();
    const d1 = seed(h);
    const request = await h.say('deploy api prod 1.5.0', ALICE);
    d1.containers.find((c) => c.name === 'api-2')!.image = 'reg/shop/api:1.4.3';
    const reply = await h.click(request, 'Approve', DAVE);
    expect(reply.text).toContain('api changed since the request');
    expect(h.actions.queue.enqueued).toEqual([]);
  });

  it('validates the version and refuses a deploy of what already runs', async () => {
    const h = coreHarness();
    seed(h);
    expect((await h.say('deploy api prod 1.5.0;rm', ALICE)).text).toContain('<version>: must be an image tag');
    expect((await h.say('deploy api prod', ALICE)).text).toContain('which version?');
    expect((await h.say('deploy api prod 1.4.2', ALICE)).text).toBe('api already runs 1.4.2 in prod.');
    expect((await h.say('deploy api prod 1.5.0', BOB)).text).toContain('You need the operator role on shop/prod');
  });
});

describe('locks and freezes', () => {
  it('refuses a deploy into a locked environment, naming who holds it; an admin may force it', async () => {
    const h = coreHarness();
    seed(h);
    expect((await h.say('lock shop staging db migration running', CAROL)).text).toContain('shop/staging locked by Carol: db migration running');
    const refused = await h.say('deploy api staging 1.5.0', ALICE);
    expect(refused.text).toContain('Cannot deploy now: shop/staging is locked by Carol since');
    expect(refused.text).toContain('(db migration running)');
    expect(refused.text).toContain('An admin may override a lock or freeze with --force.');
    expect(h.audit.last().outcome).toBe('refused');

    expect((await h.say('deploy api staging 1.5.0 --force', DAVE)).text).toContain('You need the admin role on shop/staging');
    const forced = await h.say('deploy api staging 1.5.0 --force', ALICE);
    expect(forced.text).toContain('Force: yes: overrides the lock (audited and announced)');
    expect(forced.text).toContain('Lock: locked by Carol since');
    await h.click(forced, 'Confirm', ALICE);
    expect(h.actions.queue.enqueued).toHaveLength(1);
    expect(h.actions.notifier.announcements.at(-1)?.reply.text).toContain('Forced deploy of shop/staging (api) approved by Alice');
  });

  it('names the lock holder by display name wherever a lock refuses, falling back to the id', async () => {
    const h = coreHarness();
    seed(h);
    await h.say('lock shop staging db migration running', CAROL);
    expect((await h.say('lock shop staging me too please', ALICE)).text).toMatch(/^shop\/staging is already locked by Carol since /);
    const early = await h.say('restart api staging', ALICE);
    expect(early.text).toContain('Lock: locked by Carol since');
    // A holder the catalog does not know (removed from the config since) is shown by id.
    await h.actions.locks.release('shop', 'staging', null);
    await h.actions.locks.acquire({ project: 'shop', env: 'staging', kind: 'manual', holder: { kind: 'person', id: 'zoe' }, reason: 'gone now', leaseUntil: null }, new Date(NOW));
    expect((await h.say('deploy api staging 1.5.0', ALICE)).text).toContain('shop/staging is locked by zoe since');
  });

  it('shows a force with nothing to override as a plain "Force: yes", no dangling colon', async () => {
    const h = coreHarness();
    seed(h);
    const forced = await h.say('deploy api staging 1.5.0 --force', ALICE);
    const fields = forced.blocks.flatMap((b) => (b.type === 'fields' ? b.fields : []));
    expect(fields.find((f) => f.label === 'Force')).toEqual({ label: 'Force', value: 'yes' });
    expect(forced.text).toMatch(/^Force: yes$/m);
  });

  it('lets only the holder or an admin unlock', async () => {
    const h = coreHarness();
    await h.say('lock shop staging testing things', CAROL);
    expect((await h.say('unlock shop staging', DAVE)).text).toBe('Only Carol or an admin can unlock shop/staging.');
    expect((await h.say('unlock shop staging', ALICE)).text).toBe('shop/staging unlocked by Alice.');
    expect((await h.say('unlock shop staging', ALICE)).text).toBe('shop/staging is not locked.');
  });

  it('refuses deploys in a recurring freeze window but allows restarts', async () => {
    const h = coreHarness();
    seed(h);
    h.setNow('2026-11-27T17:00:00Z'); // Friday 18:00 in Berlin
    const refused = await h.say('deploy api prod 1.5.0', ALICE);
    expect(refused.text).toContain('shop/prod is frozen until Mon 30 Nov 09:00 GMT+1 (Weekend freeze)');
    const restart = await h.say('restart api prod', ALICE);
    expect(restart.text).toContain('Restart shop/prod: api');
    expect(restart.text).toContain('Freeze: frozen until');
  });

  it('adds an ad hoc freeze (admins) and lists freezes', async () => {
    const h = coreHarness();
    seed(h);
    expect((await h.say('freeze add shop staging 2h release party', DAVE)).text).toContain('You need the admin role');
    expect((await h.say('freeze add shop staging 2h release party', ALICE)).text).toBe('Deploys to shop/staging frozen for 2h by Alice: release party');
    expect((await h.say('deploy api staging 1.5.0', ALICE)).text).toContain('shop/staging is frozen until');
    const list = await h.say('freeze', BOB);
    expect(list.text).toContain('Weekend freeze');
    expect(list.text).toContain('release party');
    // In the project's time zone, like the plans and freezes that refer to it.
    expect(list.text).toMatch(/Mon 23 Nov 13:00 GMT\+1 → Mon 23 Nov 15:00 GMT\+1/);
  });
});

describe('rollback and deploys', () => {
  it('rolls back to the previous successful version recorded', async () => {
    const h = coreHarness();
    seed(h);
    expect((await h.say('rollback api prod', ALICE)).text).toContain('No earlier successful deploy of api in prod is recorded');
    const d = await h.actions.deployments.start({
      actionId: 'a1', kind: 'deploy', project: 'shop', env: 'prod', service: 'api', version: '1.4.1', image: 'reg/shop/api:1.4.1',
      previousVersion: '1.4.0', previousImage: 'reg/shop/api:1.4.0', requestedBy: 'alice', approvedBy: 'dave',
      startedAt: new Date('2026-11-20T10:00:00Z'), source: 'deckhand',
    });
    await h.actions.deployments.finish(d.id, 'succeeded', new Date('2026-11-20T10:01:00Z'));
    const reply = await h.say('rollback api prod', ALICE);
    expect(reply.text).toContain('reg/shop/api:1.4.2 → reg/shop/api:1.4.1');
    const deploys = await h.say('deploys shop prod', BOB);
    expect(deploys.blocks.find((b) => b.type === 'table')).toMatchObject({ rows: [[expect.any(String), 'prod', 'api', '1.4.0 → 1.4.1', 'succeeded', '1m', 'Alice', 'Dave']] });
  });

  it('rolls back to what ran before the only recorded deploy', async () => {
    const h = coreHarness();
    seed(h);
    const d = await h.actions.deployments.start({
      actionId: 'a2', kind: 'deploy', project: 'shop', env: 'prod', service: 'api', version: '1.4.2', image: 'reg/shop/api:1.4.2',
      previousVersion: '1.3.9', previousImage: 'reg/shop/api:1.3.9', requestedBy: 'alice', approvedBy: 'dave',
      startedAt: new Date('2026-11-21T10:00:00Z'), source: 'deckhand',
    });
    await h.actions.deployments.finish(d.id, 'succeeded', new Date('2026-11-21T10:01:00Z'));
    expect((await h.say('rollback api prod', ALICE)).text).toContain('reg/shop/api:1.4.2 → reg/shop/api:1.3.9');
  });

  it('plans a restart of every container of a service', async () => {
    const h = coreHarness();
    seed(h);
    const reply = await h.say('restart api prod', DAVE);
    expect(reply.blocks.find((b) => b.type === 'table')).toEqual({ type: 'table', columns: ['SERVICE', 'VERSION', 'CONTAINERS', 'HOST'], rows: [['api', '1.4.2', 'api-1, api-2', 'docker-1']] });
    expect((await h.say('restart api prod', BOB)).text).toContain('You need the operator role');
  });
});
