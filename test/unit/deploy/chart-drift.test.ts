/**
 * helm cannot run here, so the chart is rendered with a small renderer of the template subset it uses
 * (helm-template.ts) and compared with the plain manifests in deploy/kubernetes/, which must be exactly
 * what `helm template deckhand deploy/helm/deckhand --namespace deckhand` prints with the default values.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { manifestFiles, manifestsDir, plainObjects, readManifest, renderNotes, renderTemplate, templateFiles, type K8sObject } from './chart.js';

/** The optional manifests and the values they were rendered with (see each file's header). */
const OPTIONAL: Record<string, { template: string; set: Record<string, unknown> }> = {
  'optional/ingress.yaml': { template: 'ingress.yaml', set: { ingress: { enabled: true, className: 'nginx', tlsSecretName: 'deckhand-tls' } } },
};

const id = (o: K8sObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

type Container = { name: string; ports?: unknown; livenessProbe?: unknown; readinessProbe?: unknown; startupProbe?: unknown; command?: unknown };
const containersOf = (o: K8sObject): Container[] =>
  ((o['spec'] as { template?: { spec?: { containers?: Container[] } } } | undefined)?.template?.spec?.containers ?? []);

describe('the Helm chart and the plain manifests', () => {
  it('has a plain manifest for every template that renders objects with the defaults, and no other', () => {
    const rendering = templateFiles().filter((t) => renderTemplate(t).length > 0);
    const plain = manifestFiles().filter((f) => !f.includes('/'));
    expect(plain).toEqual(rendering);
    // The Ingress is off by default, so it is only among the optional manifests.
    expect(rendering).not.toContain('ingress.yaml');
    expect(Object.keys(OPTIONAL).sort()).toEqual(manifestFiles().filter((f) => f.includes('/')));
  });

  for (const template of templateFiles()) {
    it(`templates/${template} renders with the default values exactly to deploy/kubernetes/${template}`, () => {
      const rendered = renderTemplate(template);
      const file = path.join(manifestsDir, template);
      if (rendered.length === 0) return void expect(existsSync(file)).toBe(false);
      const plain = readManifest(template);
      expect(plain.map(id)).toEqual(rendered.map(id));
      expect(plain).toEqual(rendered);
    });
  }

  for (const [file, { template, set }] of Object.entries(OPTIONAL)) {
    it(`templates/${template} renders with ${JSON.stringify(set)} exactly to deploy/kubernetes/${file}`, () => {
      expect(readManifest(file)).toEqual(renderTemplate(template, set));
    });
  }

  // The deep comparison above already covers these; they are spelled out so a drift names what drifted.
  const rendered = () => templateFiles().flatMap((t) => renderTemplate(t));
  const byId = (objects: K8sObject[]) => new Map(objects.map((o) => [id(o), o]));

  it('has the same kinds and names', () => {
    expect(plainObjects().map(id).sort()).toEqual(rendered().map(id).sort());
  });

  it('has the same ports, probes and commands', () => {
    const chart = byId(rendered());
    for (const o of plainObjects()) {
      const c = chart.get(id(o)) as K8sObject;
      expect(o['spec'] && (o['spec'] as { ports?: unknown }).ports, id(o)).toEqual(c['spec'] && (c['spec'] as { ports?: unknown }).ports);
      const pick = ({ name, ports, livenessProbe, readinessProbe, startupProbe, command }: Container) => ({ name, ports, livenessProbe, readinessProbe, startupProbe, command });
      expect(containersOf(o).map(pick), id(o)).toEqual(containersOf(c).map(pick));
    }
  });

  it('has the same RBAC rules and bindings', () => {
    const chart = byId(rendered());
    for (const o of plainObjects().filter((x) => x.kind === 'Role' || x.kind === 'RoleBinding')) {
      const c = chart.get(id(o)) as K8sObject;
      expect({ rules: o['rules'], roleRef: o['roleRef'], subjects: o['subjects'] }, id(o)).toEqual({ rules: c['rules'], roleRef: c['roleRef'], subjects: c['subjects'] });
    }
  });

  it('has the same hook annotations', () => {
    const hooks = (objects: K8sObject[]) =>
      objects
        .map((o) => [id(o), Object.fromEntries(Object.entries(o.metadata.annotations ?? {}).filter(([k]) => k.startsWith('helm.sh/hook')))] as const)
        .filter(([, a]) => Object.keys(a).length > 0);
    expect(hooks(plainObjects())).toEqual(hooks(rendered()));
    expect(hooks(rendered()).map(([name]) => name)).toEqual(['Job/deckhand/deckhand-migrate']);
  });

  it('renders a Role and RoleBinding per namespace listed in rbac.namespaces, bound to the release namespace', () => {
    const objects = renderTemplate('rbac.yaml', { rbac: { namespaces: ['shop-staging', 'shop-prod'], workloadNames: ['api'] } });
    expect(objects.map(id)).toEqual(['Role/shop-staging/deckhand', 'RoleBinding/shop-staging/deckhand', 'Role/shop-prod/deckhand', 'RoleBinding/shop-prod/deckhand']);
    for (const b of objects.filter((o) => o.kind === 'RoleBinding')) expect(b['subjects']).toEqual([{ kind: 'ServiceAccount', name: 'deckhand', namespace: 'deckhand' }]);
    const workloads = (objects[0]?.['rules'] as Array<{ resources: string[]; resourceNames?: string[] }>).find((r) => r.resources.includes('deployments'));
    expect(workloads?.resourceNames).toEqual(['api']);
    expect(renderTemplate('rbac.yaml', { rbac: { create: false } })).toEqual([]);
  });

  it('adds the optional settings where they belong', () => {
    const [deployment] = renderTemplate('deployment.yaml', {
      replicaCount: 3,
      image: { repository: 'registry.example.com/deckhand', tag: '1.2.3' },
      queuePrefix: 'deckhand-eu',
      imagePullSecrets: [{ name: 'pull' }],
      extraEnv: [{ name: 'TELEGRAM_WEBHOOK_URL', value: 'https://deckhand.example.com/telegram/webhook' }],
      extraVolumes: [{ name: 'tls', secret: { secretName: 'docker-tls' } }],
      extraVolumeMounts: [{ name: 'tls', mountPath: '/etc/deckhand/tls', readOnly: true }],
      nodeSelector: { pool: 'ops' },
      tolerations: [{ key: 'ops', operator: 'Exists' }],
    }) as [K8sObject];
    const spec = deployment['spec'] as { replicas: number; template: { spec: Record<string, unknown> & { containers: Array<Record<string, unknown>>; volumes: unknown[] } } };
    const pod = spec.template.spec;
    const container = pod.containers[0] as { image: string; env: Array<{ name: string; value?: string }>; volumeMounts: unknown[] };
    expect(spec.replicas).toBe(3);
    expect(container.image).toBe('registry.example.com/deckhand:1.2.3');
    expect(container.env).toContainEqual({ name: 'QUEUE_PREFIX', value: 'deckhand-eu' });
    expect(container.env.at(-1)).toEqual({ name: 'TELEGRAM_WEBHOOK_URL', value: 'https://deckhand.example.com/telegram/webhook' });
    expect(pod['imagePullSecrets']).toEqual([{ name: 'pull' }]);
    expect(pod.volumes.at(-1)).toEqual({ name: 'tls', secret: { secretName: 'docker-tls' } });
    expect(container.volumeMounts.at(-1)).toEqual({ name: 'tls', mountPath: '/etc/deckhand/tls', readOnly: true });
    expect(pod['nodeSelector']).toEqual({ pool: 'ops' });
    expect(pod['tolerations']).toEqual([{ key: 'ops', operator: 'Exists' }]);
  });

  it('prints install notes naming the release and, with the Ingress, the webhook URLs', () => {
    expect(renderNotes()).toContain('kubectl -n deckhand rollout status deployment/deckhand');
    expect(renderNotes()).toContain('http://deckhand.deckhand.svc:80/webhooks/alertmanager');
    expect(renderNotes({ ingress: { enabled: true } })).toContain('https://deckhand.example.com/telegram/webhook');
  });

  it('rolls the pods when the config changes', () => {
    const checksum = (o: K8sObject | undefined) => ((o?.['spec'] as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations)['checksum/config'];
    const before = checksum(renderTemplate('deployment.yaml')[0]);
    const after = checksum(renderTemplate('deployment.yaml', { config: 'hosts: {}\n' })[0]);
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    expect(after).not.toBe(before);
  });
});
