import type { UnitOfWork } from '../../../src/core/ports/unit-of-work.port.js';
import { recoverUnfinished } from '../../../src/core/actions/action-recovery.js';
import { describe, expect, it } from 'vitest';
import type { ActionAuditIntent } from '../../../src/core/ports/audit.port.js';
import { createActionProcessor } from '../../../src/core/actions/action.processor.js';
import type { Notifier } from '../../../src/core/ports/notifier.port.js';
import { actionFixture, IMAGE } from './action-fixture.js';

const v1 = `${IMAGE}:1.4.1`;
const v2 = `${IMAGE}:1.4.2`;

describe('action processor: deploy', () => {
  it('writes the end alone, with its result edit, when its announcement can never be queued with it', async () => {
    const f = actionFixture();
    const action = await f.claimed('deploy');
    const notifier: Notifier = f.notifier;
    const announce = notifier.announce.bind(notifier);
    notifier.announce = async (project, reply, options) => {
      if (options?.key === `action:${action.id}:finished`) throw new Error('outbox not writable');
      await announce(project, reply, options);
    };

    await createActionProcessor(f.deps)(action.id);

    // Not left claimed: recovery would report the finished deploy as cut short by a restart.
    expect((await f.pendingActions.get(action.id))?.status).toBe('succeeded');
    expect(await f.pendingActions.unfinished()).toEqual([]);
    expect(f.notifier.editsOf('42').at(-1)).toContain('(succeeded)');
    expect(f.notifier.announcements.some((a) => a.reply.text.includes('succeeded after'))).toBe(false);
  }, 15_000);

  it('deploys 3 replicas one at a time, edits progress and records a succeeded deployment', async () => {
    const f = actionFixture();
    const action = await f.claimed('deploy');

    await createActionProcessor(f.deps)(action.id);

    expect(f.runtime.calls).toEqual([
      `pull ${v2}`,
      `replace api-1 ${v2}`, 'wait api-1',
      `replace api-2 ${v2}`, 'wait api-2',
      `replace api-3 ${v2}`, 'wait api-3',
      'finalize api-1', 'finalize api-2', 'finalize api-3',
    ]);
    expect(f.runtime.state()).toEqual([`api-1 ${v2}`, `api-2 ${v2}`, `api-3 ${v2}`]);
    const done = await f.pendingActions.get(action.id);
    expect(done).toMatchObject({ status: 'succeeded', result: 'Now running api 1.4.2 (3 containers replaced).' });
    const [d] = f.deployments.rows;
    expect(d).toMatchObject({ status: 'succeeded', service: 'api', version: '1.4.2', previousVersion: '1.4.1', requestedBy: 'alice', approvedBy: 'dave', kind: 'deploy' });
    expect(d?.steps.map((s) => s.text)).toContain('Replacing 2/3: api-2 → 1.4.2…');
    // progress edited into the confirm message after each step, then the result (10 runtime calls = 10 s)
    const edits = f.notifier.editsOf('42');
    expect(edits[0]).toContain(`Pulling ${v2} on docker-1…`);
    expect(edits.some((t) => t.includes('Replacing 1/3: api-1 → 1.4.2…'))).toBe(true);
    expect(edits.at(-1)).toContain('Deploy shop/prod: api 1.4.1 → 1.4.2 (succeeded)');
    expect(edits.at(-1)).toContain('Done in 10 s');
    expect(f.notifier.edits.at(-1)?.reply.tone).toBe('success');
    expect(f.notifier.announcements.map((a) => a.reply.text)).toEqual([
      'Deploy shop/prod: api 1.4.1 → 1.4.2 started, requested by Alice, approved by Dave.',
      'Deploy shop/prod: api 1.4.1 → 1.4.2 succeeded after 10 s: Now running api 1.4.2 (3 containers replaced).',
    ]);
    expect(f.locks.peek('shop', 'prod')).toBeNull();
    expect(f.audit.last()).toMatchObject({ intent: 'deploy.ran' satisfies ActionAuditIntent, outcome: 'ok', personId: 'dave' });
  });

  it('stops before touching any container when the pull fails', async () => {
    const f = actionFixture();
    f.runtime.pullFailures.set(v2, 'manifest unknown');
    const action = await f.claimed('deploy');

    await createActionProcessor(f.deps)(action.id);

    expect(f.runtime.calls).toEqual([`pull ${v2}`]);
    expect(f.runtime.state()).toEqual([`api-1 ${v1}`, `api-2 ${v1}`, `api-3 ${v1}`]);
    const done = await f.pendingActions.get(action.id);
    expect(done?.status).toBe('failed');
    expect(done?.result).toBe(`Stopped before touching any container: cannot pull ${v2}: manifest unknown.`);
    expect(f.deployments.rows[0]?.status).toBe('failed');
    expect(f.notifier.edits.at(-1)?.reply.tone).toBe('error');
    expect(f.locks.peek('shop', 'prod')).toBeNull();
  });

  it('reverts the replaced containers in reverse order when the second replica is unhealthy', async () => {
    const f = actionFixture();
    f.runtime.unhealthy.add(`api-2@${v2}`);
    const action = await f.claimed('deploy');

    await createActionProcessor(f.deps)(action.id);

    expect(f.runtime.calls).toEqual([
      `pull ${v2}`,
      `replace api-1 ${v2}`, 'wait api-1',
      `replace api-2 ${v2}`, 'wait api-2',
      'revert api-2', 'revert api-1',
    ]);
    expect(f.runtime.state()).toEqual([`api-1 ${v1}`, `api-2 ${v1}`, `api-3 ${v1}`]);
    const done = await f.pendingActions.get(action.id);
    expect(done?.status).toBe('failed');
    expect(done?.result).toBe(
      'api-2 is not healthy on 1.4.2 (unhealthy: healthcheck: connection refused). Rolled back: 2 containers restored to the previous image.',
    );
    expect(f.deployments.rows[0]?.status).toBe('rolled_back');
    expect(f.notifier.editsOf('42').at(-1)).toContain('Restored api-1');
    expect(f.notifier.announcements.at(-1)?.reply.text).toContain('failed after');
    expect(f.audit.last()).toMatchObject({ intent: 'deploy.failed' satisfies ActionAuditIntent, outcome: 'error' });
  });

  it('refuses when someone else holds a manual lock, naming who and since when', async () => {
    const f = actionFixture();
    await f.locks.acquire({ project: 'shop', env: 'prod', kind: 'manual', holder: { kind: 'person', id: 'bob' }, reason: 'db migration', leaseUntil: null }, new Date('2026-11-23T11:00:00Z'));
    const action = await f.claimed('deploy');

    await createActionProcessor(f.deps)(action.id);

    expect(f.runtime.calls).toEqual([]);
    const done = await f.pendingActions.get(action.id);
    expect(done?.status).toBe('refused');
    expect(done?.result).toBe('Refused: shop/prod is locked by Bob since Mon 23 Nov 11:00 UTC (db migration). Nothing ran.');
    expect(f.deployments.rows).toEqual([]);
    expect(f.locks.peek('shop', 'prod')?.holder).toEqual({ kind: 'person', id: 'bob' });
    expect(f.audit.last()).toMatchObject({ intent: 'deploy.refused' satisfies ActionAuditIntent, outcome: 'refused' });
  });

  it('leaves a refused action claimed, with no result message and no audit entry, when its refusal cannot be queued', async () => {
    const f = actionFixture();
    await f.locks.acquire({ project: 'shop', env: 'prod', kind: 'manual', holder: { kind: 'person', id: 'bob' }, reason: 'db migration', leaseUntil: null }, new Date('2026-11-23T11:00:00Z'));
    const action = await f.claimed('deploy');
    const audited = f.audit.entries.length;
    f.notifier.failNext = true;

    await createActionProcessor(f.deps)(action.id);

    // Rolled back together: recovery ends the action with its messages at the next start.
    expect(await f.pendingActions.get(action.id)).toMatchObject({ status: 'claimed', result: null });
    expect(f.notifier.editsOf('42')).toEqual([]);
    expect(f.audit.entries).toHaveLength(audited);
    await createActionProcessor(f.deps)(action.id);
    expect(await f.pendingActions.get(action.id)).toMatchObject({ status: 'refused' });
    expect(f.notifier.editsOf('42').at(-1)).toContain('(refused)');
  });

  it('refuses while another action holds a live deploy lock, even when forced', async () => {
    const f = actionFixture();
    await f.locks.acquire({ project: 'shop', env: 'prod', kind: 'deploy', holder: { kind: 'action', id: 'other' }, reason: 'deploy other', leaseUntil: new Date('2026-11-23T12:05:00Z') }, f.clock.now());
    const action = await f.claimed('deploy', { force: true });

    await createActionProcessor(f.deps)(action.id);

    expect(f.runtime.calls).toEqual([]);
    expect((await f.pendingActions.get(action.id))?.result).toContain('locked by a running action other');
  });

  it('runs despite a manual lock when forced, and leaves the manual lock in place', async () => {
    const f = actionFixture();
    await f.locks.acquire({ project: 'shop', env: 'prod', kind: 'manual', holder: { kind: 'person', id: 'bob' }, reason: 'db migration', leaseUntil: null }, f.clock.now());
    const action = await f.claimed('deploy', { force: true });

    await createActionProcessor(f.deps)(action.id);

    expect((await f.pendingActions.get(action.id))?.status).toBe('succeeded');
    expect(f.runtime.state()).toEqual([`api-1 ${v2}`, `api-2 ${v2}`, `api-3 ${v2}`]);
    expect(f.deployments.rows[0]?.steps[0]?.text).toContain('Running despite the manual lock: locked by Bob');
    expect(f.notifier.announcements[0]?.reply.text).toContain('(forced past lock/freeze)');
    expect(f.locks.peek('shop', 'prod')?.holder).toEqual({ kind: 'person', id: 'bob' });
  });

  it('an expired deploy lease of a crashed action does not block', async () => {
    const f = actionFixture();
    await f.locks.acquire({ project: 'shop', env: 'prod', kind: 'deploy', holder: { kind: 'action', id: 'dead' }, reason: '', leaseUntil: new Date('2026-11-23T11:59:00Z') }, new Date('2026-11-23T11:58:00Z'));
    const action = await f.claimed('rollback', { from: '1.4.2', to: '1.4.1' });

    await createActionProcessor(f.deps)(action.id);

    expect((await f.pendingActions.get(action.id))?.status).toBe('succeeded');
    expect(f.deployments.rows[0]).toMatchObject({ kind: 'rollback', version: '1.4.1', previousVersion: '1.4.2', status: 'succeeded' });
  });

  it('holds the deploy lock while running, renews its lease, and releases it at the end', async () => {
    const f = actionFixture();
    // Each runtime call takes a second of the fixture's clock, so the lease must outlive a few of them;
    // it is renewed every 2 s (a third of it).
    f.deps.settings.lockLeaseMs = 6_000;
    let release: () => void = () => {};
    f.runtime.blockReplace = new Promise<void>((r) => (release = r));
    const action = await f.claimed('deploy', { replicas: 1 });

    const run = createActionProcessor(f.deps)(action.id);
    await waitFor(() => f.runtime.calls.includes(`replace api-1 ${v2}`));
    const first = f.locks.peek('shop', 'prod');
    expect(first).toMatchObject({ kind: 'deploy', holder: { kind: 'action', id: action.id } });
    // Within the lease (renewal refuses an expired one, as PrismaLockStore does), time moves on: the next
    // renewal pushes the lease past where the first one ended.
    f.clock.advance(1_000);
    await waitFor(() => (f.locks.peek('shop', 'prod')?.leaseUntil?.getTime() ?? 0) > first!.leaseUntil!.getTime() + 999, 5_000);
    release();
    await run;

    expect(f.locks.peek('shop', 'prod')).toBeNull();
  });
});

describe('action processor: restart and single run', () => {
  it('restarts containers one at a time and stops at the first unhealthy one', async () => {
    const f = actionFixture();
    f.runtime.unhealthy.add('api-2');
    const action = await f.claimed('restart');

    await createActionProcessor(f.deps)(action.id);

    expect(f.runtime.calls).toEqual(['restart api-1', 'wait api-1', 'restart api-2', 'wait api-2']);
    const done = await f.pendingActions.get(action.id);
    expect(done?.status).toBe('failed');
    expect(done?.result).toBe('api-2 is not healthy after the restart (unhealthy: healthcheck: connection refused). Stopped after 2 of 3 restarted.');
    expect(f.deployments.rows[0]).toMatchObject({ kind: 'restart', status: 'failed' });
    expect(f.audit.last()).toMatchObject({ intent: 'restart.failed' satisfies ActionAuditIntent, outcome: 'error', args: 'shop/prod api' });
  });

  it('restarts every container when all stay healthy, without taking the deploy lock', async () => {
    const f = actionFixture();
    await f.locks.acquire({ project: 'shop', env: 'prod', kind: 'manual', holder: { kind: 'person', id: 'bob' }, reason: 'x', leaseUntil: null }, f.clock.now());
    const action = await f.claimed('restart', { replicas: 2 });

    await createActionProcessor(f.deps)(action.id);

    expect(f.runtime.calls).toEqual(['restart api-1', 'wait api-1', 'restart api-2', 'wait api-2']);
    expect(await f.pendingActions.get(action.id)).toMatchObject({ status: 'succeeded', result: 'Restarted 2 containers, all healthy.' });
    expect(f.notifier.editsOf('42').at(-1)).toContain('Done in 4 s');
    expect(f.audit.last()).toMatchObject({ intent: 'restart.ran' satisfies ActionAuditIntent, outcome: 'ok' });
  });

  it('runs an action once when the same id is processed twice, at once or later', async () => {
    const f = actionFixture();
    const action = await f.claimed('deploy', { replicas: 2 });
    const process = createActionProcessor(f.deps);

    await Promise.all([process(action.id), process(action.id)]);
    await process(action.id);

    expect(f.runtime.calls.filter((c) => c.startsWith('replace'))).toEqual([`replace api-1 ${v2}`, `replace api-2 ${v2}`]);
    expect(f.deployments.rows).toHaveLength(1);
    expect(f.notifier.announcements).toHaveLength(2);
  });

  it('runs a job only for the current claim; one of an undone or earlier claim is skipped', async () => {
    const f = actionFixture();
    const first = await f.claimed('deploy', { replicas: 2 });
    const process = createActionProcessor(f.deps);
    await f.pendingActions.unclaim(first.id, first.claimedBy!, first.claimedAt!);

    await process(first.id, { claimedAt: first.claimedAt! }); // the undone claim's job, landed late
    f.clock.advance(1_000);
    const again = (await f.pendingActions.claim(first.id, 'dave', f.clock.now()))!;
    await process(first.id, { claimedAt: first.claimedAt! }); // the same late job while the next claim is current
    expect(f.runtime.calls).toEqual([]);
    expect((await f.pendingActions.get(first.id))?.status).toBe('claimed');

    await Promise.all([process(first.id, { claimedAt: first.claimedAt! }), process(first.id, { claimedAt: again.claimedAt! })]);

    expect(f.runtime.calls.filter((c) => c.startsWith('replace'))).toEqual([`replace api-1 ${v2}`, `replace api-2 ${v2}`]);
    expect((await f.pendingActions.get(first.id))?.status).toBe('succeeded');
  });

  it('a second processor (another worker) never reruns an action whose records exist', async () => {
    const f = actionFixture();
    const action = await f.claimed('deploy', { replicas: 1 });
    // a first run started (records written) and its worker died before finishing the action
    await f.deployments.start({
      actionId: action.id, kind: 'deploy', project: 'shop', env: 'prod', service: 'api', version: '1.4.2', image: v2,
      previousVersion: '1.4.1', previousImage: v1, requestedBy: 'alice', approvedBy: 'dave', startedAt: f.clock.now(), source: 'deckhand',
    });

    await expect(createActionProcessor(f.deps)(action.id)).rejects.toThrow(/already exists/);

    expect(f.runtime.calls).toEqual([]);
    expect((await f.pendingActions.get(action.id))?.status).toBe('claimed');
  });

  it('does nothing for actions that are not claimed (pending, cancelled, finished, unknown)', async () => {
    const f = actionFixture();
    const pending = await f.pendingActions.create({
      plan: { kind: 'restart', project: 'shop', env: 'prod', force: false, services: [] },
      requestedBy: 'alice', platform: 'shell', chatId: 'c', needsApproval: false, createdAt: f.clock.now(), expiresAt: new Date('2030-01-01'),
    });
    const process = createActionProcessor(f.deps);

    await process(pending.id);
    await process('nope');

    expect((await f.pendingActions.get(pending.id))?.status).toBe('pending');
    expect(f.deployments.rows).toEqual([]);
    expect(f.notifier.edits).toEqual([]);
  });

  it('ends a deploy whose end unit fails twice by trying it again: one result edit, one announcement', async () => {
    const f = actionFixture();
    const action = await f.claimed('deploy', { replicas: 1 });
    const inner = f.deps.unit;
    let failures = 2;
    const flaky: UnitOfWork = { run: (work) => (failures-- > 0 ? Promise.reject(new Error('outbox refused the row')) : inner.run(work)) };

    await createActionProcessor({ ...f.deps, unit: flaky })(action.id);

    expect((await f.pendingActions.get(action.id))?.status).toBe('succeeded');
    expect(f.notifier.editsOf('42').filter((t) => t.includes('(succeeded)'))).toHaveLength(1);
    expect(f.notifier.announcements.filter((a) => a.reply.text.includes('succeeded after'))).toHaveLength(1);
  });

  it('writes the end alone when its unit keeps failing, so recovery never reports the finished deploy as cut short', async () => {
    const f = actionFixture();
    const action = await f.claimed('deploy', { replicas: 1 });
    const broken: UnitOfWork = { run: () => Promise.reject(new Error('outbox refused the row')) };

    await createActionProcessor({ ...f.deps, unit: broken })(action.id);

    expect(await f.pendingActions.get(action.id)).toMatchObject({ status: 'succeeded' });
    expect(f.notifier.editsOf('42').at(-1)).toContain('(succeeded)');
    expect(f.notifier.announcements.filter((a) => a.reply.text.includes('succeeded after'))).toHaveLength(1);
    expect(await recoverUnfinished({ ...f.deps, isQueued: async () => false })).toEqual([]);
    // Its audit entry is written alone too.
    expect(f.audit.entries.filter((e) => e.intent === 'deploy.ran')).toHaveLength(1);
  }, 15_000);

  it('writes the end’s audit entry in its unit: once after rolled-back tries, and whether or not the log outside it answers', async () => {
    const f = actionFixture();
    const action = await f.claimed('deploy', { replicas: 1 });
    const inner = f.deps.unit;
    let crashes = 2;
    const crashing: UnitOfWork = {
      run: (work) =>
        crashes-- > 0
          ? inner.run(async (stores) => {
              await work(stores);
              throw new Error('replica died before the commit');
            })
          : inner.run(work),
    };
    const away = { record: async () => Promise.reject(new Error('audit log away')), recent: async () => [] };

    await createActionProcessor({ ...f.deps, unit: crashing, audit: away })(action.id);

    expect((await f.pendingActions.get(action.id))?.status).toBe('succeeded');
    expect(f.audit.entries.filter((e) => e.intent === 'deploy.ran')).toHaveLength(1);
    expect(f.notifier.announcements.filter((a) => a.reply.text.includes('succeeded after'))).toHaveLength(1);
  }, 15_000);

  it('keeps deploying when the chat cannot be edited', async () => {
    const f = actionFixture();
    f.notifier.failNext = true;
    const action = await f.claimed('deploy', { replicas: 1 });

    await createActionProcessor(f.deps)(action.id);

    expect((await f.pendingActions.get(action.id))?.status).toBe('succeeded');
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
