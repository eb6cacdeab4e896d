/**
 * The Kubernetes runtime through the real @kubernetes/client-node against the fake API server: status of
 * healthy and degraded workloads, logs (and the previous container's), env without Secrets, restart,
 * deploys that succeed or are undone, rollback as `kubectl rollout undo`, an unreachable cluster, RBAC
 * refusals, hanging calls and watch streams that drop.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesRefusedError } from '../../../src/adapters/kubernetes/kube-call.js';
import { KubernetesRuntime } from '../../../src/adapters/kubernetes/kubernetes.runtime.js';
import { UNDO_ANNOTATION } from '../../../src/adapters/kubernetes/workload.js';
import { findContainers } from '../../../src/core/actions/runtime-query.js';
import type { ServiceSpec } from '../../../src/core/domain/catalog.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { noopMetrics } from '../../../src/core/ports/metrics.port.js';
import { HostUnreachableError, type RolloutRequest, type Runtime, type RuntimeRegistry } from '../../../src/core/ports/runtime.port.js';
import type { CoreServices } from '../../../src/core/services.js';
import type { FakeKubernetes } from '../../support/fake-kubernetes.js';
import { kubernetesWorld } from '../../support/kubernetes-world.js';

let fake: FakeKubernetes;
let runtime: KubernetesRuntime;
let kubeconfig: string;
let seq = 0;

beforeAll(async () => {
  ({ fake, runtime, kubeconfig } = await kubernetesWorld());
});
afterAll(() => fake.close());
afterEach(() => {
  fake.paused = false;
  fake.compactedBelow = 0;
  fake.allowAll();
  fake.dropWatchesAfter = Number.POSITIVE_INFINITY;
  fake.stall = undefined;
});

const REPO = 'registry.test/shop/api';
const health = { timeoutMs: 8_000, graceMs: 0 };

/** A fresh Deployment in namespace shop; its unit name. */
function deployment(seed: Partial<Parameters<FakeKubernetes['addDeployment']>[0]> = {}): { name: string; unit: string } {
  const name = `api-${++seq}`;
  fake.addDeployment({ namespace: 'shop', name, image: `${REPO}:1.0`, replicas: 2, ...seed });
  return { name, unit: `deployment/shop/${name}` };
}

function progress() {
  const lines: string[] = [];
  return { lines, sink: async (text: string) => void lines.push(text) };
}

const request = (unit: string, version: string): RolloutRequest => ({ targets: [{ service: 'api', units: [unit], image: `${REPO}:${version}`, version }], health });

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

const templateImage = (name: string) => fake.deployment('shop', name)!.spec.template.spec.containers[0].image as string;

describe('status', () => {
  it('describes a healthy workload: replicas, pods, condition, revision, strategy', async () => {
    const { name, unit } = deployment({ replicas: 3 });
    const [[info]] = (await runtime.find([{ name: `deployment/${name}` }])) as [[NonNullable<Awaited<ReturnType<Runtime['find']>>[0][0]>]];
    expect(info).toMatchObject({ id: unit, name: unit, image: `${REPO}:1.0`, imageId: `${REPO}:1.0`, version: '1.0', state: 'running', health: 'healthy', restartCount: 0 });
    const status = await runtime.describe(unit);
    expect(status).toMatchObject({ desired: 3, ready: 3, updated: 3, available: 3, revision: '1', container: 'app', strategy: 'RollingUpdate maxSurge 1 maxUnavailable 0', conditions: ['Progressing=True (NewReplicaSetAvailable)'], rollout: { done: true } });
    expect(status.pods).toHaveLength(3);
    expect(status.pods.every((p) => p.phase === 'Running' && p.ready && p.restarts === 0 && p.node === 'node-1' && p.image === `${REPO}:1.0` && p.startedAt instanceof Date)).toBe(true);
  });

  it('shows a degraded workload: the new pods crash-loop while the old ones still serve', async () => {
    const { name, unit } = deployment();
    await externalPatch(name, { spec: { template: { spec: { containers: [{ name: 'app', image: `${REPO}:crash` }] } } } });
    const info = await until(async () => (await runtime.find([{ name: unit }]))[0]![0]!, (i) => i.restartCount > 0);
    expect(info).toMatchObject({ state: 'running', health: 'unhealthy', image: `${REPO}:crash` });
    const status = await runtime.describe(unit);
    expect(status.ready).toBe(2);
    expect(status.updated).toBe(1);
    expect(status.revision).toBe('2');
    expect(status.rollout).toMatchObject({ done: false, failed: true });
    const crashing = status.pods.filter((p) => p.waiting === 'CrashLoopBackOff');
    expect(crashing).toHaveLength(1);
    expect(crashing[0]).toMatchObject({ ready: false, image: `${REPO}:crash`, hasPrevious: true });
  });

  it('finds workloads by label in the cluster namespace, and nothing for a name that is not a workload', async () => {
    const a = deployment({ labels: { team: 'pay' } });
    const b = deployment({ labels: { team: 'pay' } });
    deployment({ labels: { team: 'other' } });
    const [byLabel, byBadName, byMissing] = await runtime.find([{ labels: { team: 'pay' } }, { name: 'api' }, { name: 'deployment/shop/nope' }]);
    expect(byLabel!.map((u) => u.name)).toEqual([a.unit, b.unit].sort());
    expect(byBadName).toEqual([]);
    expect(byMissing).toEqual([]);
  });
});

describe('logs and env', () => {
  it('reads each pod log with tail and since, prefixed by pod, and the previous container after a crash', async () => {
    const { name, unit } = deployment();
    const pods = fake.pods('shop', name).map((p) => p.metadata.name as string).sort();
    fake.setLogs(pods[0]!, ['one', 'two', 'three']);
    fake.setLogs(pods[1]!, ['only']);
    const lines = await runtime.logs(unit, { tail: 2, since: new Date(Date.now() - 90_000) });
    expect(lines.map((l) => l.text)).toEqual([`[${pods[0]}] two`, `[${pods[0]}] three`, `[${pods[1]}] only`]);
    const logCalls = fake.requests.filter((r) => r.path.endsWith('/log'));
    expect(logCalls.at(-1)!.query).toMatchObject({ container: 'app', tailLines: '2' });
    expect(Number(logCalls.at(-1)!.query.sinceSeconds)).toBeGreaterThanOrEqual(90);

    await externalPatch(name, { spec: { template: { spec: { containers: [{ name: 'app', image: `${REPO}:crash` }] } } } });
    await until(async () => (await runtime.describe(unit)).pods, (ps) => ps.some((p) => p.waiting === 'CrashLoopBackOff'));
    const crashed = (await runtime.describe(unit)).pods.find((p) => p.waiting === 'CrashLoopBackOff')!.name;
    const after = (await runtime.logs(unit, { tail: 10 })).map((l) => l.text);
    // The crashing pod's container is down: its previous log says why.
    expect(after).toContain(`[${crashed}, previous] panic: cannot read /etc/app/config.yaml`);
    const previousOnly = (await runtime.logs(unit, { tail: 10, previous: true })).map((l) => l.text);
    expect(previousOnly).toContain(`[${crashed}, previous] panic: cannot read /etc/app/config.yaml`);
    expect(previousOnly.filter((l) => l.endsWith('(no previous container)'))).toHaveLength(2);
  });

  it('with timestamps, gives each line its time and pod instead of a prefix, the pods merged by time; with an end, reads since then and keeps the range', async () => {
    const { name, unit } = deployment();
    const pods = fake.pods('shop', name).map((p) => p.metadata.name as string).sort();
    fake.setLogs(pods[0]!, ['2026-12-02T14:23:01.000000001Z req-1 in', '2026-12-02T14:23:03.5Z req-1 out']);
    fake.setLogs(pods[1]!, ['2026-12-02T14:23:02.250Z req-2 in', '2026-12-02T14:25:00Z later']);
    const lines = await runtime.logs(unit, { tail: 10, timestamps: true });
    expect(lines).toEqual([
      { stream: 'stdout', text: 'req-1 in', at: new Date('2026-12-02T14:23:01.000Z'), replica: pods[0] },
      { stream: 'stdout', text: 'req-2 in', at: new Date('2026-12-02T14:23:02.250Z'), replica: pods[1] },
      { stream: 'stdout', text: 'req-1 out', at: new Date('2026-12-02T14:23:03.500Z'), replica: pods[0] },
      { stream: 'stdout', text: 'later', at: new Date('2026-12-02T14:25:00.000Z'), replica: pods[1] },
    ]);
    expect(fake.requests.filter((r) => r.path.endsWith('/log')).at(-1)!.query).toMatchObject({ timestamps: 'true', tailLines: '10' });

    const ranged = await runtime.logs(unit, { tail: 10, timestamps: true, since: new Date('2026-12-02T14:23:02Z'), until: new Date('2026-12-02T14:24:00Z') });
    expect(ranged.map((l) => l.text)).toEqual(['req-2 in', 'req-1 out']);
    const query = fake.requests.filter((r) => r.path.endsWith('/log')).at(-1)!.query;
    // The API has no end time: the range is read from `since` in full (bounded in bytes), not by tail.
    expect(query).toMatchObject({ timestamps: 'true', limitBytes: String(4 * 1024 * 1024) });
    expect(query).not.toHaveProperty('tailLines');
    // Without timestamps the text is as before: no time, the pod in front.
    expect((await runtime.logs(unit, { tail: 1 })).map((l) => l.text)).toEqual([`[${pods[0]}] req-1 out`, `[${pods[1]}] later`]);
  });

  it('says a ranged read was cut only when the 4 MiB ended before the window did', async () => {
    const { name, unit } = deployment({ replicas: 1 });
    const [pod] = fake.pods('shop', name).map((p) => p.metadata.name as string);
    const pad = 'x'.repeat(100);
    // 14:00:00 onwards, a line every 10 ms: about 45,000 lines (4.7 MB) to 14:07:30.
    const lines = Array.from({ length: 45_000 }, (_, i) => `${new Date(Date.UTC(2026, 11, 2, 14, 0, 0) + i * 10).toISOString()} line ${i} ${pad}`);
    fake.setLogs(pod!, lines);
    const window = { tail: 10, timestamps: true, since: new Date('2026-12-02T14:00:00Z') };

    // The window ends at 14:01: the read (to 4 MiB, past 14:01) holds all of it.
    const whole = await runtime.logs(unit, { ...window, until: new Date('2026-12-02T14:01:00Z') });
    expect(whole.some((l) => l.cut)).toBe(false);
    expect(whole.at(-1)!.at!.getTime()).toBeLessThan(Date.parse('2026-12-02T14:01:00Z'));

    // The window ends at 14:10: the 4 MiB ran out inside it, and that is said.
    const cut = await runtime.logs(unit, { ...window, until: new Date('2026-12-02T14:10:00Z') });
    expect(cut.filter((l) => l.cut)).toHaveLength(1);
  });

  it('resolves ConfigMap values, names Secrets without reading them', async () => {
    fake.addConfigMap('shop', 'api-config', { LOG_LEVEL: 'debug', REGION: 'eu' });
    fake.addSecret('shop', 'api-db', { password: 'aHVudGVyMg==' });
    const { unit } = deployment({
      env: [
        { name: 'PLAIN', value: 'yes' },
        { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'api-config', key: 'LOG_LEVEL' } } },
        { name: 'GONE', valueFrom: { configMapKeyRef: { name: 'no-such-map', key: 'X' } } },
        { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'api-db', key: 'password' } } },
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      ],
      envFrom: [{ configMapRef: { name: 'api-config' }, prefix: 'CFG_' }, { secretRef: { name: 'api-db' } }],
    });
    expect(await runtime.env(unit)).toEqual({
      CFG_LOG_LEVEL: 'debug',
      CFG_REGION: 'eu',
      '*': 'secretRef api-db (every key, not read)',
      PLAIN: 'yes',
      LEVEL: 'debug',
      GONE: 'configMapKeyRef no-such-map/X (not found)',
      DB_PASSWORD: 'secretKeyRef api-db/password',
      POD: 'fieldRef metadata.name',
    });
    expect(fake.requests.filter((r) => r.path.includes('/secrets'))).toEqual([]);
  });
});

describe('restart', () => {
  it('patches restartedAt on the pod template and watches the rollout to completion', async () => {
    const { name, unit } = deployment();
    const before = fake.pods('shop', name).map((p) => p.metadata.name);
    const p = progress();
    const result = await runtime.restart({ targets: [{ service: 'api', units: [unit] }], health }, p.sink);
    expect(result).toEqual({ status: 'succeeded', changed: 1 });
    expect(fake.deployment('shop', name)!.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toMatch(/^\d{4}-\d\d-\d\dT/);
    const after = fake.pods('shop', name).map((p) => p.metadata.name);
    expect(after).toHaveLength(2);
    expect(after.some((n) => before.includes(n))).toBe(false);
    expect(p.lines[0]).toBe(`Restarting 1/1: ${unit}…`);
    expect(p.lines.at(-1)).toBe(`${unit} healthy (rollout complete, 2/2 ready)`);
    // A restart is not a new revision for the drift check: the same image runs.
    expect((await runtime.find([{ name: unit }]))[0]![0]!.imageId).toBe(`${REPO}:1.0`);
  });
});

describe('deploy', () => {
  it('patches the image, edits progress in, and commits by dropping the undo mark', async () => {
    const { name, unit } = deployment();
    const p = progress();
    expect(await runtime.prepare(request(unit, '1.1'), p.sink)).toEqual({ ok: true });
    expect(templateImage(name)).toBe(`${REPO}:1.0`);
    const result = await runtime.rollout(request(unit, '1.1'), p.sink);
    expect(result.status).toBe('succeeded');
    expect(fake.deployment('shop', name)!.metadata.annotations[UNDO_ANNOTATION]).toBe('1');
    if (result.status === 'succeeded') await result.commit();
    const d = fake.deployment('shop', name)!;
    expect(d.metadata.annotations[UNDO_ANNOTATION]).toBeUndefined();
    expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe('2');
    expect(fake.pods('shop', name).map((x) => x.spec.containers[0].image)).toEqual([`${REPO}:1.1`, `${REPO}:1.1`]);
    expect(p.lines).toContain(`Replacing 1/1: ${unit} → 1.1…`);
    expect(p.lines.some((l) => /^deployment\/shop\/api-\d+: \d\/2 updated, \d ready \(.+\)$/.test(l))).toBe(true);
    expect(p.lines.at(-1)).toBe(`${unit} healthy (rollout complete, 2/2 ready)`);
    const dryRuns = fake.requests.filter((r) => r.method === 'PATCH' && r.query.dryRun === 'All');
    expect(dryRuns.length).toBeGreaterThan(0);
  });

  it('undoes a rollout whose new pods crash-loop, back to the previous template', async () => {
    const { name, unit } = deployment();
    const p = progress();
    const result = await runtime.rollout(request(unit, 'crash-1'), p.sink);
    expect(result).toMatchObject({ status: 'rolled_back', restored: 1, problems: [] });
    expect(result.status !== 'succeeded' && result.reason).toMatch(new RegExp(`^${unit} is not healthy on crash-1 \\(pod ${name}-\\w+-\\w+ is in CrashLoopBackOff\\)$`));
    const d = fake.deployment('shop', name)!;
    expect(templateImage(name)).toBe(`${REPO}:1.0`);
    expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe('3');
    expect(d.metadata.annotations[UNDO_ANNOTATION]).toBeUndefined();
    expect(fake.pods('shop', name).map((x) => `${x.spec.containers[0].image} ${x.status.containerStatuses[0].ready}`)).toEqual([`${REPO}:1.0 true`, `${REPO}:1.0 true`]);
  });

  it('undoes a rollout that passes its progress deadline', async () => {
    const { name, unit } = deployment({ progressDeadlineSeconds: 1 });
    const result = await runtime.rollout(request(unit, 'stuck-1'), async () => {});
    expect(result).toMatchObject({ status: 'rolled_back', restored: 1 });
    expect(result.status !== 'succeeded' && result.reason).toBe(`${unit} is not healthy on stuck-1 (its progress deadline (1 s) passed)`);
    expect(templateImage(name)).toBe(`${REPO}:1.0`);
    await until(async () => (await runtime.find([{ name: unit }]))[0]![0]!.health, (h) => h === 'healthy');
  });

  it('rolls back to the previous revision the way kubectl rollout undo does: its whole template, its ReplicaSet', async () => {
    // A pod spec field newer than the client's models must come back too.
    const { name, unit } = deployment({ env: [{ name: 'MODE', value: 'v1' }], podSpec: { futureField: { zone: 'a' } } });
    const firstTemplate = structuredClone(fake.replicaSets('shop', name)[0]!.spec.template);
    delete firstTemplate.metadata.labels['pod-template-hash'];
    // Someone deployed 1.1 with a changed env var; the rollback must bring back both.
    await externalPatch(name, { spec: { template: { spec: { containers: [{ name: 'app', image: `${REPO}:1.1`, env: [{ name: 'MODE', value: 'v2' }] }] } } } });
    await until(async () => (await runtime.describe(unit)).rollout, (r) => r.done === true);
    const p = progress();
    const result = await runtime.rollout(request(unit, '1.0'), p.sink);
    expect(result.status).toBe('succeeded');
    if (result.status === 'succeeded') await result.commit();
    const d = fake.deployment('shop', name)!;
    expect(d.spec.template).toEqual(firstTemplate);
    expect(d.spec.template.spec.containers[0].env).toEqual([{ name: 'MODE', value: 'v1' }]);
    expect(d.spec.template.spec.futureField).toEqual({ zone: 'a' });
    expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe('3');
    expect(fake.replicaSets('shop', name)).toHaveLength(2);
    expect(p.lines).toContain(`${unit}: back to the previous revision's pod template (rollout undo)`);
    const undo = fake.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith(`/deployments/${name}`) && r.query.dryRun === undefined);
    expect(undo.length).toBeGreaterThanOrEqual(2);
  });

  it('goes back to the revision of a change made just before the deploy, once the controller has seen it', async () => {
    const { name, unit } = deployment();
    await runtime.find([{ name: unit }]);
    fake.paused = true;
    await externalPatch(name, { spec: { template: { spec: { containers: [{ name: 'app', image: `${REPO}:1.1` }] } } } });
    setTimeout(() => (fake.paused = false), 300);
    const result = await runtime.rollout(request(unit, 'crash-3'), async () => {});
    expect(result).toMatchObject({ status: 'rolled_back', restored: 1 });
    expect(templateImage(name)).toBe(`${REPO}:1.1`);
  });

  it('rolls several workloads one at a time and undoes the earlier ones when a later one fails', async () => {
    const a = deployment();
    const b = deployment();
    const req: RolloutRequest = {
      targets: [
        { service: 'api', units: [a.unit], image: `${REPO}:1.1`, version: '1.1' },
        { service: 'worker', units: [b.unit], image: `${REPO}:crash-2`, version: 'crash-2' },
      ],
      health,
    };
    const p = progress();
    const result = await runtime.rollout(req, p.sink);
    expect(result).toMatchObject({ status: 'rolled_back', restored: 2, problems: [] });
    expect(templateImage(a.name)).toBe(`${REPO}:1.0`);
    expect(templateImage(b.name)).toBe(`${REPO}:1.0`);
    expect(p.lines.filter((l) => l.startsWith('Restored '))).toEqual([`Restored ${b.unit} (revision 1)`, `Restored ${a.unit} (revision 1)`]);
  });
});

describe('failures', () => {
  it('shows an unreachable cluster as unreachable while the other cluster still answers', async () => {
    const down = new KubernetesRuntime('us-cluster', { kubeconfig, context: 'other' }, { namespace: 'shop', timeoutMs: 2_000 });
    await expect(down.ping()).rejects.toBeInstanceOf(HostUnreachableError);
    await expect(down.find([{ name: 'deployment/api' }])).rejects.toThrow(/host us-cluster unreachable: connection refused/);
    const { unit } = deployment();
    const registry: RuntimeRegistry = { get: (h) => (h === 'us-cluster' ? down : runtime), hosts: () => ['eu-cluster', 'us-cluster'] };
    const spec = (host: string): ServiceSpec => ({ name: `api-${host}`, project: 'shop', env: 'prod', host, selector: { name: unit } });
    const [eu, us] = [spec('eu-cluster'), spec('us-cluster')];
    const deps = { runtimes: registry, limits: { hostTimeoutMs: 3_000 }, metrics: noopMetrics, logger: silentLogger } as unknown as CoreServices;
    const found = await findContainers([eu, us], deps);
    expect(found.get(us)).toEqual({ ok: false, host: 'us-cluster', problem: 'unreachable' });
    expect(found.get(eu)).toMatchObject({ ok: true, containers: [{ name: unit, state: 'running' }] });
  });

  it('says clearly what RBAC refused', async () => {
    const { unit } = deployment();
    fake.forbid({ verb: 'patch', resource: 'deployments' });
    const p = progress();
    const prepared = await runtime.prepare(request(unit, '1.1'), p.sink);
    expect(prepared).toEqual({ ok: false, result: `Stopped before touching any workload: cluster eu-cluster refused Deckhand to patch deployments in namespace shop (${unit.split('/')[2]}): its account lacks that permission (RBAC).` });
    fake.forbid({ verb: 'list', resource: 'pods' });
    const refused = await runtime.find([{ name: unit }]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(KubernetesRefusedError);
    expect((refused as Error).message).toBe('cluster eu-cluster refused Deckhand to list pods in namespace shop: its account lacks that permission (RBAC)');
  });

  it('an admission webhook denying the image stops the deploy before anything changes', async () => {
    const { name, unit } = deployment();
    const prepared = await runtime.prepare({ ...request(unit, '1.1'), targets: [{ service: 'api', units: [unit], image: 'registry.test/missing/api:1.1', version: '1.1' }] }, async () => {});
    expect(prepared.ok).toBe(false);
    expect(!prepared.ok && prepared.result).toContain('admission webhook "images.policy.example" denied the request: image registry.test/missing/api:1.1 was not found in its registry');
    expect(templateImage(name)).toBe(`${REPO}:1.0`);
  });

  it('gives up on a call that hangs at its deadline', async () => {
    const quick = new KubernetesRuntime('eu-cluster', { kubeconfig, context: 'fake' }, { namespace: 'shop', timeoutMs: 300 });
    fake.stall = /\/pods$/;
    const started = Date.now();
    const error = await quick.find([{ name: deployment().unit }]).catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ name: 'TimeoutError', message: 'no answer from eu-cluster within 300 ms' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('follows the rollout by looking every poll interval when it may not watch, without retrying the watch in a loop', async () => {
    const polling = new KubernetesRuntime('eu-cluster', { kubeconfig, context: 'fake' }, { namespace: 'shop', pollMs: 250 });
    const { unit } = deployment();
    fake.forbid({ verb: 'watch', resource: 'deployments' });
    const before = fake.watchRequests().length;
    const started = Date.now();
    const result = await polling.rollout(request(unit, '1.1'), async () => {});
    expect(result.status).toBe('succeeded');
    const tried = fake.watchRequests().length - before;
    expect(tried).toBeGreaterThanOrEqual(1);
    expect(tried).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 250) + 1);
  });

  it('starts the watch again from a fresh read when its resourceVersion has expired (410), without spinning', async () => {
    const watching = new KubernetesRuntime('eu-cluster', { kubeconfig, context: 'fake' }, { namespace: 'shop', pollMs: 3_600_000 });
    const { unit } = deployment();
    await watching.find([{ name: unit }]);
    // Everything up to a few changes after the patch is compacted away.
    fake.compactedBelow = fake.resourceVersion + 4;
    const before = fake.watchRequests().length;
    const started = Date.now();
    const result = await watching.rollout(request(unit, '1.1'), async () => {});
    expect(result.status).toBe('succeeded');
    const watches = fake.watchRequests().slice(before).map((r) => Number(r.query.resourceVersion || 0));
    expect(watches[0]).toBeLessThan(fake.compactedBelow);
    // After the 410 the watch starts from the current state (no resourceVersion), then resumes from what it saw.
    expect(watches[1]).toBe(0);
    expect(watches.slice(2).every((v) => v >= fake.compactedBelow)).toBe(true);
    // Each expired watch waits before the next: no tight loop.
    expect(watches.length).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 200) + 2);
  });

  it('resumes watch streams that drop, from the last resourceVersion seen', async () => {
    // Polling is off (an hour): only the watch can tell the rollout moved on.
    const watching = new KubernetesRuntime('eu-cluster', { kubeconfig, context: 'fake' }, { namespace: 'shop', pollMs: 3_600_000 });
    const { name, unit } = deployment();
    fake.dropWatchesAfter = 1;
    const before = fake.watchRequests().length;
    const result = await watching.rollout(request(unit, '1.1'), async () => {});
    expect(result.status).toBe('succeeded');
    // Each stream carried one event and the rollout took several changes: it finished only by resuming.
    const watches = fake.watchRequests().slice(before).filter((r) => r.path.endsWith('/deployments'));
    expect(watches.length).toBeGreaterThanOrEqual(2);
    expect(watches.every((w) => w.query.fieldSelector === `metadata.name=${name}`)).toBe(true);
    const versions = watches.map((w) => Number(w.query.resourceVersion));
    expect(versions.every((v) => v > 0)).toBe(true);
    expect([...versions].sort((x, y) => x - y)).toEqual(versions);
    expect(new Set(versions).size).toBe(versions.length);
  }, 15_000);
});
