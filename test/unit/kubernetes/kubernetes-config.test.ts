import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtimes } from '../../../src/adapters/runtimes.js';
import { ConfigError, parseConfig } from '../../../src/bot/config.js';
import { HostUnreachableError } from '../../../src/core/ports/runtime.port.js';
import type { FakeKubernetes } from '../../support/fake-kubernetes.js';
import { kubernetesWorld } from '../../support/kubernetes-world.js';

let fake: FakeKubernetes;
let kubeconfig: string;
beforeAll(async () => {
  ({ fake, kubeconfig } = await kubernetesWorld());
  fake.addDeployment({ namespace: 'shop', name: 'api', image: 'registry.test/shop/api:1.4.2', replicas: 2 });
  fake.addDeployment({ namespace: 'jobs', name: 'worker', image: 'registry.test/shop/worker:2.0', replicas: 1, sidecars: [{ name: 'proxy', image: 'envoy:1.30' }] });
});
afterAll(() => fake.close());

const config = (kube: string) => `hosts:
  docker-1: { url: unix:///var/run/docker.sock }
  eu-prod:
    kind: kubernetes
    kubeconfig: ${kube}
    context: fake
    namespace: shop
  in-cluster: { kind: kubernetes, inCluster: true }
projects:
  shop:
    environments:
      prod:
        production: true
        services:
          api: { target: eu-prod, container: deployment/api, image: registry.test/shop/api }
          worker: { target: eu-prod, container: deployment/jobs/worker/proxy }
          legacy: { target: docker-1, container: legacy }
people:
  - { id: alice, telegram: 42, roles: [{ role: admin, project: shop }] }
`;

function problems(yaml: string): string[] {
  try {
    parseConfig(yaml, 'deckhand.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('config was accepted');
}

describe('a deckhand.yaml with Kubernetes clusters beside a Docker host', () => {
  it('loads, and each service finds its workload on its cluster', async () => {
    const c = parseConfig(config(kubeconfig));
    expect(c.hosts['eu-prod']).toEqual({ kind: 'kubernetes', kubeconfig, context: 'fake', namespace: 'shop' });
    const runtimes = new Runtimes(c.hosts);
    expect(runtimes.hosts().sort()).toEqual(['docker-1', 'eu-prod', 'in-cluster']);
    const services = c.catalog.projects[0]!.environments[0]!.services;
    const [api, worker] = await runtimes.get('eu-prod').find(services.slice(0, 2).map((s) => s.selector));
    expect(api!.map((u) => `${u.name} ${u.version} ${u.state} ${u.health}`)).toEqual(['deployment/shop/api 1.4.2 running healthy']);
    // The service names the pod's second container: the unit carries it, and its image is that container's.
    expect(worker!.map((u) => `${u.name} ${u.image}`)).toEqual(['deployment/jobs/worker/proxy envoy:1.30']);
  });

  it('refuses a cluster without a way in, or with a context and no kubeconfig', () => {
    expect(problems(config(kubeconfig).replace('{ kind: kubernetes, inCluster: true }', '{ kind: kubernetes }'))).toEqual([
      'line 8: hosts.in-cluster: expected a kubernetes host needs `kubeconfig: <path>` or `inCluster: true`, one of them',
    ]);
    expect(problems(config(kubeconfig).replace('inCluster: true }', 'inCluster: true, context: x }'))).toEqual(['line 8: hosts.in-cluster.context: expected `context` applies to a kubeconfig file']);
    expect(problems(config(kubeconfig).replace('namespace: shop', 'namespace: Shop_1'))).toEqual([
      'line 7: hosts.eu-prod.namespace: expected a namespace name (lowercase letters, digits and -)',
    ]);
  });

  it('warns at start about a service whose container: names no workload', () => {
    const c = parseConfig(config(kubeconfig).replace('container: deployment/api,', 'container: api,'));
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (_: object, msg?: string) => void warnings.push(msg ?? ''), child: () => logger };
    const selectors = { 'eu-prod': c.catalog.projects[0]!.environments[0]!.services.filter((s) => s.host === 'eu-prod').map((s) => s.selector) };
    new Runtimes(c.hosts, { logger, selectors });
    expect(warnings).toEqual(['"api" names no workload, so it finds nothing: on a kubernetes target, `container:` names the workload: deployment/<name>, deployment/<namespace>/<name> or deployment/<namespace>/<name>/<container> (statefulset/… and daemonset/… alike)']);
  });

  it('reads no kubeconfig until the first call, and reports one that cannot be read as unreachable', async () => {
    const c = parseConfig(config('/nonexistent/kubeconfig'));
    const runtimes = new Runtimes(c.hosts);
    const error = await runtimes.get('eu-prod').ping().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostUnreachableError);
    expect((error as Error).message).toMatch(/^host eu-prod unreachable: cannot load its configuration \(/);
  });
});

describe('loading the client', () => {
  it('happens in one place, by a dynamic import, so a Docker-only configuration never loads it', () => {
    const dir = join(import.meta.dirname, '../../../src/adapters/kubernetes');
    const uses = readdirSync(dir).flatMap((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      return [...text.matchAll(/^.*['"]@kubernetes\/client-node['"].*$/gm)].map((m) => `${file}: ${m[0].trim()}`);
    });
    expect(uses).toEqual(["kube-client.ts: import type * as k8s from '@kubernetes/client-node';", "kube-client.ts: const client = await import('@kubernetes/client-node');"]);
    const runtimes = readFileSync(join(dir, '../runtimes.ts'), 'utf8');
    expect(runtimes).not.toMatch(/@kubernetes\/client-node['"]/);
  });

  it('is not even resolved when a Kubernetes host is configured, until that host is first called', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deckhand-lazy-'));
    // A module hook that reports every resolution of the client library on stderr.
    writeFileSync(join(dir, 'hooks.mjs'), "export async function resolve(s, c, next) { if (s.includes('@kubernetes/client-node')) process.stderr.write('RESOLVED\\n'); return next(s, c); }\n");
    writeFileSync(join(dir, 'register.mjs'), "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n");
    const runtimes = pathToFileURL(join(import.meta.dirname, '../../../src/adapters/runtimes.ts')).href;
    writeFileSync(
      join(dir, 'check.mts'),
      [
        `const { Runtimes } = await import(${JSON.stringify(runtimes)});`,
        "const r = new Runtimes({ d: { url: 'unix:///var/run/docker.sock' }, k: { kind: 'kubernetes', kubeconfig: '/nonexistent' } });",
        "process.stderr.write(`BUILT ${r.hosts().join(',')}\\n`);",
        "if (process.argv.includes('--call')) await r.get('k').ping().catch(() => process.stderr.write('PINGED\\n'));",
      ].join('\n'),
    );
    const stderr = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', join(dir, 'register.mjs'), '--import', 'tsx', join(dir, 'check.mts'), ...args], { cwd: join(import.meta.dirname, '../../..'), encoding: 'utf8' }).stderr;
    expect(stderr()).toBe('BUILT d,k\n');
    expect(stderr('--call')).toBe('BUILT d,k\nRESOLVED\nPINGED\n');
  }, 60_000);
});
