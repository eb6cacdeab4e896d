/**
 * The chat commands on a Kubernetes service: the real core over the Kubernetes runtime, which talks to the
 * fake API server through the real @kubernetes/client-node.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KubernetesRuntime } from '../../../src/adapters/kubernetes/kubernetes.runtime.js';
import { renderTelegram, TELEGRAM_TEXT_LIMIT } from '../../../src/adapters/telegram/telegram.renderer.js';
import type { FakeKubernetes } from '../../support/fake-kubernetes.js';
import { kubernetesWorld } from '../../support/kubernetes-world.js';
import { runtimeCore } from '../../support/runtime-core.js';

let fake: FakeKubernetes;
let runtime: KubernetesRuntime;
let kubeconfig: string;
let seq = 0;

beforeAll(async () => {
  ({ fake, runtime, kubeconfig } = await kubernetesWorld());
});
afterAll(() => fake.close());
afterEach(() => fake.allowAll());

const REPO = 'registry.test/shop/api';

/** A Deployment in namespace shop bound to service `api` of shop/prod, and the core to ask about it. */
function world(seed: { image?: string; replicas?: number; env?: Record<string, unknown>[] } = {}) {
  const name = `api-${++seq}`;
  fake.addDeployment({ namespace: 'shop', name, image: seed.image ?? `${REPO}:1.0`, replicas: seed.replicas ?? 2, ...(seed.env ? { env: seed.env } : {}) });
  const chat = runtimeCore(
    `
hosts:
  eu-cluster: { kind: kubernetes, kubeconfig: ${kubeconfig}, context: fake, namespace: shop }
projects:
  shop:
    environments:
      prod:
        services:
          api: { host: eu-cluster, container: deployment/${name}, image: ${REPO} }
limits:
  hostTimeoutMs: 5000
`,
    { 'eu-cluster': runtime },
  );
  return { name, ...chat };
}

/** A change made by someone else (kubectl), straight to the API server. */
async function externalPatch(name: string, patch: unknown): Promise<void> {
  const res = await fetch(`${fake.url}/apis/apps/v1/namespaces/shop/deployments/${name}`, {
    method: 'PATCH',
    headers: { authorization: 'Bearer test-token', 'content-type': 'application/strategic-merge-patch+json' },
    body: JSON.stringify(patch),
  });
  expect(res.status).toBe(200);
}

async function until<T>(what: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 8_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await what();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`not reached: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('logs --previous', () => {
  it('reads the previous container’s log of each pod, and says which pods have none', async () => {
    const { name, say } = world({ replicas: 2 });
    await externalPatch(name, { spec: { template: { spec: { containers: [{ name: 'app', image: `${REPO}:crash` }] } } } });
    const crashed = await until(
      async () => fake.pods('shop', name).find((p) => p.status?.containerStatuses?.[0]?.lastState?.terminated)?.metadata.name as string | undefined,
      (n) => n !== undefined,
    );
    const before = fake.requests.length;
    const reply = await say('logs api prod --previous');
    expect(reply.text).toContain('Logs shop/api · prod (previous)');
    expect(reply.text).toContain(`[${crashed}, previous] panic: cannot read /etc/app/config.yaml`);
    expect(reply.text).toContain('(no previous container)');
    const logCalls = fake.requests.slice(before).filter((r) => r.path.endsWith('/log'));
    expect(logCalls).toHaveLength(1);
    expect(logCalls[0]!.query.previous).toBe('true');
  });

  it('reads the current log without it', async () => {
    const { name, say } = world();
    const pods = fake.pods('shop', name).map((p) => p.metadata.name as string).sort();
    fake.setLogs(pods[0]!, ['hello now'], ['old run']);
    const before = fake.requests.length;
    const reply = await say('logs api prod');
    expect(reply.text).toContain(`[${pods[0]}] hello now`);
    expect(reply.text).not.toContain('old run');
    expect(fake.requests.slice(before).filter((r) => r.path.endsWith('/log')).every((r) => r.query.previous === undefined)).toBe(true);
  });
});

describe('RBAC refusals', () => {
  it('status names what the cluster refused, not just an error', async () => {
    const { say } = world();
    fake.forbid({ verb: 'list', resource: 'pods' });
    const reply = await say('status shop prod');
    expect(reply.text).toContain('Kubernetes refused: cannot list pods in namespace shop (RBAC).');
    expect(reply.text).not.toMatch(/unreachable/);
    expect(reply.text).not.toContain('test-token');
    expect(reply.text).not.toContain(fake.url);
  });

  it('logs and env say so too, for the lookup and for the call itself', async () => {
    const { say } = world({ env: [{ name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'api-config', key: 'LEVEL' } } }] });
    fake.addConfigMap('shop', 'api-config', { LEVEL: 'debug' });
    fake.forbid({ verb: 'list', resource: 'pods' });
    expect((await say('logs api prod')).text).toContain('Kubernetes refused: cannot list pods in namespace shop (RBAC); no logs for api.');
    fake.allowAll();
    fake.forbid({ verb: 'get', resource: 'pods/log' });
    expect((await say('logs api prod')).text).toMatch(/\(logs unavailable: Kubernetes refused: cannot get pods\/log \S+ in namespace shop \(RBAC\)\)/);
    fake.allowAll();
    fake.forbid({ verb: 'list', resource: 'pods' });
    expect((await say('env api prod')).text).toContain('Kubernetes refused: cannot list pods in namespace shop (RBAC); cannot read api.');
    fake.allowAll();
    // A ConfigMap Deckhand may not read is named in place of its value; the rest still shows.
    fake.forbid({ verb: 'get', resource: 'configmaps' });
    expect((await say('env api prod')).text).toContain('LEVEL=configMapKeyRef api-config/LEVEL (Deckhand may not read ConfigMaps)');
    fake.allowAll();
    expect((await say('env api prod')).text).toContain('LEVEL=debug');
  });
});

describe('the plan and status of a workload', () => {
  it('shows namespace, cluster, replicas and strategy next to the image change before Confirm', async () => {
    const { say } = world({ replicas: 3 });
    const plan = await say('deploy api prod 1.1');
    expect(plan.text).toContain(`${REPO}:1.0 → ${REPO}:1.1`);
    expect(plan.text).toContain('namespace shop · cluster eu-cluster');
    expect(plan.text).toContain('3 replicas (3 ready) · RollingUpdate maxSurge 1 maxUnavailable 0');
    expect(plan.text.indexOf('namespace shop')).toBeGreaterThan(plan.text.indexOf(`${REPO}:1.1`));
  });

  it('status shows desired/ready/updated/available and the pods while they are few', async () => {
    const { name, say } = world({ replicas: 3 });
    const reply = await say('status shop prod');
    expect(reply.text).toContain('api: 3/3 ready · 3 updated · 3 available');
    const pods = fake.pods('shop', name).map((p) => p.metadata.name as string).sort();
    const table = reply.blocks.filter((b) => b.type === 'table').at(-1);
    expect(table?.type === 'table' && table.columns).toEqual(['POD', 'PHASE', 'READY', 'RESTARTS', 'NODE', 'AGE', 'IMAGE']);
    expect(table?.type === 'table' && table.rows.map((r) => [r[0], r[1], r[2], r[3], r[4], r[6]])).toEqual(pods.map((p) => [p, 'Running', 'yes', '0', 'node-1', 'api:1.0']));
    const messages = renderTelegram(reply);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.text.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
  });

  it('status shows the rollout condition and the current revision, reading each object once', async () => {
    const { name, say } = world({ replicas: 2 });
    await say('status shop prod'); // a first look; the revision changes below
    await externalPatch(name, { spec: { template: { spec: { containers: [{ name: 'app', image: `${REPO}:1.1` }] } } } });
    // Wait for the new revision itself: the condition and the updated count already read so before the patch.
    await until(async () => runtime.describe(`deployment/shop/${name}`), (d) => d.revision === '2' && d.rollout.done && d.updated === 2 && d.ready === 2 && d.conditions.join().includes('NewReplicaSetAvailable'), 8_000);
    const before = fake.requests.length;
    const reply = await say('status shop prod');
    expect(reply.text).toContain('api: 2/2 ready · 2 updated · 2 available · revision 2');
    expect(reply.text).toContain('Progressing=True (NewReplicaSetAvailable)');
    // Found and described in one round: the Deployment read once, its pods listed once.
    const seen = fake.requests.slice(before).filter((r) => r.query.watch !== 'true');
    expect(seen.filter((r) => r.path === `/apis/apps/v1/namespaces/shop/deployments/${name}`)).toHaveLength(1);
    expect(seen.filter((r) => r.path === '/api/v1/namespaces/shop/pods')).toHaveLength(1);
  });

  it('status lists no pods when there are many, and stays within one Telegram message', async () => {
    const { say } = world({ replicas: 30 });
    const reply = await say('status shop prod');
    expect(reply.text).toContain('api: 30/30 ready · 30 updated · 30 available');
    expect(reply.text).toContain('30 pods, too many to list here');
    expect(reply.blocks.filter((b) => b.type === 'table')).toHaveLength(1);
    const messages = renderTelegram(reply);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.text.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
  });

  it('a crash-looping pod shows why in its phase and counts its restarts', async () => {
    const { name, say } = world({ replicas: 2 });
    await externalPatch(name, { spec: { template: { spec: { containers: [{ name: 'app', image: `${REPO}:crash` }] } } } });
    await until(async () => fake.pods('shop', name).some((p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) > 0), (x) => x);
    const reply = await say('status shop prod');
    expect(reply.text).toMatch(/api: 2\/2 ready · 1 updated · 2 available/);
    expect(reply.text).toMatch(/CrashLoopBackOff/);
  });
});
