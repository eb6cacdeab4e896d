import { describe, expect, it } from 'vitest';
import type { ActionAuditIntent } from '../../../../src/core/ports/audit.port.js';
import { recoverUnfinished } from '../../../../src/core/actions/action-recovery.js';
import { createActionProcessor } from '../../../../src/core/actions/action.processor.js';
import { HostUnreachableError } from '../../../../src/core/ports/runtime.port.js';
import { MemoryRuntime, MemoryRuntimeRegistry } from '../../../fakes/memory-runtime.js';
import { actionFixture } from '../../jobs/action-fixture.js';
import { plannedService } from './planned-service.js';

const API = 'localhost:5000/shop/api';
const WEB = 'localhost:5000/shop/web';

/**
 * A deploy whose services sit on two hosts: api (2 replicas) on docker-1, web (1 replica) on docker-2.
 * Both hosts are memory runtimes; every runtime call takes a second of the fixture's clock.
 */
async function twoHostDeploy(kind: 'deploy' | 'restart' = 'deploy') {
  const f = actionFixture();
  const second = new MemoryRuntime('docker-2', () => f.clock.advance(1000));
  f.deps.runtimes = new MemoryRuntimeRegistry([f.runtime, second]);
  const api = [1, 2].map((i) => f.runtime.add({ name: `api-${i}`, image: `${API}:1.4.1` }));
  const web = [second.add({ name: 'web-1', image: `${WEB}:2.0.0` })];
  const action = await f.claimedPlan({
    kind,
    project: 'shop',
    env: 'prod',
    force: false,
    services: [plannedService('api', 'docker-1', API, '1.4.1', kind === 'restart' ? '1.4.1' : '1.4.2', api), plannedService('web', 'docker-2', WEB, '2.0.0', kind === 'restart' ? '2.0.0' : '2.1.0', web)],
  });
  return { f, second, action };
}

describe('deploy across two hosts', () => {
  it('counts replacements across the whole plan and succeeds on both hosts', async () => {
    const { f, second, action } = await twoHostDeploy();
    const order: string[] = [];
    for (const r of [f.runtime, second]) {
      const [pull, replace, finalize] = [r.pull.bind(r), r.replace.bind(r), r.finalize.bind(r)];
      r.pull = (image) => (order.push(`${r.host} pull ${image}`), pull(image));
      r.replace = (unit, image) => (order.push(`${r.host} replace ${unit}`), replace(unit, image));
      r.finalize = (rep) => (order.push(`${r.host} finalize ${rep.name}`), finalize(rep));
    }

    await createActionProcessor(f.deps)(action.id);

    expect(f.runtime.state()).toEqual([`api-1 ${API}:1.4.2`, `api-2 ${API}:1.4.2`]);
    expect(second.state()).toEqual([`web-1 ${WEB}:2.1.0`]);
    const steps = f.deployments.rows.flatMap((d) => d.steps.map((s) => s.text));
    expect(steps.filter((t) => t.startsWith('Replacing'))).toEqual([
      'Replacing 1/3: api-1 → 1.4.2…',
      'Replacing 2/3: api-2 → 1.4.2…',
      'Replacing 3/3: web-1 → 2.1.0…',
    ]);
    expect((await f.pendingActions.get(action.id))?.result).toBe('Now running api 1.4.2, web 2.1.0 (3 containers replaced).');
    // Both hosts pulled before anything was replaced; the old containers went only once both were healthy.
    expect(order).toEqual([
      `docker-1 pull ${API}:1.4.2`, `docker-2 pull ${WEB}:2.1.0`,
      'docker-1 replace api-1', 'docker-1 replace api-2', 'docker-2 replace web-1',
      'docker-1 finalize api-1', 'docker-1 finalize api-2', 'docker-2 finalize web-1',
    ]);
  });

  it('undoes the first host when the second host is not healthy: old containers back, nothing pulled again', async () => {
    const { f, second, action } = await twoHostDeploy();
    second.unhealthy.add(`web-1@${WEB}:2.1.0`);
    const oldIds = f.runtime.containers.map((c) => c.id);

    await createActionProcessor(f.deps)(action.id);

    // Every host pulled before any container was touched; docker-2 reverted itself, then docker-1 undid its rollout.
    expect(f.runtime.calls).toEqual([
      `pull ${API}:1.4.2`,
      `replace api-1 ${API}:1.4.2`, 'wait api-1',
      `replace api-2 ${API}:1.4.2`, 'wait api-2',
      'revert api-2', 'revert api-1',
    ]);
    expect(second.calls).toEqual([`pull ${WEB}:2.1.0`, `replace web-1 ${WEB}:2.1.0`, 'wait web-1', 'revert web-1']);
    expect(f.runtime.state()).toEqual([`api-1 ${API}:1.4.1`, `api-2 ${API}:1.4.1`]);
    expect(f.runtime.containers.map((c) => c.id).sort()).toEqual([...oldIds].sort());
    expect(second.state()).toEqual([`web-1 ${WEB}:2.0.0`]);

    const done = await f.pendingActions.get(action.id);
    expect(done?.status).toBe('failed');
    expect(done?.result).toBe(
      'web-1 is not healthy on 2.1.0 (unhealthy: healthcheck: connection refused). Rolled back: 3 containers restored to the previous image.',
    );
    expect(f.deployments.rows.map((d) => `${d.service} ${d.status}`)).toEqual(['api rolled_back', 'web rolled_back']);
    // Each service's record: its own lines and the plan-wide ones, in order, then the result.
    const [apiSteps, webSteps] = f.deployments.rows.map((d) => d.steps.map((s) => s.text));
    const reverting = 'web-1 is not healthy on 2.1.0 (unhealthy: healthcheck: connection refused); reverting 1 container…';
    const undoing = 'docker-2 did not succeed; putting api on docker-1 back to the previous version…';
    expect(webSteps?.slice(-5)).toEqual(['Replacing 3/3: web-1 → 2.1.0…', reverting, `Restored web-1 (${WEB}:2.0.0)`, undoing, done?.result]);
    expect(apiSteps?.slice(-5)).toEqual([reverting, undoing, `Restored api-2 (${API}:1.4.1)`, `Restored api-1 (${API}:1.4.1)`, done?.result]);
    expect(f.audit.last()).toMatchObject({ intent: 'deploy.failed' satisfies ActionAuditIntent, outcome: 'error' });
  });

  it('touches nothing anywhere when the second host cannot pull its image', async () => {
    const { f, second, action } = await twoHostDeploy();
    second.pullFailures.set(`${WEB}:2.1.0`, 'manifest unknown');

    await createActionProcessor(f.deps)(action.id);

    expect(f.runtime.calls).toEqual([`pull ${API}:1.4.2`]);
    expect(second.calls).toEqual([`pull ${WEB}:2.1.0`]);
    expect(f.runtime.state()).toEqual([`api-1 ${API}:1.4.1`, `api-2 ${API}:1.4.1`]);
    expect(second.state()).toEqual([`web-1 ${WEB}:2.0.0`]);
    const done = await f.pendingActions.get(action.id);
    expect(done?.result).toBe(`Stopped before touching any container: cannot pull ${WEB}:2.1.0: manifest unknown.`);
    expect(f.deployments.rows.map((d) => d.status)).toEqual(['failed', 'failed']);
  });

  it('fails naming what could not be put back when an undo on the first host fails', async () => {
    const { f, second, action } = await twoHostDeploy();
    second.unhealthy.add(`web-1@${WEB}:2.1.0`);
    const revert = f.runtime.revert.bind(f.runtime);
    f.runtime.revert = async (r) => {
      if (r.name === 'api-2') throw new HostUnreachableError('docker-1', 'connect ECONNREFUSED');
      return revert(r);
    };

    await createActionProcessor(f.deps)(action.id);

    expect(f.runtime.state()).toEqual([`api-1 ${API}:1.4.1`, `api-2 ${API}:1.4.2`, `api-2.deckhand-prev ${API}:1.4.1 (stopped)`]);
    const done = await f.pendingActions.get(action.id);
    expect(done?.status).toBe('failed');
    expect(done?.result).toBe(
      'web-1 is not healthy on 2.1.0 (unhealthy: healthcheck: connection refused).' +
        ' Could not restore api-2 (host docker-1 unreachable: connect ECONNREFUSED): check by hand.',
    );
    expect(f.deployments.rows.map((d) => d.status)).toEqual(['failed', 'failed']);
  });

  it('stops at the first host without touching the second when the first fails', async () => {
    const { f, second, action } = await twoHostDeploy();
    f.runtime.pullFailures.set(`${API}:1.4.2`, 'manifest unknown');

    await createActionProcessor(f.deps)(action.id);

    expect(second.calls).toEqual([]);
    expect((await f.pendingActions.get(action.id))?.result).toBe(`Stopped before touching any container: cannot pull ${API}:1.4.2: manifest unknown.`);
    expect(f.deployments.rows.map((d) => d.status)).toEqual(['failed', 'failed']);
  });

  it('recovers both hosts after a crash once the first host succeeded and the second was half done', async () => {
    const { f, second, action } = await twoHostDeploy();
    let reached: () => void = () => {};
    const waiting = new Promise<void>((resolve) => (reached = resolve));
    second.waitHealthy = async () => {
      reached();
      return new Promise(() => {}); // the process dies while waiting on web-1
    };
    void createActionProcessor(f.deps)(action.id);
    await waiting;
    expect(f.runtime.state()).toEqual([`api-1 ${API}:1.4.2`, `api-1.deckhand-prev ${API}:1.4.1 (stopped)`, `api-2 ${API}:1.4.2`, `api-2.deckhand-prev ${API}:1.4.1 (stopped)`]);

    const recovered = await recoverUnfinished({ ...f.deps, isQueued: async () => false });

    expect(recovered).toEqual([{ actionId: action.id, restored: 3, problems: [] }]);
    expect(f.runtime.state()).toEqual([`api-1 ${API}:1.4.1`, `api-2 ${API}:1.4.1`]);
    expect(second.state()).toEqual([`web-1 ${WEB}:2.0.0`]);
    expect((await f.pendingActions.get(action.id))?.result).toBe('Deckhand restarted while this ran; it was stopped and 3 containers were restored.');
  });

  it('counts a restart across the whole plan and stops at the second host', async () => {
    const { f, second, action } = await twoHostDeploy('restart');
    second.unhealthy.add('web-1');

    await createActionProcessor(f.deps)(action.id);

    const steps = f.deployments.rows[1]?.steps.map((s) => s.text) ?? [];
    expect(f.deployments.rows[0]?.steps.map((s) => s.text).filter((t) => t.startsWith('Restarting'))).toEqual(['Restarting 1/3: api-1…', 'Restarting 2/3: api-2…']);
    expect(steps.filter((t) => t.startsWith('Restarting'))).toEqual(['Restarting 3/3: web-1…']);
    expect((await f.pendingActions.get(action.id))?.result).toBe(
      'web-1 is not healthy after the restart (unhealthy: healthcheck: connection refused). Stopped after 3 of 3 restarted.',
    );
  });
});
