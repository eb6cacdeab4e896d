/**
 * StatefulSets through the real client against the fake API server, which plays the StatefulSet
 * controller (ControllerRevisions, ordered pods, OrderedReady and its known issue with broken pods).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubernetesRuntime } from '../../../src/adapters/kubernetes/kubernetes.runtime.js';
import { UNDO_ANNOTATION } from '../../../src/adapters/kubernetes/workload.js';
import type { RolloutRequest } from '../../../src/core/ports/runtime.port.js';
import type { FakeKubernetes } from '../../support/fake-kubernetes.js';
import { kubernetesWorld } from '../../support/kubernetes-world.js';

let fake: FakeKubernetes;
let runtime: KubernetesRuntime;
let seq = 0;
beforeAll(async () => {
  ({ fake, runtime } = await kubernetesWorld({ namespace: 'data' }));
});
afterAll(() => fake.close());

const REPO = 'registry.test/data/db';
const health = { timeoutMs: 8_000, graceMs: 0 };
const request = (unit: string, version: string): RolloutRequest => ({ targets: [{ service: 'db', units: [unit], image: `${REPO}:${version}`, version }], health });

function statefulSet(env: { name: string; value: string }[] = []): { name: string; unit: string } {
  const name = `db-${++seq}`;
  fake.addStatefulSet({ namespace: 'data', name, image: `${REPO}:1.0`, replicas: 2, env });
  return { name, unit: `statefulset/data/${name}` };
}

const image = (name: string) => fake.statefulSet('data', name)!.spec.template.spec.containers[0].image as string;
const podImages = (name: string) => fake.statefulSetPods('data', name).map((p) => `${p.metadata.name} ${p.spec.containers[0].image} ${p.status.containerStatuses[0].ready}`);

describe('StatefulSet', () => {
  it('is found and described: revision, strategy, ordered pods', async () => {
    const { name, unit } = statefulSet();
    const [found] = await runtime.find([{ name: `statefulset/${name}` }]);
    expect(found).toHaveLength(1);
    expect(found![0]).toMatchObject({ name: unit, state: 'running', health: 'healthy', version: '1.0' });
    const status = await runtime.describe(unit);
    expect(status).toMatchObject({ desired: 2, ready: 2, updated: 2, strategy: 'RollingUpdate maxUnavailable 1', rollout: { done: true } });
    expect(status.revision).toBe(fake.controllerRevisions('data', name)[0]!.metadata.name);
    expect(status.pods.map((p) => p.name)).toEqual([`${name}-0`, `${name}-1`]);
  });

  it('deploys pod by pod from the highest ordinal and commits', async () => {
    const { name, unit } = statefulSet();
    const result = await runtime.rollout(request(unit, '1.1'), async () => {});
    expect(result.status).toBe('succeeded');
    if (result.status === 'succeeded') await result.commit();
    expect(podImages(name)).toEqual([`${name}-0 ${REPO}:1.1 true`, `${name}-1 ${REPO}:1.1 true`]);
    const sts = fake.statefulSet('data', name)!;
    expect(sts.metadata.annotations[UNDO_ANNOTATION]).toBeUndefined();
    expect(sts.status.currentRevision).toBe(sts.status.updateRevision);
  });

  it('undoes a crash-looping rollout from its ControllerRevision, deleting the broken pod the controller would wait for', async () => {
    const { name, unit } = statefulSet();
    const first = fake.controllerRevisions('data', name)[0]!;
    const result = await runtime.rollout(request(unit, 'crash-1'), async () => {});
    expect(result).toMatchObject({ status: 'rolled_back', restored: 1, problems: [] });
    expect(result.status !== 'succeeded' && result.reason).toBe(`${unit} is not healthy on crash-1 (pod ${name}-1 is in CrashLoopBackOff)`);
    expect(image(name)).toBe(`${REPO}:1.0`);
    expect(podImages(name)).toEqual([`${name}-0 ${REPO}:1.0 true`, `${name}-1 ${REPO}:1.0 true`]);
    const sts = fake.statefulSet('data', name)!;
    expect(sts.status).toMatchObject({ currentRevision: first.metadata.name, updateRevision: first.metadata.name });
    // The first revision came back under a new number, as the controller does for an old template.
    expect(fake.controllerRevisions('data', name).find((r) => r.metadata.name === first.metadata.name)!.revision).toBe(3);
    expect(fake.requests.some((r) => r.method === 'DELETE' && r.path === `/api/v1/namespaces/data/pods/${name}-1`)).toBe(true);
  });

  it('rolls back to the previous ControllerRevision, its whole template', async () => {
    const { name, unit } = statefulSet([{ name: 'MODE', value: 'v1' }]);
    const firstTemplate = structuredClone(fake.statefulSet('data', name)!.spec.template);
    const deployed = await runtime.rollout(request(unit, '1.1'), async () => {});
    if (deployed.status === 'succeeded') await deployed.commit();
    expect(image(name)).toBe(`${REPO}:1.1`);
    const lines: string[] = [];
    const back = await runtime.rollout(request(unit, '1.0'), async (t) => void lines.push(t));
    expect(back.status).toBe('succeeded');
    if (back.status === 'succeeded') await back.commit();
    expect(fake.statefulSet('data', name)!.spec.template).toEqual(firstTemplate);
    expect(lines).toContain(`${unit}: back to the previous revision's pod template (rollout undo)`);
    expect(podImages(name)).toEqual([`${name}-0 ${REPO}:1.0 true`, `${name}-1 ${REPO}:1.0 true`]);
  });
});
