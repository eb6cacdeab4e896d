import { afterAll } from 'vitest';
import { parseUnit } from '../../../src/adapters/kubernetes/workload-ref.js';
import { runtimeContract } from '../../contracts/runtime.contract.js';
import type { FakeKubernetes } from '../../support/fake-kubernetes.js';
import { kubernetesWorld } from '../../support/kubernetes-world.js';

let fake: FakeKubernetes | undefined;
afterAll(() => fake?.close());

runtimeContract(async () => {
  const world = await kubernetesWorld({ namespace: 'contract' });
  fake = world.fake;
  const images = {
    current: 'registry.test/contract/web:1.0',
    currentVersion: '1.0',
    next: 'registry.test/contract/web:1.1',
    nextVersion: '1.1',
    unhealthy: 'registry.test/contract/web:crash',
    missing: 'registry.test/missing/web:1.0',
  };
  let seq = 0;
  return {
    runtime: world.runtime,
    images,
    health: { timeoutMs: 5_000, graceMs: 0 },
    loggedLine: 'listening on :8080',
    async service(count) {
      const app = `web-${++seq}`;
      const names = Array.from({ length: count }, (_, i) => `${app}-${i + 1}`);
      for (const name of names) {
        world.fake.addDeployment({ namespace: 'contract', name, image: images.current, replicas: 1, labels: { service: app }, env: [{ name: 'CONTRACT', value: 'yes' }] });
      }
      return { selector: { labels: { service: app } }, units: names.map((n) => `deployment/contract/${n}`) };
    },
    async interrupt(unit) {
      // What a crash right after the patch leaves: the image changed, the revision to go back to marked.
      await world.runtime.beginRollout(parseUnit(unit), images.next);
    },
  };
}, 5_000);
