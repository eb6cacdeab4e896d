import type Docker from 'dockerode';
import { afterAll } from 'vitest';
import { DockerRuntime } from '../../../src/adapters/docker/docker.runtime.js';
import { runtimeContract } from '../../contracts/runtime.contract.js';
import { PodmanFixture, requireEngine } from '../../support/podman.js';
import { ensureTestImages, WEB_IMAGES, WEB_REPO } from '../../support/registry.js';

let docker: Docker | undefined;
let fixture: PodmanFixture | undefined;

afterAll(async () => {
  await fixture?.cleanup();
});

runtimeContract(async () => {
  docker = await requireEngine();
  const f = new PodmanFixture(docker, 'runtime-contract');
  fixture = f;
  const runtime = new DockerRuntime('local', docker, { timeoutMs: 20_000 });
  await ensureTestImages(docker);
  await runtime.pull(WEB_IMAGES.v1);
  let seq = 0;
  return {
    runtime,
    images: { current: WEB_IMAGES.v1, currentVersion: '1.0', next: WEB_IMAGES.v2, nextVersion: '2.0', unhealthy: WEB_IMAGES.bad, missing: `${WEB_REPO}:no-such-tag` },
    health: { timeoutMs: 20_000, graceMs: 1_000 },
    async service(count) {
      const app = f.name(`web${++seq}`);
      const units = Array.from({ length: count }, (_, i) => `${app}-${i + 1}`);
      for (const name of units) await f.create({ name, image: WEB_IMAGES.v1, Env: ['CONTRACT=yes'], labels: { 'deckhand.contract': app } });
      return { selector: { labels: { 'deckhand.contract': app } }, units };
    },
    async interrupt(unit) {
      // A crash after the swap: the new container runs, the old one is stopped and renamed, nothing finalized.
      await runtime.replace(unit, WEB_IMAGES.v2);
    },
  };
}, 30_000);
