import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubernetesRuntime, type KubernetesRuntimeOptions } from '../../src/adapters/kubernetes/kubernetes.runtime.js';
import { FakeKubernetes } from './fake-kubernetes.js';

/** A fake API server and a Kubernetes runtime talking to it through @kubernetes/client-node. */
export async function kubernetesWorld(options: KubernetesRuntimeOptions & { tickMs?: number } = {}): Promise<{ fake: FakeKubernetes; runtime: KubernetesRuntime; kubeconfig: string }> {
  const { tickMs, ...runtimeOptions } = options;
  const fake = await FakeKubernetes.start(tickMs !== undefined ? { tickMs } : {});
  const kubeconfig = fake.kubeconfig(mkdtempSync(join(tmpdir(), 'deckhand-kube-')));
  const runtime = new KubernetesRuntime('eu-cluster', { kubeconfig, context: 'fake' }, { namespace: 'shop', pollMs: 50, recoverWaitMs: 10_000, ...runtimeOptions });
  return { fake, runtime, kubeconfig };
}
