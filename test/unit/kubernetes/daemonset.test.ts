/** DaemonSets through the real client against the fake API server playing the DaemonSet controller. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubernetesRuntime } from '../../../src/adapters/kubernetes/kubernetes.runtime.js';
import type { RolloutRequest } from '../../../src/core/ports/runtime.port.js';
import type { FakeKubernetes } from '../../support/fake-kubernetes.js';
import { kubernetesWorld } from '../../support/kubernetes-world.js';

let fake: FakeKubernetes;
let runtime: KubernetesRuntime;
let seq = 0;
beforeAll(async () => {
  ({ fake, runtime } = await kubernetesWorld({ namespace: 'infra' }));
});
afterAll(() => fake.close());

const REPO = 'registry.test/infra/agent';
const health = { timeoutMs: 8_000, graceMs: 0 };
const request = (unit: string, version: string): RolloutRequest => ({ targets: [{ service: 'agent', units: [unit], image: `${REPO}:${version}`, version }], health });

function daemonSet(env: { name: string; value: string }[] = []): { name: string; unit: string } {
  const name = `agent-${++seq}`;
  fake.addDaemonSet({ namespace: 'infra', name, image: `${REPO}:1.0`, env });
  return { name, unit: `daemonset/infra/${name}` };
}

const image = (name: string) => fake.daemonSet('infra', name)!.spec.template.spec.containers[0].image as string;
const pods = (name: string) => fake.ownedPods('daemonsets', 'infra', name).map((p) => `${p.spec.nodeName} ${p.spec.containers[0].image} ${p.status.containerStatuses[0].ready}`).sort();

describe('DaemonSet', () => {
  it('is found and described: one pod per node, the newest ControllerRevision', async () => {
    const { name, unit } = daemonSet();
    const [found] = await runtime.find([{ name: `daemonset/${name}` }]);
    expect(found![0]).toMatchObject({ name: unit, state: 'running', health: 'healthy', version: '1.0' });
    const status = await runtime.describe(unit);
    expect(status).toMatchObject({ desired: 2, ready: 2, updated: 2, available: 2, strategy: 'RollingUpdate maxUnavailable 1', rollout: { done: true } });
    expect(status.revision).toBe(fake.controllerRevisions('infra', name, 'daemonsets')[0]!.metadata.name);
    expect(status.pods.map((p) => p.node).sort()).toEqual(['node-1', 'node-2']);
  });

  it('deploys node by node and commits', async () => {
    const { name, unit } = daemonSet();
    const result = await runtime.rollout(request(unit, '1.1'), async () => {});
    expect(result.status).toBe('succeeded');
    if (result.status === 'succeeded') await result.commit();
    expect(pods(name)).toEqual([`node-1 ${REPO}:1.1 true`, `node-2 ${REPO}:1.1 true`]);
  });

  it('undoes a crash-looping rollout from its ControllerRevision', async () => {
    const { name, unit } = daemonSet();
    const result = await runtime.rollout(request(unit, 'crash-1'), async () => {});
    expect(result).toMatchObject({ status: 'rolled_back', restored: 1, problems: [] });
    expect(result.status !== 'succeeded' && result.reason).toMatch(new RegExp(`^${unit} is not healthy on crash-1 \\(pod ${name}-\\w+ is in CrashLoopBackOff\\)$`));
    expect(image(name)).toBe(`${REPO}:1.0`);
    expect(pods(name)).toEqual([`node-1 ${REPO}:1.0 true`, `node-2 ${REPO}:1.0 true`]);
  });

  it('rolls back to the previous ControllerRevision, its whole template', async () => {
    const { name, unit } = daemonSet([{ name: 'MODE', value: 'v1' }]);
    const firstTemplate = structuredClone(fake.daemonSet('infra', name)!.spec.template);
    const deployed = await runtime.rollout(request(unit, '1.1'), async () => {});
    if (deployed.status === 'succeeded') await deployed.commit();
    const lines: string[] = [];
    const back = await runtime.rollout(request(unit, '1.0'), async (t) => void lines.push(t));
    expect(back.status).toBe('succeeded');
    expect(fake.daemonSet('infra', name)!.spec.template).toEqual(firstTemplate);
    expect(lines).toContain(`${unit}: back to the previous revision's pod template (rollout undo)`);
    expect(pods(name)).toEqual([`node-1 ${REPO}:1.0 true`, `node-2 ${REPO}:1.0 true`]);
  });
});
