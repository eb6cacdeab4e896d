/**
 * `web:nohc`: web 1.0's httpd without a HEALTHCHECK. A container without a healthcheck counts as healthy
 * once it has kept running for the grace period, so with a long grace a deploy of it sits in its first
 * health wait for as long as a test needs (the crash test kills the worker there).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { BUSYBOX_IMAGE } from '../../support/podman.js';
import { registryTags, WEB_REPO } from '../../support/registry.js';

export const NOHC_IMAGE = `${WEB_REPO}:nohc`;

const CONTAINERFILE = [
  `FROM ${BUSYBOX_IMAGE}`,
  'RUN busybox mkdir -p /www && echo nohc > /www/index.html',
  'LABEL org.opencontainers.image.version=nohc',
  'EXPOSE 8080',
  `CMD ["sh", "-c", "trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait"]`,
].join('\n');

/** Builds and pushes web:nohc unless the registry holds it already. */
export async function ensureNoHealthcheckImage(docker: Docker): Promise<string> {
  if ((await registryTags('deckhand/web')).includes('nohc')) return NOHC_IMAGE;
  const dir = mkdtempSync(join(tmpdir(), 'deckhand-nohc-'));
  try {
    writeFileSync(join(dir, 'Containerfile'), `${CONTAINERFILE}\n`);
    await follow(docker, await docker.buildImage({ context: dir, src: ['Containerfile'] }, { t: NOHC_IMAGE, dockerfile: 'Containerfile' }), 'build');
    await follow(docker, await docker.getImage(NOHC_IMAGE).push({}), 'push');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return NOHC_IMAGE;
}

function follow(docker: Docker, stream: NodeJS.ReadableStream, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, events: Array<{ error?: string }>) => {
      const failed = error?.message ?? events.find((e) => e.error)?.error;
      if (failed) reject(new Error(`${what} ${NOHC_IMAGE} failed: ${failed}`));
      else resolve();
    });
  });
}
