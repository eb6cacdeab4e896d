/**
 * The core's action processor running a deploy whose plan spans a Docker host (the in-memory runtime) and
 * a Kubernetes cluster (the fake API server through the real client): all or nothing across both, and the
 * revision and units a plan pins, as the click-time drift check compares them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubernetesRuntime } from '../../../src/adapters/kubernetes/kubernetes.runtime.js';
import { UNDO_ANNOTATION } from '../../../src/adapters/kubernetes/workload.js';
import { createActionProcessor } from '../../../src/core/actions/action.processor.js';
import { revisionOf, sameRevision, sameUnits } from '../../../src/core/actions/revision.js';
import type { PlannedService } from '../../../src/core/ports/pending-action.port.js';
import type { ContainerInfo, RuntimeRegistry } from '../../../src/core/ports/runtime.port.js';
import type { FakeKubernetes } from '../../support/fake-kubernetes.js';
import { kubernetesWorld } from '../../support/kubernetes-world.js';
import { actionFixture } from '../jobs/action-fixture.js';

const API = 'registry.test/shop/api';
const WEB = 'registry.test/shop/web';

let fake: FakeKubernetes;
let k8s: KubernetesRuntime;
let seq = 0;
beforeAll(async () => {
  ({ fake, runtime: k8s } = await kubernetesWorld());
});
afterAll(() => fake.close());

const planned = (service: string, host: string, repo: string, to: string, units: ContainerInfo[]): PlannedService => ({
  service,
  host,
  currentImage: units[0]!.image,
  currentVersion: units[0]!.version,
  targetImage: `${repo}:${to}`,
  targetVersion: to,
  revision: revisionOf(units),
  units: units.map((u) => u.name),
});

/** api on the cluster (a Deployment of 2), web on docker-1 (one container); a claimed deploy of both. */
async function crossKindDeploy() {
  const f = actionFixture();
  const registry: RuntimeRegistry = { get: (h) => (h === 'eu-cluster' ? k8s : f.runtime), hosts: () => ['eu-cluster', 'docker-1'] };
  f.deps.runtimes = registry;
  const name = `api-${++seq}`;
  fake.addDeployment({ namespace: 'shop', name, image: `${API}:1.4.1`, replicas: 2 });
  f.runtime.add({ name: 'web-1', image: `${WEB}:2.0.0` });
  const [apiUnits] = await k8s.find([{ name: `deployment/${name}` }]);
  const [webUnits] = await f.runtime.find([{ name: 'web-1' }]);
  const action = await f.claimedPlan({
    kind: 'deploy',
    project: 'shop',
    env: 'prod',
    force: false,
    services: [planned('api', 'eu-cluster', API, '1.4.2', apiUnits!), planned('web', 'docker-1', WEB, '2.1.0', webUnits!)],
  });
  return { f, name, unit: `deployment/shop/${name}`, action };
}

describe('a deploy across a Kubernetes cluster and a Docker host', () => {
  it('rolls out both, counting units across the plan, then commits both', async () => {
    const { f, name, unit, action } = await crossKindDeploy();
    await createActionProcessor(f.deps)(action.id);
    const d = fake.deployment('shop', name)!;
    expect(d.spec.template.spec.containers[0].image).toBe(`${API}:1.4.2`);
    expect(d.metadata.annotations[UNDO_ANNOTATION]).toBeUndefined();
    expect(f.runtime.state()).toEqual([`web-1 ${WEB}:2.1.0`]);
    const steps = f.deployments.rows.flatMap((r) => r.steps.map((s) => s.text));
    expect(steps.filter((t) => t.startsWith('Replacing'))).toEqual([`Replacing 1/2: ${unit} → 1.4.2…`, 'Replacing 2/2: web-1 → 2.1.0…']);
    expect(steps).toContain(`Checking ${API}:1.4.2 for ${unit} on eu-cluster…`);
    expect((await f.pendingActions.get(action.id))?.result).toBe('Now running api 1.4.2, web 2.1.0 (1 workload and 1 container replaced).');
  });

  it('undoes the cluster the way rollout undo does when the Docker host after it fails', async () => {
    const { f, name, action } = await crossKindDeploy();
    f.runtime.unhealthy.add(`web-1@${WEB}:2.1.0`);
    await createActionProcessor(f.deps)(action.id);
    const d = fake.deployment('shop', name)!;
    expect(d.spec.template.spec.containers[0].image).toBe(`${API}:1.4.1`);
    expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe('3');
    expect(d.metadata.annotations[UNDO_ANNOTATION]).toBeUndefined();
    expect(f.runtime.state()).toEqual([`web-1 ${WEB}:2.0.0`]);
    const result = (await f.pendingActions.get(action.id))?.result ?? '';
    expect(result).toMatch(/^web-1 is not healthy on 2\.1\.0 .*Rolled back: 1 container and 1 workload restored to the previous image\.$/);
  });
});

describe('what a plan pins on a cluster, for the drift check', () => {
  it('stays the same through a restart, and changes with the image', async () => {
    const name = `api-${++seq}`;
    const unit = `deployment/shop/${name}`;
    fake.addDeployment({ namespace: 'shop', name, image: `${API}:1.4.1`, replicas: 2 });
    const [atPlan] = await k8s.find([{ name: unit }]);
    const pinned = { units: atPlan!.map((u) => u.name), revision: revisionOf(atPlan!) };
    expect(pinned).toEqual({ units: [unit], revision: [`${API}:1.4.1`] });

    const restarted = await k8s.restart({ targets: [{ service: 'api', units: [unit] }], health: { timeoutMs: 8_000, graceMs: 0 } }, async () => {});
    expect(restarted.status).toBe('succeeded');
    const [afterRestart] = await k8s.find([{ name: unit }]);
    expect(sameUnits(afterRestart!, pinned.units) && sameRevision(revisionOf(afterRestart!), pinned.revision)).toBe(true);

    const deployed = await k8s.rollout({ targets: [{ service: 'api', units: [unit], image: `${API}:1.4.2`, version: '1.4.2' }], health: { timeoutMs: 8_000, graceMs: 0 } }, async () => {});
    if (deployed.status === 'succeeded') await deployed.commit();
    const [afterDeploy] = await k8s.find([{ name: unit }]);
    expect(sameUnits(afterDeploy!, pinned.units)).toBe(true);
    expect(sameRevision(revisionOf(afterDeploy!), pinned.revision)).toBe(false);
  });
});
