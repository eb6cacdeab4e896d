/**
 * What the Kubernetes runtime hands the cost sampler and health, through the real @kubernetes/client-node
 * against the fake API server: usage from the metrics API (metrics.k8s.io PodMetrics) summed over a
 * workload's pods, disk from its PersistentVolumeClaims, quantities in every form the API writes them,
 * a cluster without metrics-server (or with it down, or refused) giving no readings and saying so once,
 * and the restarts and lost readiness health scores.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { quantitySchema, toUsage } from '../../../src/adapters/kubernetes/pod-usage.js';
import type { PodObject } from '../../../src/adapters/kubernetes/workload.js';
import { podSummary } from '../../../src/adapters/kubernetes/workload.js';
import type { KubernetesRuntime } from '../../../src/adapters/kubernetes/kubernetes.runtime.js';
import { DEFAULT_USAGE, type FakeKubernetes } from '../../support/fake-kubernetes.js';
import { kubernetesWorld } from '../../support/kubernetes-world.js';
import { recordingLogger } from '../adapters/telegram/recording-core.js';

const MI = 2 ** 20;
let fake: FakeKubernetes;
let runtime: KubernetesRuntime;
const log = recordingLogger();
let seq = 0;

beforeAll(async () => {
  ({ fake, runtime } = await kubernetesWorld({ logger: log.logger }));
});
afterAll(() => fake.close());
afterEach(() => {
  fake.metricsServer = 'served';
  fake.allowAll();
  log.entries.length = 0;
});

function deployment(seed: Partial<Parameters<FakeKubernetes['addDeployment']>[0]> = {}): { name: string; unit: string; pods: string[] } {
  const name = `usage-${++seq}`;
  fake.addDeployment({ namespace: 'shop', name, image: 'registry.test/shop/api:1.0', replicas: 2, ...seed });
  return { name, unit: `deployment/shop/${name}`, pods: fake.pods('shop', name).map((p) => p.metadata.name as string).sort() };
}

const warnings = () => log.entries.filter((e) => e.level === 'warn').map((e) => e.msg);

describe('resource quantities', () => {
  it('reads every suffix the API writes, as cores or bytes', () => {
    const q = (text: string) => quantitySchema.parse(text);
    expect(q('250m')).toBeCloseTo(0.25, 12);
    expect(q('12345n')).toBeCloseTo(12345e-9, 15);
    expect(q('1500u')).toBeCloseTo(0.0015, 12);
    expect(q('2')).toBe(2);
    expect(q('64Mi')).toBe(64 * MI);
    expect(q('123456Ki')).toBe(123456 * 1024);
    expect(q('1.5Gi')).toBe(1.5 * 2 ** 30);
    expect(q('1G')).toBe(1e9);
    expect(q('100k')).toBe(100_000);
    expect(q('1e3')).toBe(1000);
    expect(q('5E-3')).toBeCloseTo(0.005, 12);
    expect(q('.5')).toBe(0.5);
  });

  it('refuses what is not a quantity, or a negative one', () => {
    for (const bad of ['', 'abc', '-1', '12Xi', '1.2.3', '5 Mi', 'Mi', '1e', '1mi']) expect(quantitySchema.safeParse(bad).success, bad).toBe(false);
    expect(quantitySchema.safeParse(42).success).toBe(false);
  });
});

describe('usage from the metrics API', () => {
  it('sums CPU cores and memory working set over the workload\'s pods and every container, sidecars included', async () => {
    const { unit, pods } = deployment({ sidecars: [{ name: 'proxy', image: 'registry.test/envoy:1.30' }] });
    fake.setUsage(pods[0]!, { app: { cpu: '250m', memory: '64Mi' }, proxy: { cpu: '12345n', memory: '123456Ki' } });
    fake.setUsage(pods[1]!, { app: { cpu: '0.5', memory: '32Mi' }, proxy: { cpu: '5m', memory: '1Mi' } });
    const before = Date.now();
    const [read] = await runtime.usage([unit]);
    expect(read).toMatchObject({ unitId: unit, cpuTotalNs: 0, storageBytes: 0, imageCreatedAt: null });
    expect(read!.cpuCores).toBeCloseTo(0.25 + 12345e-9 + 0.5 + 0.005, 12);
    expect(read!.memoryBytes).toBe(64 * MI + 123456 * 1024 + 32 * MI + MI);
    // When it was read, not the metrics' timestamp (whole seconds, repeated until the next scrape).
    expect(read!.readAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(read!.readAt.getTime()).toBeLessThanOrEqual(Date.now());
    // One metrics list per workload, narrowed to its pods by the workload's selector.
    const listed = fake.requests.filter((r) => r.path === '/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods');
    expect(listed.at(-1)!.query.labelSelector).toBe(`app=${unit.split('/')[2]}`);
  });

  it('counts only the container a unit names', async () => {
    const { name, pods } = deployment({ replicas: 1, sidecars: [{ name: 'worker', image: 'registry.test/shop/worker:1.0' }] });
    fake.setUsage(pods[0]!, { app: { cpu: '1', memory: '100Mi' }, worker: { cpu: '300m', memory: '10Mi' } });
    const [read] = await runtime.usage([`deployment/shop/${name}/worker`]);
    expect(read!.unitId).toBe(`deployment/shop/${name}/worker`);
    expect(read!.cpuCores).toBeCloseTo(0.3, 12);
    expect(read!.memoryBytes).toBe(10 * MI);
  });

  it('counts the PersistentVolumeClaims the pods mount, a claim shared by two pods once', async () => {
    fake.addClaim('shop', 'uploads', '10Gi');
    fake.addClaim('shop', 'cache', '512Mi');
    const volumes = [{ name: 'uploads', persistentVolumeClaim: { claimName: 'uploads' } }, { name: 'cache', persistentVolumeClaim: { claimName: 'cache' } }, { name: 'tmp', emptyDir: {} }];
    const { unit } = deployment({ podSpec: { volumes } });
    const [read] = await runtime.usage([unit]);
    expect(read!.storageBytes).toBe(10 * 2 ** 30 + 512 * MI);
  });

  it('leaves out a workload gone meanwhile and one whose pods have no metrics yet', async () => {
    const { unit } = deployment({ replicas: 1 });
    const unscraped = deployment({ replicas: 1 });
    // metrics-server lists a pod only once it has scraped it: not measured, rather than measured at 0.
    fake.notScrapedYet(unscraped.pods[0]!);
    const reads = await runtime.usage([unit, 'deployment/shop/no-such-workload', unscraped.unit]);
    expect(reads.map((r) => r.unitId)).toEqual([unit]);
    expect(reads[0]!.memoryBytes).toBe(8 * MI); // DEFAULT_USAGE of its one container
    expect(DEFAULT_USAGE.memory).toBe('8Mi');
  });

  it('skips a value the API wrote in no known form, logs it, and keeps the rest', async () => {
    const { unit, pods } = deployment({ sidecars: [{ name: 'proxy', image: 'registry.test/envoy:1.30' }] });
    fake.setUsage(pods[0]!, { app: { cpu: 'lots', memory: '64Mi' }, proxy: { cpu: '100m', memory: '-5Mi' } });
    fake.setUsage(pods[1]!, { app: { cpu: '200m', memory: '16Mi' }, proxy: { cpu: '1m', memory: '1Mi' } });
    const [read] = await runtime.usage([unit]);
    expect(read!.cpuCores).toBeCloseTo(0.201, 12);
    expect(read!.memoryBytes).toBe(17 * MI);
    const skipped = log.entries.filter((e) => e.msg === 'skipped a container usage the metrics API wrote in no known form');
    expect(skipped.map((e) => (e.obj as { container: string }).container).sort()).toEqual(['app', 'proxy']);
    expect(JSON.stringify(skipped)).toContain('not a resource quantity: \\"lots\\"');
  });

  it('without metrics-server gives no readings, never throws, and says so once until it is back', async () => {
    const { unit } = deployment({ replicas: 1 });
    fake.metricsServer = 'absent';
    expect(await runtime.usage([unit])).toEqual([]);
    expect(await runtime.usage([unit])).toEqual([]);
    expect(warnings()).toEqual(['usage not measured: the cluster does not serve the metrics API (metrics.k8s.io): install metrics-server']);
    // The same path is a 404 of the API server, as on a cluster without the APIService.
    const res = await fetch(`${fake.url}/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods`, { headers: { authorization: 'Bearer test-token' } });
    expect(res.status).toBe(404);

    fake.metricsServer = 'down';
    expect(await runtime.usage([unit])).toEqual([]);
    fake.metricsServer = 'served';
    expect(await runtime.usage([unit])).toHaveLength(1);
    fake.forbid({ verb: 'list', resource: 'pods.metrics.k8s.io' });
    expect(await runtime.usage([unit])).toEqual([]);
    expect(await runtime.usage([unit])).toEqual([]);
    expect(log.entries.filter((e) => e.level !== 'debug').map((e) => e.msg)).toEqual([
      'usage not measured: the cluster does not serve the metrics API (metrics.k8s.io): install metrics-server',
      'usage not measured: the metrics API did not answer (503): metrics-server is not running',
      'usage readable again from the metrics API',
      'usage not measured: Deckhand may not list pods in metrics.k8s.io (RBAC): grant it list on pods.metrics.k8s.io',
    ]);
  });

  it('metrics refused in one namespace leave out only its workloads', async () => {
    const { unit } = deployment({ replicas: 1 });
    const other = `usage-${++seq}`;
    fake.addDeployment({ namespace: 'billing', name: other, image: 'registry.test/billing/api:1.0', replicas: 1 });
    // Readable everywhere first (an earlier test left the runtime remembering a refusal), then refused in billing.
    expect(await runtime.usage([unit])).toHaveLength(1);
    log.entries.length = 0;
    fake.forbid({ verb: 'list', resource: 'pods.metrics.k8s.io', namespace: 'billing' });
    const usage = await runtime.usage([unit, `deployment/billing/${other}`]);
    expect(usage.map((u) => u.unitId)).toEqual([unit]);
    expect(warnings()).toEqual(['usage not measured: Deckhand may not list pods in metrics.k8s.io (RBAC): grant it list on pods.metrics.k8s.io']);
  });

  it('still fails on an unreachable cluster (the sampler logs the host as failed)', async () => {
    const { unit } = deployment({ replicas: 1 });
    fake.stall = /metrics\.k8s\.io/;
    try {
      const started = Date.now();
      await expect(runtime.usage([unit], { signal: AbortSignal.timeout(300) })).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      fake.stall = undefined;
    }
  });
});

describe('what health reads of a workload', () => {
  it('adds up the pods\' restarts', async () => {
    const { unit, pods } = deployment();
    fake.crash('shop', pods[0]!, 2);
    fake.crash('shop', pods[1]!);
    const info = (await runtime.find([{ name: unit }]))[0]![0]!;
    expect(info.restartCount).toBe(3);
    expect(info.health).toBe('healthy');
  });

  it('is unhealthy while a pod that was ready has lost its readiness', async () => {
    const { unit, pods } = deployment();
    fake.failReadiness('shop', pods[1]!);
    const info = (await runtime.find([{ name: unit }]))[0]![0]!;
    expect(info).toMatchObject({ health: 'unhealthy', state: 'running' });
  });

  it('tells lost readiness from a container still starting by when the Ready condition turned False', () => {
    const pod = (turned: string) => ({
      metadata: { name: 'api-1' },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: turned }],
        containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { running: { startedAt: '2026-12-01T10:00:05Z' } } }],
      },
    });
    // Not ready since the pod was created, before its container started: starting, not unhealthy.
    expect(podSummary(pod('2026-12-01T10:00:00Z'), 'app').lostReadiness).toBe(false);
    // Turned not ready a minute after the container started: its readiness probe fails.
    expect(podSummary(pod('2026-12-01T10:01:05Z'), 'app').lostReadiness).toBe(true);
  });
});

describe('pods of the same name in two namespaces', () => {
  it("give each unit its own namespace's metrics (a StatefulSet's web-0 in staging and in prod)", () => {
    const pod = { metadata: { name: 'web-0' } } as unknown as PodObject;
    const metrics = (namespace: string, cpu: string, memory: string) => ({ metadata: { name: 'web-0', namespace }, containers: [{ name: 'web', usage: { cpu, memory } }] });
    const usage = toUsage(
      [
        { unitId: 'statefulset/shop-staging/web', namespace: 'shop-staging', pods: [pod] },
        { unitId: 'statefulset/shop-prod/web', namespace: 'shop-prod', pods: [pod] },
      ],
      [metrics('shop-prod', '2', '2Gi'), metrics('shop-staging', '100m', '64Mi')],
      new Map(),
      new Date('2026-12-02T12:00:00Z'),
      log.logger,
    );
    const of = (id: string) => usage.find((u) => u.unitId === id);
    expect(of('statefulset/shop-staging/web')).toMatchObject({ cpuCores: 0.1, memoryBytes: 64 * MI });
    expect(of('statefulset/shop-prod/web')).toMatchObject({ cpuCores: 2, memoryBytes: 2 * 2 ** 30 });
  });
});
