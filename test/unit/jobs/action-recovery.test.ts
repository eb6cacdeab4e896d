import { describe, expect, it } from 'vitest';
import type { ActionAuditIntent } from '../../../src/core/ports/audit.port.js';
import { recoverUnfinished } from '../../../src/core/actions/action-recovery.js';
import { createActionProcessor } from '../../../src/core/actions/action.processor.js';
import { actionFixture, IMAGE } from './action-fixture.js';

const v1 = `${IMAGE}:1.4.1`;
const v2 = `${IMAGE}:1.4.2`;

/** Runs a deploy until its second replacement and leaves it there, as a worker killed mid-run would. */
async function crashMidDeploy(f: ReturnType<typeof actionFixture>) {
  f.runtime.blockReplace = null;
  const action = await f.claimed('deploy');
  let calls = 0;
  let reachedSecond: () => void = () => {};
  const waitingOnSecond = new Promise<void>((resolve) => (reachedSecond = resolve));
  const original = f.runtime.waitHealthy.bind(f.runtime);
  f.runtime.waitHealthy = async (id) => {
    if (++calls === 2) {
      reachedSecond();
      return new Promise(() => {}); // the process dies while waiting on api-2
    }
    return original(id);
  };
  void createActionProcessor(f.deps)(action.id);
  await waitingOnSecond;
  return action;
}

describe('recoverUnfinished', () => {
  it('restores the containers of an action cut short, fails its deployment, releases its lock and edits the message', async () => {
    const f = actionFixture();
    const action = await crashMidDeploy(f);
    expect(f.runtime.state()).toEqual([`api-1 ${v2}`, `api-1.deckhand-prev ${v1} (stopped)`, `api-2 ${v2}`, `api-2.deckhand-prev ${v1} (stopped)`, `api-3 ${v1}`]);
    expect(f.locks.peek('shop', 'prod')?.holder).toEqual({ kind: 'action', id: action.id });

    const recovered = await recoverUnfinished({ ...f.deps, isQueued: async () => false });

    expect(recovered).toEqual([{ actionId: action.id, restored: 2, problems: [] }]);
    expect(f.runtime.state()).toEqual([`api-1 ${v1}`, `api-2 ${v1}`, `api-3 ${v1}`]);
    const text = 'Deckhand restarted while this ran; it was stopped and 2 containers were restored.';
    expect(await f.pendingActions.get(action.id)).toMatchObject({ status: 'failed', result: text });
    expect(f.deployments.rows[0]?.status).toBe('failed');
    expect(f.deployments.rows[0]?.steps.at(-1)?.text).toBe(text);
    expect(f.locks.peek('shop', 'prod')).toBeNull();
    expect(f.notifier.editsOf('42').at(-1)).toContain(text);
    expect(f.audit.last()).toMatchObject({ intent: 'deploy.recovered' satisfies ActionAuditIntent, outcome: 'error' });
  });

  it('leaves alone actions whose job is still queued or run by a live worker', async () => {
    const f = actionFixture();
    const action = await crashMidDeploy(f);

    const recovered = await recoverUnfinished({ ...f.deps, isQueued: async (id) => id === action.id });

    expect(recovered).toEqual([]);
    expect((await f.pendingActions.get(action.id))?.status).toBe('claimed');
    expect(f.runtime.calls).not.toContain('pendingReplacements');
  });

  it('asks whether the job of the action\'s current claim is queued', async () => {
    const f = actionFixture();
    const action = await crashMidDeploy(f);
    const asked: [string, Date | null][] = [];

    const recovered = await recoverUnfinished({ ...f.deps, isQueued: async (id, claimedAt) => (asked.push([id, claimedAt]), claimedAt?.getTime() === action.claimedAt?.getTime()) });

    expect(asked).toEqual([[action.id, action.claimedAt]]);
    expect(recovered).toEqual([]);
  });

  it('skips actions claimed within the grace period (their job may not be enqueued yet)', async () => {
    const f = actionFixture();
    const action = await f.claimed('restart');

    expect(await recoverUnfinished({ ...f.deps, isQueued: async () => false, graceMs: 10_000 })).toEqual([]);
    f.clock.advance(10_001);
    const recovered = await recoverUnfinished({ ...f.deps, isQueued: async () => false, graceMs: 10_000 });

    expect(recovered).toEqual([{ actionId: action.id, restored: 0, problems: [] }]);
    expect((await f.pendingActions.get(action.id))?.result).toBe('Deckhand restarted while this ran; it was stopped and 0 containers were restored.');
  });

  it('does not revert replacements that belong to other actions', async () => {
    const f = actionFixture();
    const action = await f.claimed('restart', { replicas: 1 });
    const other = f.runtime.add({ name: 'web-1', id: 'web-1-v0', image: 'web:1' });
    await f.runtime.replace(other.id, 'web:2');

    await recoverUnfinished({ ...f.deps, isQueued: async () => false });

    expect(f.runtime.state()).toContain('web-1 web:2');
    expect(f.runtime.state()).toContain('web-1.deckhand-prev web:1 (stopped)');
    expect((await f.pendingActions.get(action.id))?.status).toBe('failed');
  });
});
