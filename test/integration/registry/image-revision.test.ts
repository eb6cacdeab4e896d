import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../../src/adapters/docker/docker.runtime.js';
import { GitHubCompare } from '../../../src/adapters/github/github-compare.js';
import { RegistryLabels } from '../../../src/adapters/registry/registry-labels.js';
import { deployChanges, REVISION_LABEL } from '../../../src/core/deploys/deploy-changes.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { BUSYBOX_IMAGE, PodmanFixture, requireEngine } from '../../support/podman.js';
import { REGISTRY_ADDR } from '../../support/registry.js';
import { MemoryDeploymentStore } from '../../fakes/memory-stores.js';
import { compareHandler, comparisonPayload } from '../../support/github-compare.fake.js';

/**
 * A version's commit read from the OCI revision label of images built with Podman and pushed to the local
 * registry (scripts/ci/setup-podman.sh): through the registry API (manifest, then config blob; an image
 * index resolved to its linux/amd64 entry) and from a running container. Only GitHub's API is intercepted.
 */

const REPO = 'deckhand/labelled';
const RUN = randomBytes(4).toString('hex');
const RUNNING_SHA = randomBytes(20).toString('hex');
const NEW_SHA = randomBytes(20).toString('hex');
const ref = (tag: string) => `${REGISTRY_ADDR}/${REPO}:${tag}`;

const github = compareHandler((c) => comparisonPayload({ ...c, status: 'ahead', commits: [{ sha: NEW_SHA, message: 'feat: labelled images\n\nbody', login: 'alice-dev' }] }));
// Requests to the engine and the registry go through untouched: only api.github.com is answered here.
const server = setupServer(github.handler);

let docker: Docker;
let fixture: PodmanFixture;

function followStream(stream: NodeJS.ReadableStream, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, events: Array<{ error?: string }>) => {
      const failed = error?.message ?? events.find((e) => e.error)?.error;
      if (failed) reject(new Error(`${what} failed: ${failed}`));
      else resolve();
    });
  });
}

/** Builds `image` from busybox with `labels` through the engine's build API and pushes it. */
async function buildAndPush(image: string, labels: Record<string, string>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'deckhand-labelled-'));
  try {
    const lines = [`FROM ${BUSYBOX_IMAGE}`, ...Object.entries(labels).map(([k, v]) => `LABEL ${k}=${JSON.stringify(v)}`), `CMD ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]`];
    writeFileSync(join(dir, 'Containerfile'), `${lines.join('\n')}\n`);
    await followStream(await docker.buildImage({ context: dir, src: ['Containerfile'] }, { t: image, dockerfile: 'Containerfile' }), `build ${image}`);
    await followStream(await docker.getImage(image).push({}), `push ${image}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ACCEPT = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';

/** The pushed manifest's digest, media type and size, as an index entry needs them. */
async function descriptorOf(tag: string): Promise<{ mediaType: string; digest: string; size: number }> {
  const response = await fetch(`http://${REGISTRY_ADDR}/v2/${REPO}/manifests/${tag}`, { headers: { accept: ACCEPT } });
  if (!response.ok) throw new Error(`manifest ${tag}: HTTP ${response.status}`);
  const body = await response.arrayBuffer();
  return { mediaType: response.headers.get('content-type')!.split(';')[0]!, digest: response.headers.get('docker-content-digest')!, size: body.byteLength };
}

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'bypass' });
  docker = await requireEngine();
  fixture = new PodmanFixture(docker, 'image-revision');
  await buildAndPush(ref(`${RUN}-running`), { [REVISION_LABEL]: RUNNING_SHA, 'org.opencontainers.image.source': 'https://github.com/acme/shop-api' });
  await buildAndPush(ref(`${RUN}-new`), { [REVISION_LABEL]: NEW_SHA });
  await buildAndPush(ref(`${RUN}-plain`), {});
  // An image index whose first entry (arm64) has no label and whose amd64 entry has the new revision.
  const [plain, labelled] = [await descriptorOf(`${RUN}-plain`), await descriptorOf(`${RUN}-new`)];
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      { ...plain, platform: { architecture: 'arm64', os: 'linux' } },
      { ...labelled, platform: { architecture: 'amd64', os: 'linux' } },
    ],
  };
  const put = await fetch(`http://${REGISTRY_ADDR}/v2/${REPO}/manifests/${RUN}-multi`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' },
    body: JSON.stringify(index),
  });
  if (put.status !== 201) throw new Error(`index push: HTTP ${put.status} ${await put.text()}`);
});

afterAll(async () => {
  server.close();
  await fixture?.cleanup();
});

describe('image revision from the local registry', () => {
  const registry = new RegistryLabels({ logger: silentLogger });

  it('reads the revision and source labels of a pushed image (manifest, then config blob)', async () => {
    const read = await registry.labels(ref(`${RUN}-running`));
    expect(read.ok && read.labels).toMatchObject({ [REVISION_LABEL]: RUNNING_SHA, 'org.opencontainers.image.source': 'https://github.com/acme/shop-api' });
  });

  it('picks the linux/amd64 image of an image index', async () => {
    const read = await registry.labels(ref(`${RUN}-multi`));
    expect(read.ok && read.labels[REVISION_LABEL]).toBe(NEW_SHA);
  });

  it('reads an image by digest', async () => {
    const { digest } = await descriptorOf(`${RUN}-new`);
    const read = await registry.labels(`${REGISTRY_ADDR}/${REPO}@${digest}`);
    expect(read.ok && read.labels[REVISION_LABEL]).toBe(NEW_SHA);
  });

  it('says when the registry has no such tag', async () => {
    expect(await registry.labels(ref(`${RUN}-missing`))).toEqual({ ok: false, reason: `${REGISTRY_ADDR} has no such image (404)` });
  });

  it('compares the running container’s commit with the new image’s', async () => {
    await fixture.create({ image: ref(`${RUN}-running`), name: fixture.name('api'), labels: { app: `api-${RUN}` } });
    const selector = { labels: { app: `api-${RUN}` } };
    const runtime = new DockerRuntime('local', docker, { timeoutMs: 10_000 });
    const running = (await runtime.find([selector]))[0]?.[0];
    // The engine gives the container its image's labels: the revision is known without asking the registry.
    expect(running!.labels[REVISION_LABEL]).toBe(RUNNING_SHA);
    // The container index keeps that label too, though it keeps only the labels selection reads otherwise.
    const indexed = new DockerRuntime('local', docker, { timeoutMs: 10_000, index: { selectors: [selector] } });
    await indexed.start();
    try {
      expect(indexed.indexHealth()).toEqual({ live: true });
      const fromIndex = (await indexed.find([selector]))[0]?.[0];
      expect(fromIndex!.labels).toEqual({ app: `api-${RUN}`, [REVISION_LABEL]: RUNNING_SHA });
    } finally {
      await indexed.close();
    }

    const changes = await deployChanges(
      {
        project: 'shop',
        env: 'prod',
        service: 'api',
        current: { image: running!.image, version: running!.version, labels: running!.labels },
        target: { image: ref(`${RUN}-multi`), version: `${RUN}-multi` },
      },
      {
        sources: { code: new GitHubCompare({ token: 'ghs_0123456789abcdefghijABCDEFGHIJ', logger: silentLogger }), images: registry, repoOf: () => 'acme/shop-api' },
        deployments: new MemoryDeploymentStore(),
        logger: silentLogger,
      },
    );
    expect(github.calls.map((c) => [c.repo, c.base, c.head])).toEqual([['acme/shop-api', RUNNING_SHA, NEW_SHA]]);
    expect(changes).toMatchObject({ known: true, relation: 'ahead', aheadBy: 1, commits: [{ sha: NEW_SHA, title: 'feat: labelled images', author: 'alice-dev' }] });
  });
});
