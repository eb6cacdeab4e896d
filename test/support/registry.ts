import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { BUSYBOX_IMAGE } from './podman.js';

/**
 * Test images in the local registry (scripts/ci/setup-podman.sh starts it on 127.0.0.1:5000), built from the
 * busybox root file system through the engine's build API and pushed with the engine's push API, so no
 * podman CLI step is needed. Idempotent: a tag already in the registry is not built again.
 *
 *   web:1.0 / web:2.0  busybox httpd on 8080 serving its version, HEALTHCHECK wget, version label
 *   web:bad            same healthcheck, but no httpd: the check always fails
 *   web:crash          exits at once with status 3
 */

export const REGISTRY_ADDR = process.env.REGISTRY_ADDR?.trim() || '127.0.0.1:5000';
export const WEB_REPO = `${REGISTRY_ADDR}/deckhand/web`;
export const WEB_IMAGES = {
  v1: `${WEB_REPO}:1.0`,
  v2: `${WEB_REPO}:2.0`,
  bad: `${WEB_REPO}:bad`,
  crash: `${WEB_REPO}:crash`,
} as const;

/** sh as PID 1 ignores SIGTERM unless trapped; the trap lets `stop` end the container at once. */
const serve = (body: string): string => `trap 'exit 0' TERM; ${body} & wait`;

const HEALTHCHECK = 'HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD wget -q -O- http://127.0.0.1:8080/ || exit 1';

function containerfile(tag: string, cmd: string[]): string {
  return [
    `FROM ${BUSYBOX_IMAGE}`,
    `RUN busybox mkdir -p /www && echo ${tag} > /www/index.html`,
    `LABEL org.opencontainers.image.version=${tag}`,
    'EXPOSE 8080',
    HEALTHCHECK,
    `CMD ${JSON.stringify(cmd)}`,
  ].join('\n');
}

const SPECS: Record<string, string> = {
  '1.0': containerfile('1.0', ['sh', '-c', serve('httpd -f -p 8080 -h /www')]),
  '2.0': containerfile('2.0', ['sh', '-c', serve('httpd -f -p 8080 -h /www')]),
  bad: containerfile('bad', ['sh', '-c', serve('sleep 3600')]),
  crash: containerfile('crash', ['sh', '-c', 'echo crashing; exit 3']),
};

/** Tags of a repository as the registry lists them (empty when the repository does not exist yet). */
export async function registryTags(repository: string): Promise<string[]> {
  const response = await fetch(`http://${REGISTRY_ADDR}/v2/${repository}/tags/list`, { signal: AbortSignal.timeout(5_000) });
  if (response.status === 404) return [];
  if (!response.ok) throw new Error(`registry ${REGISTRY_ADDR} answered HTTP ${response.status}`);
  const body = (await response.json()) as { tags?: string[] | null };
  return body.tags ?? [];
}

/** Builds and pushes every test image the registry does not hold yet. */
export async function ensureTestImages(docker: Docker): Promise<typeof WEB_IMAGES> {
  const present = new Set(await registryTags('deckhand/web'));
  for (const [tag, file] of Object.entries(SPECS)) {
    if (present.has(tag)) continue;
    const ref = `${WEB_REPO}:${tag}`;
    await buildImage(docker, ref, file);
    await pushImage(docker, ref);
  }
  return WEB_IMAGES;
}

async function buildImage(docker: Docker, ref: string, file: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'deckhand-image-'));
  try {
    writeFileSync(join(dir, 'Containerfile'), `${file}\n`);
    const stream = await docker.buildImage({ context: dir, src: ['Containerfile'] }, { t: ref, dockerfile: 'Containerfile' });
    await followStream(docker, stream, `build ${ref}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function pushImage(docker: Docker, ref: string): Promise<void> {
  const stream = await docker.getImage(ref).push({});
  await followStream(docker, stream, `push ${ref}`);
}

/** Waits for a progress stream to end; an `error` event in it (HTTP 200 notwithstanding) fails. */
function followStream(docker: Docker, stream: NodeJS.ReadableStream, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, events: Array<{ error?: string }>) => {
      const failed = error?.message ?? events.find((e) => e.error)?.error;
      if (failed) reject(new Error(`${what} failed: ${failed}`));
      else resolve();
    });
  });
}
