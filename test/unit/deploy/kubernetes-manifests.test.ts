/**
 * Every object in deploy/kubernetes/ (and what the chart renders with its optional parts on) is validated
 * against the Kubernetes API's OpenAPI schemas (kubernetes-models), then checked against what Deckhand itself
 * expects: its ports, probe and webhook paths, environment, shutdown budget, least-privilege RBAC and a
 * non-root, read-only container.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_PATHS } from '../../../src/adapters/http/http-router.js';
import { ALERTMANAGER_WEBHOOK_PATH } from '../../../src/adapters/http/alertmanager.handler.js';
import { SLACK_EVENTS_PATH } from '../../../src/adapters/slack/slack.platform.js';
import { TELEGRAM_WEBHOOK_PATH } from '../../../src/adapters/telegram/telegram.platform.js';
import { parseConfig, type DeckhandConfig } from '../../../src/bot/config.js';
import { envSchema, type Env } from '../../../src/bot/env.js';
import { wireDeploys } from '../../../src/bot/wire/deploys.js';
import type { Infrastructure } from '../../../src/bot/wire/infrastructure.js';
import type { Stores } from '../../../src/bot/wire/stores.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import type { Notifier } from '../../../src/core/ports/notifier.port.js';
import { manifestFiles, plainObjects, readManifest, renderTemplate, repoRoot, templateFiles, type K8sObject } from './chart.js';

/** The schema of each kind the manifests hold; a kind missing here fails the test instead of going unchecked. */
const MODELS = [ServiceAccount, ConfigMap, Service, Deployment, Job, PodDisruptionBudget, Role, RoleBinding, Ingress];

function validate(o: K8sObject): void {
  const Model = MODELS.find((m) => m.apiVersion === o.apiVersion && m.kind === o.kind);
  if (!Model) throw new Error(`${o.apiVersion} ${o.kind} ${o.metadata?.name}: no schema for this kind in the test`);
  // The constructor takes the object as it is; validate() checks it against the kind's OpenAPI schema.
  new (Model as unknown as new (data: unknown) => { validate(): void })(o).validate();
}

/** Everything the chart can render: the defaults and every optional part switched on. */
const ALL_ON = {
  ingress: { enabled: true, className: 'nginx', tlsSecretName: 'deckhand-tls', annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' } },
  rbac: { namespaces: ['shop-staging', 'shop-prod'], workloadNames: ['api', 'web'], configMapNames: ['api-config'], statefulSetUndo: true },
  imagePullSecrets: [{ name: 'registry' }],
  extraEnv: [{ name: 'TELEGRAM_WEBHOOK_URL', value: 'https://deckhand.example.com/telegram/webhook' }],
  extraVolumes: [{ name: 'docker-tls', secret: { secretName: 'docker-tls' } }],
  extraVolumeMounts: [{ name: 'docker-tls', mountPath: '/etc/deckhand/tls', readOnly: true }],
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ops', effect: 'NoSchedule' }],
};

type Probe = { httpGet: { path: string; port: string | number } };
type Container = {
  name: string;
  image: string;
  command?: string[];
  ports?: Array<{ name: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  envFrom?: Array<{ secretRef?: { name: string }; configMapRef?: unknown }>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  securityContext?: Record<string, unknown>;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
};
type PodSpec = {
  containers: Container[];
  securityContext?: Record<string, unknown>;
  terminationGracePeriodSeconds?: number;
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  volumes?: Array<{ name: string; emptyDir?: unknown; configMap?: { name: string } }>;
};
type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };

const one = (kind: string, objects = plainObjects()): K8sObject => {
  const found = objects.filter((o) => o.kind === kind);
  expect(found.map((o) => o.metadata.name), kind).toHaveLength(1);
  return found[0] as K8sObject;
};
const podSpec = (o: K8sObject): PodSpec => (o['spec'] as { template: { spec: PodSpec } }).template.spec;
const podLabels = (o: K8sObject): Record<string, string> => (o['spec'] as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
const bot = () => podSpec(one('Deployment')).containers[0] as Container;
const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('the Kubernetes manifests', () => {
  it('are all valid against the Kubernetes API schemas', () => {
    const files = manifestFiles();
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const objects = readManifest(file);
      expect(objects.length, file).toBeGreaterThan(0);
      for (const o of objects) expect(() => validate(o), `${file}: ${o.kind} ${o.metadata?.name}`).not.toThrow();
    }
  });

  it('the schema check catches a broken object', () => {
    const deployment = structuredClone(one('Deployment'));
    (podSpec(deployment).containers[0] as { ports: unknown }).ports = [{ name: 'http', containerPort: '8080' }];
    expect(() => validate(deployment)).toThrow(/containerPort must be integer/);
    const role = structuredClone(one('Role'));
    delete (role['rules'] as Array<Partial<Rule>>)[0]?.verbs;
    expect(() => validate(role)).toThrow(/verbs/);
  });

  it('the chart renders valid objects with every optional part on', () => {
    const objects = templateFiles().flatMap((t) => renderTemplate(t, ALL_ON));
    expect(objects.map((o) => o.kind)).toContain('Ingress');
    for (const o of objects) expect(() => validate(o), `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`).not.toThrow();
  });

  it('put every namespaced object in the deckhand namespace', () => {
    for (const o of plainObjects()) expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBe('deckhand');
  });

  it('probe the paths and the port Deckhand serves them on', () => {
    const c = bot();
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
    const port = c.ports?.find((p) => p.name === 'http');
    expect(port?.containerPort).toBe(envSchema.shape.HTTP_PORT.parse(env['HTTP_PORT']));
    expect(c.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.startupProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
    for (const probe of [c.livenessProbe, c.startupProbe, c.readinessProbe]) expect(BUILT_IN_PATHS.has(probe?.httpGet.path ?? '')).toBe(true);
    const service = one('Service')['spec'] as { selector: Record<string, string>; ports: Array<{ targetPort: string }> };
    expect(service.ports.map((p) => p.targetPort)).toEqual(['http']);
  });

  it('route exactly the webhook paths the bot mounts through the optional Ingress', () => {
    const env = envSchema.parse({ DATABASE_URL: 'postgresql://x@db/deckhand', GITHUB_WEBHOOK_SECRET: 'a-secret-of-16-chars' });
    const config = { github: { repos: {} } } as unknown as DeckhandConfig;
    const github = wireDeploys(env, config, { logger: silentLogger } as unknown as Infrastructure, {} as Stores, {} as Notifier).routes?.[0]?.path;
    const ingress = readManifest('optional/ingress.yaml')[0] as K8sObject;
    const rules = (ingress['spec'] as { rules: Array<{ http: { paths: Array<{ path: string; pathType: string; backend: { service: { name: string; port: { name: string } } } }> } }> }).rules;
    const paths = rules.flatMap((r) => r.http.paths);
    expect(paths.map((p) => p.path)).toEqual([TELEGRAM_WEBHOOK_PATH, SLACK_EVENTS_PATH, ALERTMANAGER_WEBHOOK_PATH, github]);
    for (const p of paths) expect(p.backend.service).toEqual({ name: one('Service').metadata.name, port: { name: 'http' } });
    // Health, readiness and metrics stay inside the cluster.
    for (const p of paths) expect(BUILT_IN_PATHS.has(p.path)).toBe(false);
  });

  it('give the bot an environment it accepts, with one queue prefix for every replica', () => {
    const c = bot();
    const fixed = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
    // DATABASE_URL and the tokens come from the Secret (envFrom).
    expect(c.envFrom).toEqual([{ secretRef: { name: 'deckhand' } }]);
    const env: Env = envSchema.parse({ ...fixed, DATABASE_URL: 'postgresql://deckhand@postgres:5432/deckhand' });
    expect(env.DECKHAND_CONFIG).toBe('/etc/deckhand/deckhand.yaml');
    expect(env.QUEUE_PREFIX).toBe('deckhand');
    expect((one('Deployment')['spec'] as { replicas: number }).replicas).toBe(2);
    // The config is mounted where DECKHAND_CONFIG points, from the ConfigMap.
    const mount = c.volumeMounts?.find((m) => m.name === 'config');
    expect(path.posix.join(mount?.mountPath ?? '', 'deckhand.yaml')).toBe(env.DECKHAND_CONFIG);
    expect(podSpec(one('Deployment')).volumes?.find((v) => v.name === 'config')?.configMap?.name).toBe(one('ConfigMap').metadata.name);
  });

  it('ship a deckhand.yaml the bot accepts', () => {
    const data = one('ConfigMap')['data'] as Record<string, string>;
    expect(Object.keys(data)).toEqual(['deckhand.yaml']);
    expect(() => parseConfig(data['deckhand.yaml'] ?? '', 'deckhand.yaml')).not.toThrow();
  });

  it('the in-cluster host of docs/kubernetes.md is a config the bot accepts', () => {
    const docs = readFileSync(path.join(repoRoot, 'docs/kubernetes.md'), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(docs.slice(docs.indexOf('## RBAC')))?.[1];
    expect(example).toContain('inCluster: true');
    expect(() => parseConfig(example ?? '', 'docs/kubernetes.md')).not.toThrow();
  });

  it('let a shutdown finish before the kubelet kills the process', () => {
    const pod = podSpec(one('Deployment'));
    const c = bot();
    const env = envSchema.parse({ ...Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value])), DATABASE_URL: 'postgresql://x@db/deckhand' });
    const preStop = c.lifecycle?.preStop?.exec?.command ?? [];
    expect(preStop.slice(0, 1)).toEqual(['sleep']);
    // src/bot/main.ts exits at the latest 2 s after SHUTDOWN_TIMEOUT_MS; the preStop sleep comes before SIGTERM.
    const needed = Number(preStop[1]) + env.SHUTDOWN_TIMEOUT_MS / 1000 + 2;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(needed);
  });

  it('run the bot and the migration as a non-root user with a read-only root filesystem and /tmp writable', () => {
    // The image's USER is node (uid 1000 in the official node images); runAsNonRoot needs it numeric.
    const dockerfile = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
    const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtimeStage).toMatch(/^\s*FROM node:\S+/);
    expect(runtimeStage).toMatch(/\nUSER node\n/);
    for (const workload of [one('Deployment'), one('Job')]) {
      const pod = podSpec(workload);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
      for (const c of pod.containers) {
        expect(c.securityContext, c.name).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
        const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
        expect(pod.volumes?.find((v) => v.name === tmp?.name)?.emptyDir, c.name).toBeDefined();
        for (const m of c.volumeMounts ?? []) if (m.mountPath !== '/tmp') expect(m.readOnly, `${c.name} ${m.mountPath}`).toBe(true);
      }
    }
  });

  it('migrate with the built migration script as a pre-install/pre-upgrade hook, seeing only DATABASE_URL', () => {
    const job = one('Job');
    expect(job.metadata.annotations).toMatchObject({ 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded' });
    const pod = podSpec(job);
    const [c] = pod.containers as [Container];
    expect(c.command).toEqual(['node', 'dist/scripts/db/migrate.js', 'deploy']);
    // tsconfig.build.json compiles scripts/ next to src/ under dist/, and the image keeps dist/ and prisma/.
    expect(existsSync(path.join(repoRoot, 'scripts/db/migrate.ts'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(repoRoot, 'tsconfig.build.json'), 'utf8')).include).toContain('scripts');
    expect(readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8')).toMatch(/COPY --from=build \S* ?\/app\/dist \.\/dist/);
    expect(c.image).toBe(bot().image);
    expect(c.env).toEqual([{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'deckhand', key: 'DATABASE_URL' } } }]);
    expect(c.envFrom).toBeUndefined();
    // It runs before the chart's ServiceAccount exists and needs no API access.
    expect(pod.serviceAccountName).toBeUndefined();
    expect(pod.automountServiceAccountToken).toBe(false);
    expect((pod as { restartPolicy?: string }).restartPolicy).toBe('Never');
  });

  it('select only the bot pods from the Service and the PodDisruptionBudget', () => {
    const deployment = one('Deployment');
    const selector = (one('Service')['spec'] as { selector: Record<string, string> }).selector;
    const pdb = one('PodDisruptionBudget')['spec'] as { minAvailable: number; selector: { matchLabels: Record<string, string> } };
    expect(selects(selector, podLabels(deployment))).toBe(true);
    expect(pdb.selector.matchLabels).toEqual((deployment['spec'] as { selector: { matchLabels: unknown } }).selector.matchLabels);
    expect(pdb.minAvailable).toBe(1);
    expect((deployment['spec'] as { replicas: number }).replicas).toBeGreaterThan(pdb.minAvailable);
    expect(selects(selector, podLabels(one('Job')))).toBe(false);
    expect(selects(pdb.selector.matchLabels, podLabels(one('Job')))).toBe(false);
  });

  it('grant the runtime what it needs and nothing on Secrets', () => {
    const role = one('Role');
    const rules = role['rules'] as Rule[];
    const grants = new Set(rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g || 'core'}/${res}:${v}`)))));
    expect([...grants].sort()).toEqual(
      [
        'core/pods:get', 'core/pods:list', 'core/pods:watch', 'core/pods/log:get', 'core/configmaps:get',
        'metrics.k8s.io/pods:list', 'core/persistentvolumeclaims:list',
        'apps/replicasets:get', 'apps/replicasets:list', 'apps/replicasets:watch',
        'apps/controllerrevisions:get', 'apps/controllerrevisions:list', 'apps/controllerrevisions:watch',
        'apps/deployments:get', 'apps/deployments:list', 'apps/deployments:watch', 'apps/deployments:patch',
        'apps/statefulsets:get', 'apps/statefulsets:list', 'apps/statefulsets:watch', 'apps/statefulsets:patch',
        'apps/daemonsets:get', 'apps/daemonsets:list', 'apps/daemonsets:watch', 'apps/daemonsets:patch',
      ].sort(),
    );
    for (const r of rules) {
      expect(r.resources.some((res) => res === '*' || res.startsWith('secrets')), JSON.stringify(r)).toBe(false);
      expect(r.verbs.includes('*') || r.apiGroups.includes('*'), JSON.stringify(r)).toBe(false);
    }
    const binding = one('RoleBinding');
    expect(binding['roleRef']).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
    expect(binding['subjects']).toEqual([{ kind: 'ServiceAccount', name: one('ServiceAccount').metadata.name, namespace: 'deckhand' }]);
    expect(podSpec(one('Deployment')).serviceAccountName).toBe(one('ServiceAccount').metadata.name);
    expect(plainObjects().map((o) => o.kind)).not.toContain('Secret');
  });

  it('grant delete on pods only with rbac.statefulSetUndo (undoing a StatefulSet deletes its pods stuck on the undone revision)', () => {
    const rbac = templateFiles().find((t) => t.endsWith('rbac.yaml')) ?? '';
    const deletes = (overrides: Record<string, unknown>) =>
      renderTemplate(rbac, overrides)
        .filter((o) => o.kind === 'Role')
        .flatMap((o) => (o['rules'] as Rule[]).filter((r) => r.verbs.includes('delete')));
    expect(deletes({})).toEqual([]);
    expect(deletes({ rbac: { statefulSetUndo: true } })).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['delete'] }]);
  });
});
