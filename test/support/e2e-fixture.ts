/**
 * The world the e2e tests run the bot against: real labelled busybox containers on the Podman engine,
 * a private migrated PostgreSQL schema, and a YAML config pointing at both.
 */
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from './db.js';
import { dockerHostUrl, PodmanFixture, requireEngine } from './podman.js';

/** Planted in a container's environment and logs; must never reach chat output. */
export const PLANTED_SECRET = `e2e-${randomBytes(6).toString('hex')}-Zq9`;

export const TELEGRAM_USER_ID = 424242;

export interface E2eWorld {
  db: TestDatabase;
  podman: PodmanFixture;
  /** Value of the `deckhand.e2e` label that selects this world's containers. */
  tag: string;
  configYaml(extraHosts?: Record<string, string>): string;
  cleanup(): Promise<void>;
}

/**
 * shop/prod with three services: web (2 replicas), api (secret in env and logs), worker (no container).
 */
export async function createE2eWorld(name: string): Promise<E2eWorld> {
  const docker = await requireEngine();
  const podman = new PodmanFixture(docker, name);
  const tag = podman.runId;
  const db = await createTestDatabase(name);
  try {
    const labels = (app: string) => ({ 'deckhand.e2e': tag, 'deckhand.e2e.app': app });
    await Promise.all([
      podman.create({ name: podman.name('web-1'), labels: labels('web'), Cmd: ['sleep', '3600'] }),
      podman.create({ name: podman.name('web-2'), labels: labels('web'), Cmd: ['sleep', '3600'] }),
      podman.create({
        name: podman.name('api'),
        labels: labels('api'),
        Env: [`API_TOKEN=${PLANTED_SECRET}`, 'GREETING=hello-e2e'],
        Cmd: ['sh', '-c', `echo "boot 1"; echo "connecting with password=${PLANTED_SECRET}"; echo "boot 3"; echo "ready on :8080"; sleep 3600`],
      }),
    ]);
  } catch (err) {
    await podman.cleanup();
    await db.drop();
    throw err;
  }
  const selector = (app: string) => `{ host: local, labels: { deckhand.e2e: ${tag}, deckhand.e2e.app: ${app} } }`;
  return {
    db,
    podman,
    tag,
    configYaml: (extraHosts = {}) => `# written by test/support/e2e-fixture.ts
hosts:
  local: { url: "${dockerHostUrl()}" }
${Object.entries(extraHosts).map(([h, url]) => `  ${h}: { url: "${url}", timeoutMs: 1000 }`).join('\n')}
projects:
  shop:
    description: e2e shop
    environments:
      prod:
        services:
          web: ${selector('web')}
          api: ${selector('api')}
          worker: ${selector('worker')}
${Object.keys(extraHosts).length > 0 ? `      edge:\n        services:\n${Object.keys(extraHosts).map((h) => `          far-${h}: { host: ${h}, container: far }`).join('\n')}` : ''}
people:
  - id: alice
    name: Alice E2E
    telegram: ${TELEGRAM_USER_ID}
    roles: [{ role: admin, project: shop }]
`,
    async cleanup() {
      await Promise.allSettled([podman.cleanup(), db.drop()]);
    },
  };
}
