import { describe, expect, it } from 'vitest';
import { createActionProcessor } from '../../../../src/core/actions/action.processor.js';
import { MemoryRuntime, MemoryRuntimeRegistry } from '../../../fakes/memory-runtime.js';
import { actionFixture, IMAGE, MESSAGE } from '../../jobs/action-fixture.js';
import { plannedService } from './planned-service.js';

const v1 = `${IMAGE}:1.4.1`;
const v2 = `${IMAGE}:1.4.2`;
const WEB = 'localhost:5000/shop/web';

/** Fires `stop` while the runtime is in the named call (the shutdown arrives mid-step), then lets the call finish. */
function stopDuring(runtime: MemoryRuntime, call: 'waitHealthy' | 'pull', unit: string, stop: AbortController): void {
  if (call === 'pull') {
    const pull = runtime.pull.bind(runtime);
    runtime.pull = async (image) => {
      stop.abort();
      return pull(image);
    };
    return;
  }
  const wait = runtime.waitHealthy.bind(runtime);
  runtime.waitHealthy = async (ref) => {
    const name = runtime.containers.find((c) => c.id === ref || c.name === ref)?.name;
    if (name === unit) stop.abort();
    return wait(ref);
  };
}

describe('a shutdown while an action runs', () => {
  it('lets the unit under way finish, puts back what the deploy changed, releases the lock and says why', async () => {
    const f = actionFixture();
    const action = await f.claimed('deploy');
    const stop = new AbortController();
    stopDuring(f.runtime, 'waitHealthy', 'api-2', stop);

    await createActionProcessor(f.deps)(action.id, { signal: stop.signal });

    // api-2 finished its step (healthy); api-3 was never touched; both replaced ones went back, newest first.
    expect(f.runtime.calls).toEqual([`pull ${v2}`, `replace api-1 ${v2}`, 'wait api-1', `replace api-2 ${v2}`, 'wait api-2', 'revert api-2', 'revert api-1']);
    expect(f.runtime.state()).toEqual([`api-1 ${v1}`, `api-2 ${v1}`, `api-3 ${v1}`]);
    const result = 'Stopped because Deckhand was shutting down. Rolled back: 2 containers restored to the previous image.';
    const done = await f.pendingActions.get(action.id);
    expect(done?.status).toBe('failed');
    expect(done?.result).toBe(result);
    expect(f.deployments.rows.map((d) => d.status)).toEqual(['rolled_back']);
    expect(f.locks.peek('shop', 'prod')).toBeNull();
    const last = f.notifier.edits.at(-1);
    expect(last?.ref).toEqual(MESSAGE);
    expect(last?.reply.tone).toBe('error');
    expect(last?.reply.text).toContain(result);
    expect(f.notifier.announcements.at(-1)?.reply.text).toContain(result);
    // Nothing is left for a later start to recover.
    expect(await f.pendingActions.unfinished()).toEqual([]);
    expect(await f.deployments.running()).toEqual([]);
  });

  it('changes nothing when the shutdown comes while images are pulled', async () => {
    const f = actionFixture();
    const action = await f.claimed('deploy');
    const stop = new AbortController();
    stopDuring(f.runtime, 'pull', '', stop);

    await createActionProcessor(f.deps)(action.id, { signal: stop.signal });

    expect(f.runtime.calls).toEqual([`pull ${v2}`]);
    expect(f.runtime.state()).toEqual([`api-1 ${v1}`, `api-2 ${v1}`, `api-3 ${v1}`]);
    expect((await f.pendingActions.get(action.id))?.result).toBe('Stopped because Deckhand was shutting down. Nothing was changed.');
    expect(f.deployments.rows.map((d) => d.status)).toEqual(['failed']);
    expect(f.locks.peek('shop', 'prod')).toBeNull();
  });

  it('finishes a deploy whose last unit was under way: nothing is left to stop', async () => {
    const f = actionFixture();
    const action = await f.claimed('deploy');
    const stop = new AbortController();
    stopDuring(f.runtime, 'waitHealthy', 'api-3', stop);

    await createActionProcessor(f.deps)(action.id, { signal: stop.signal });

    expect(f.runtime.state()).toEqual([`api-1 ${v2}`, `api-2 ${v2}`, `api-3 ${v2}`]);
    expect((await f.pendingActions.get(action.id))?.status).toBe('succeeded');
    expect(f.locks.peek('shop', 'prod')).toBeNull();
  });

  it('across two hosts: the host done before the shutdown undoes its rollout and the next is not touched', async () => {
    const f = actionFixture();
    const second = new MemoryRuntime('docker-2', () => f.clock.advance(1000));
    f.deps.runtimes = new MemoryRuntimeRegistry([f.runtime, second]);
    const api = [1, 2].map((i) => f.runtime.add({ name: `api-${i}`, image: v1 }));
    const web = second.add({ name: 'web-1', image: `${WEB}:2.0.0` });
    const action = await f.claimedPlan({ kind: 'deploy', project: 'shop', env: 'prod', force: false, services: [plannedService('api', 'docker-1', IMAGE, '1.4.1', '1.4.2', api), plannedService('web', 'docker-2', WEB, '2.0.0', '2.1.0', [web])] });
    const stop = new AbortController();
    stopDuring(f.runtime, 'waitHealthy', 'api-2', stop);

    await createActionProcessor(f.deps)(action.id, { signal: stop.signal });

    expect(f.runtime.state()).toEqual([`api-1 ${v1}`, `api-2 ${v1}`]);
    expect(second.state()).toEqual([`web-1 ${WEB}:2.0.0`]);
    expect(second.calls).toEqual([`pull ${WEB}:2.1.0`]);
    const done = await f.pendingActions.get(action.id);
    expect(done?.result).toBe('Stopped because Deckhand was shutting down. Rolled back: 2 containers restored to the previous image.');
    const steps = f.deployments.rows.flatMap((d) => d.steps.map((s) => s.text));
    expect(steps).toContain('Deckhand is shutting down; putting api on docker-1 back to the previous version…');
    expect(f.deployments.rows.map((d) => d.status)).toEqual(['rolled_back', 'rolled_back']);
    expect(f.locks.peek('shop', 'prod')).toBeNull();
  });

  it('stops a restart before the next unit and says how far it got', async () => {
    const f = actionFixture();
    const action = await f.claimed('restart');
    const stop = new AbortController();
    stopDuring(f.runtime, 'waitHealthy', 'api-1', stop);

    await createActionProcessor(f.deps)(action.id, { signal: stop.signal });

    expect(f.runtime.calls).toEqual(['restart api-1', 'wait api-1']);
    const done = await f.pendingActions.get(action.id);
    expect(done?.status).toBe('failed');
    expect(done?.result).toBe('Stopped because Deckhand was shutting down. Stopped after 1 of 3 restarted.');
  });
});
