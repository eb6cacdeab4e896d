/**
 * The Role the chart ships is enough for the Kubernetes runtime, and no wider than it: every operation
 * (status by name and by labels, logs and --previous, env, restart, a deploy, a deploy undone on a crash
 * loop, a rollback, start-up recovery, ping, and a StatefulSet's undo with its pod deletes, which only
 * rbac.statefulSetUndo grants) runs through the real client against the fake API server, and
 * every request it made is then authorized against the Role's rules the way the API server's RBAC
 * authorizer matches them (namespace, API group, resource and subresource, verb, resourceNames).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubernetesRuntime } from '../../../src/adapters/kubernetes/kubernetes.runtime.js';
import type { RolloutRequest } from '../../../src/core/ports/runtime.port.js';
import type { FakeKubernetes, RecordedRequest } from '../../support/fake-kubernetes.js';
import { kubernetesWorld } from '../../support/kubernetes-world.js';
import { renderTemplate, type K8sObject } from './chart.js';

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };

/** What the API server's request info makes of a request (k8s.io/apiserver/pkg/endpoints/request). */
interface Attributes {
  namespace: string;
  group: string;
  resource: string;
  name: string | undefined;
  verb: string;
}

const VERBS: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

/** null for a non-resource URL (/version, discovery), which every authenticated client may read. */
function attributesOf(r: RecordedRequest): Attributes | null {
  const m = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(r.path);
  if (!m) return null;
  const [, group = '', namespace = '', plural = '', name, sub] = m;
  const watching = r.query['watch'] === 'true' || r.query['watch'] === '1';
  // A list or watch narrowed to one object by metadata.name is authorized against that name.
  const byName = /^metadata\.name=([^,]+)$/.exec(r.query['fieldSelector'] ?? '')?.[1];
  const verb = r.method === 'GET' ? (watching ? 'watch' : name === undefined ? 'list' : 'get') : (VERBS[r.method] ?? r.method.toLowerCase());
  return { namespace, group, resource: sub ? `${plural}/${sub}` : plural, name: name ?? byName, verb };
}

function allowed(roles: K8sObject[], a: Attributes): boolean {
  return roles.some(
    (role) =>
      role.metadata.namespace === a.namespace &&
      (role['rules'] as Rule[]).some(
        (rule) =>
          rule.apiGroups.includes(a.group) &&
          rule.resources.includes(a.resource) &&
          rule.verbs.includes(a.verb) &&
          (!rule.resourceNames?.length || (a.name !== undefined && rule.resourceNames.includes(a.name))),
      ),
  );
}

const describeRequest = (a: Attributes) => `${a.verb} ${a.group || 'core'}/${a.resource}${a.name ? ` "${a.name}"` : ''} in ${a.namespace || '(cluster)'}`;
const roles = (values: Record<string, unknown>) => renderTemplate('rbac.yaml', { rbac: values }).filter((o) => o.kind === 'Role');

let fake: FakeKubernetes;
let runtime: KubernetesRuntime;
const REPO = 'registry.test/shop/api';
const health = { timeoutMs: 8_000, graceMs: 0 };
const request = (unit: string, version: string): RolloutRequest => ({ targets: [{ service: 'api', units: [unit], image: `${REPO}:${version}`, version }], health });
const sink = async () => {};
let requests: Attributes[] = [];
let statefulSetUndo: Attributes[] = [];

beforeAll(async () => {
  ({ fake, runtime } = await kubernetesWorld());
  fake.addConfigMap('shop', 'api-config', { LOG_LEVEL: 'debug' });
  fake.addDeployment({
    namespace: 'shop',
    name: 'api',
    image: `${REPO}:1.0`,
    replicas: 2,
    labels: { team: 'pay' },
    env: [{ name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'api-config', key: 'LOG_LEVEL' } } }],
    podSpec: { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'api-data' } }] },
  });
  fake.addClaim('shop', 'api-data', '1Gi');
  const unit = 'deployment/shop/api';

  // Given every operation the runtime has, on a cluster that refuses nothing…
  await runtime.ping();
  expect((await runtime.find([{ name: unit }, { labels: { team: 'pay' } }])).map((units) => units.map((u) => u.name))).toEqual([[unit], [unit]]);
  await runtime.describe(unit);
  await runtime.logs(unit, { tail: 5 });
  await runtime.logs(unit, { tail: 5, previous: true });
  expect(await runtime.env(unit)).toMatchObject({ LEVEL: 'debug' });
  expect(await runtime.restart({ targets: [{ service: 'api', units: [unit] }], health }, sink)).toEqual({ status: 'succeeded', changed: 1 });
  expect(await runtime.prepare(request(unit, '1.1'), sink)).toEqual({ ok: true });
  const deployed = await runtime.rollout(request(unit, '1.1'), sink);
  expect(deployed.status).toBe('succeeded');
  if (deployed.status === 'succeeded') await deployed.commit();
  expect(await runtime.rollout(request(unit, 'crash-1'), sink)).toMatchObject({ status: 'rolled_back' });
  const rolledBack = await runtime.rollout(request(unit, '1.0'), sink);
  expect(rolledBack.status).toBe('succeeded');
  if (rolledBack.status === 'succeeded') await rolledBack.commit();
  await runtime.recover([{ service: 'api', units: [unit] }]);
  // The cost sampler's read: the pods' metrics and the claims they mount.
  expect((await runtime.usage([unit]))[0]).toMatchObject({ unitId: unit, storageBytes: 2 ** 30 });

  // …these are the requests it made.
  requests = fake.requests.map(attributesOf).filter((a): a is Attributes => a !== null);

  // A StatefulSet's crash-looping rollout undone: its template back, its broken pod deleted.
  fake.addStatefulSet({ namespace: 'shop', name: 'db', image: `${REPO}:1.0`, replicas: 2 });
  const before = fake.requests.length;
  expect(await runtime.rollout(request('statefulset/shop/db', 'crash-1'), sink)).toMatchObject({ status: 'rolled_back', problems: [] });
  statefulSetUndo = fake.requests.slice(before).map(attributesOf).filter((a): a is Attributes => a !== null);
}, 60_000);
afterAll(() => fake.close());

describe('the chart Role and the Kubernetes runtime', () => {
  it('the runtime made requests of every kind it needs', () => {
    const kinds = new Set(requests.map((a) => `${a.verb} ${a.group ? `${a.group}/` : ''}${a.resource}`));
    for (const k of ['get apps/deployments', 'list apps/deployments', 'watch apps/deployments', 'patch apps/deployments', 'list pods', 'get pods/log', 'list apps/replicasets', 'get configmaps', 'list metrics.k8s.io/pods', 'list persistentvolumeclaims']) expect(kinds).toContain(k);
  });

  it('allows every request the runtime makes in a namespace it is given', () => {
    const granted = roles({ namespaces: ['shop'] });
    expect(requests.filter((a) => !allowed(granted, a)).map(describeRequest)).toEqual([]);
  });

  it('allows nothing in a namespace it is not given', () => {
    const granted = roles({ namespaces: ['other'] });
    expect(requests.filter((a) => allowed(granted, a))).toEqual([]);
  });

  it('with workloadNames, still allows every request by name, and refuses selecting workloads by labels', () => {
    const granted = roles({ namespaces: ['shop'], workloadNames: ['api'] });
    const refused = requests.filter((a) => !allowed(granted, a));
    expect(refused.length).toBeGreaterThan(0);
    for (const a of refused) expect(describeRequest(a)).toMatch(/^list apps\/(deployments|statefulsets|daemonsets) in shop$/);
    // Another workload's name does not let it patch this one.
    const other = roles({ namespaces: ['shop'], workloadNames: ['web'] });
    const patches = requests.filter((a) => a.resource === 'deployments' && a.verb === 'patch');
    expect(patches.length).toBeGreaterThan(0);
    expect(patches.filter((a) => allowed(other, a))).toEqual([]);
  });

  it('grants the metrics API and claims no more than the listing the sampler does', () => {
    const granted = roles({ namespaces: ['shop'] });
    const ask = (group: string, resource: string, verb: string) => allowed(granted, { namespace: 'shop', group, resource, name: undefined, verb });
    expect(ask('metrics.k8s.io', 'pods', 'list')).toBe(true);
    expect(ask('metrics.k8s.io', 'pods', 'watch')).toBe(false);
    expect(ask('metrics.k8s.io', 'nodes', 'list')).toBe(false);
    expect(ask('', 'persistentvolumeclaims', 'list')).toBe(true);
    expect(ask('', 'persistentvolumeclaims', 'patch')).toBe(false);
    expect(ask('', 'persistentvolumes', 'list')).toBe(false);
  });

  it('allows undoing a StatefulSet only with rbac.statefulSetUndo, which adds the pod deletes and nothing else', () => {
    const deletes = statefulSetUndo.filter((a) => a.verb === 'delete');
    expect(deletes.map(describeRequest)).toEqual(['delete core/pods "db-1" in shop']);
    expect(statefulSetUndo.filter((a) => !allowed(roles({ namespaces: ['shop'], statefulSetUndo: true }), a)).map(describeRequest)).toEqual([]);
    expect(statefulSetUndo.filter((a) => !allowed(roles({ namespaces: ['shop'] }), a)).map(describeRequest)).toEqual(deletes.map(describeRequest));
  });

  it('the check refuses what a rule does not grant', () => {
    const [role] = roles({ namespaces: ['shop'] }) as [K8sObject];
    const withoutWatch = structuredClone(role);
    for (const rule of withoutWatch['rules'] as Rule[]) if (rule.resources.includes('deployments')) rule.verbs = rule.verbs.filter((v) => v !== 'watch');
    expect(requests.filter((a) => !allowed([withoutWatch], a)).map(describeRequest)).toContain('watch apps/deployments "api" in shop');
    expect(allowed([role], { namespace: 'shop', group: '', resource: 'secrets', name: 'api-db', verb: 'get' })).toBe(false);
  });
});
