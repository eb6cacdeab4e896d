import { describe, expect, it } from 'vitest';
import type { ActionAuditIntent } from '../../../../src/core/ports/audit.port.js';
import { createActionProcessor } from '../../../../src/core/actions/action.processor.js';
import type { PlannedService } from '../../../../src/core/ports/pending-action.port.js';
import { MemoryRuntime, MemoryRuntimeRegistry } from '../../../fakes/memory-runtime.js';
import { actionFixture, MESSAGE } from '../../jobs/action-fixture.js';

const API = 'localhost:5000/shop/api';
const WEB = 'localhost:5000/shop/web';

/**
 * A deploy whose services sit on two hosts: api (2 replicas) on docker-1, web (1 replica) on docker-2.
 * Both hosts are memory runtimes; every runtime call takes a second of the fixture's clock.
 */
async function twoHostDeploy() {
  const f = actionFixture();
  const second = new MemoryRuntime('docker-2', () => f.clock.advance(1000));
  f.deps.runtimes = new MemoryRuntimeRegistry([f.runtime, second]);
  const api = [1, 2].map((i) => f.runtime.add({ name: `api-${i}`, image: `${API}:1.4.1` }));
  const web = [second.add({ name: 'web-1', image: `${WEB}:2.0.0` })];
  const service = (name: string, host: string, repo: string, from: string, to: string, units: typeof api): PlannedService => ({
    service: name,
    host,
    currentImage: `${repo}:${from}`,
    currentVersion: from,
    targetImage: `${repo}:${to}`,
    targetVersion: to,
    revision: units.map((u) => u.imageId).sort(),
    units: units.map((u) => u.name),
  });
  const created = await f.pendingActions.create({
    plan: {
      kind: 'deploy',
      project: 'shop',
      env: 'prod',
      force: false,
      services: [service('api', 'docker-1', API, '1.4.1', '1.4.2', api), service('web', 'docker-2', WEB, '2.0.0', '2.1.0', web)],
    },
    requestedBy: 'alice',
    platform: MESSAGE.platform,
    chatId: MESSAGE.chatId,
    needsApproval: true,
    createdAt: f.clock.now(),
    expiresAt: new Date(f.clock.now().getTime() + 300_000),
  });
  await f.pendingActions.attachMessage(created.id, MESSAGE);
  const action = await f.pendingActions.claim(created.id, 'dave', f.clock.now());
  if (!action) throw new Error('claim failed');
  return { f, second, action };
}

describe('deploy across two hosts', () => {
  it('counts replacements across the whole plan and succeeds on both hosts', async () => {
    const { f, second, action } = await twoHostDeploy();

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
  });

  it('puts the first host back when the second host is not healthy: everything rolled back', async () => {
    const { f, second, action } = await twoHostDeploy();
    second.unhealthy.add(`web-1@${WEB}:2.1.0`);

    await createActionProcessor(f.deps)(action.id);

    // docker-1 was rolled out, then rolled out again to what the plan found; docker-2 reverted itself.
    expect(f.runtime.calls).toEqual([
      `pull ${API}:1.4.2`,
      `replace api-1 ${API}:1.4.2`, 'wait api-1',
      `replace api-2 ${API}:1.4.2`, 'wait api-2',
      'finalize api-1', 'finalize api-2',
      `pull ${API}:1.4.1`,
      `replace api-1 ${API}:1.4.1`, 'wait api-1',
      `replace api-2 ${API}:1.4.1`, 'wait api-2',
      'finalize api-1', 'finalize api-2',
    ]);
    expect(second.calls).toEqual([`pull ${WEB}:2.1.0`, `replace web-1 ${WEB}:2.1.0`, 'wait web-1', 'revert web-1']);
    expect(f.runtime.state()).toEqual([`api-1 ${API}:1.4.1`, `api-2 ${API}:1.4.1`]);
    expect(second.state()).toEqual([`web-1 ${WEB}:2.0.0`]);

    const done = await f.pendingActions.get(action.id);
    expect(done?.status).toBe('failed');
    expect(done?.result).toBe(
      'docker-2: web-1 is not healthy on 2.1.0 (unhealthy: healthcheck: connection refused). Rolled back: 1 container restored to the previous image.' +
        ' Put back api on docker-1 (2 containers) to the previous version.',
    );
    expect(f.deployments.rows.map((d) => `${d.service} ${d.status}`)).toEqual(['api rolled_back', 'web rolled_back']);
    const edits = f.notifier.editsOf('42');
    expect(edits.some((t) => t.includes('docker-2 did not succeed; putting api on docker-1 back to the previous version…'))).toBe(true);
    expect(edits.some((t) => t.includes('Put back api on docker-1'))).toBe(true);
    expect(f.audit.last()).toMatchObject({ intent: 'deploy.failed' satisfies ActionAuditIntent, outcome: 'error' });
  });

  it('puts the first host back when the second host cannot pull its image', async () => {
    const { f, second, action } = await twoHostDeploy();
    second.pullFailures.set(`${WEB}:2.1.0`, 'manifest unknown');

    await createActionProcessor(f.deps)(action.id);

    expect(second.calls).toEqual([`pull ${WEB}:2.1.0`]);
    expect(f.runtime.calls.filter((c) => c.startsWith('replace'))).toEqual([
      `replace api-1 ${API}:1.4.2`, `replace api-2 ${API}:1.4.2`,
      `replace api-1 ${API}:1.4.1`, `replace api-2 ${API}:1.4.1`,
    ]);
    expect(f.runtime.state()).toEqual([`api-1 ${API}:1.4.1`, `api-2 ${API}:1.4.1`]);
    expect(second.state()).toEqual([`web-1 ${WEB}:2.0.0`]);
    const done = await f.pendingActions.get(action.id);
    expect(done?.result).toBe(
      `docker-2: Stopped before touching any container: cannot pull ${WEB}:2.1.0: manifest unknown.` +
        ' Put back api on docker-1 (2 containers) to the previous version.',
    );
    expect(f.deployments.rows.map((d) => d.status)).toEqual(['rolled_back', 'rolled_back']);
  });

  it('fails naming what could not be put back when the first host does not come back', async () => {
    const { f, second, action } = await twoHostDeploy();
    second.pullFailures.set(`${WEB}:2.1.0`, 'manifest unknown');
    // The previous image cannot be fetched any more on docker-1: the undo stops before touching anything.
    f.runtime.pullFailures.set(`${API}:1.4.1`, 'registry down');

    await createActionProcessor(f.deps)(action.id);

    expect(f.runtime.state()).toEqual([`api-1 ${API}:1.4.2`, `api-2 ${API}:1.4.2`]);
    const done = await f.pendingActions.get(action.id);
    expect(done?.status).toBe('failed');
    expect(done?.result).toBe(
      `docker-2: Stopped before touching any container: cannot pull ${WEB}:2.1.0: manifest unknown.` +
        ` Could not put back api on docker-1 (Stopped before touching any container: cannot pull ${API}:1.4.1: registry down): check by hand.`,
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
});
