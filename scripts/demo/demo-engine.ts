/** The demo's containers and images on the local Docker-API engine (Docker or Podman), through dockerode. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { DEMO, type DemoContainer, type DemoImages, demoContainerfile, demoImageRef, demoLabels } from './demo-project.js';

/** A failure a person can fix; its message is the one sentence the demo prints. */
export class DemoError extends Error {}

const SOCKETS = ['/var/run/docker.sock', `${process.env['XDG_RUNTIME_DIR'] ?? '/run/user/0'}/podman/podman.sock`, '/run/podman/podman.sock', '/tmp/podman.sock'];
const BASE_IMAGES = ['localhost/busybox:local', 'docker.io/library/busybox:1.36', 'busybox:1.36', 'busybox:latest'];
const PULL_BASE = 'docker.io/library/busybox:1.36';

function clientFor(url: string): Docker {
  if (url.startsWith('unix://')) return new Docker({ socketPath: url.slice('unix://'.length) });
  const u = new URL(url.replace(/^tcp:/, 'http:'));
  return new Docker({ protocol: 'http', host: u.hostname, port: Number(u.port || 2375) });
}

async function answers(docker: Docker): Promise<boolean> {
  try {
    await docker.ping({ abortSignal: AbortSignal.timeout(2_000) } as never);
    return true;
  } catch {
    return false;
  }
}

/** DOCKER_HOST when set, else the first usual socket whose engine answers a ping. */
export async function connectEngine(dockerHost: string | undefined): Promise<{ url: string; docker: Docker }> {
  const wanted = dockerHost?.trim();
  if (wanted) {
    if (!/^(unix|tcp):\/\//.test(wanted)) throw new DemoError(`DOCKER_HOST must be unix:///path or tcp://host:port, not "${wanted}".`);
    const docker = clientFor(wanted);
    if (await answers(docker)) return { url: wanted, docker };
    throw new DemoError(`No Docker-API engine answers at DOCKER_HOST=${wanted}: start Docker or Podman's API there, or unset DOCKER_HOST.`);
  }
  for (const path of SOCKETS) {
    const url = `unix://${path}`;
    const docker = clientFor(url);
    if (await answers(docker)) return { url, docker };
  }
  throw new DemoError(
    'No Docker-API engine found: start Docker, or Podman\'s API (sudo bash scripts/ci/setup-podman.sh), or set DOCKER_HOST.',
  );
}

async function hasImage(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch {
    return false;
  }
}

/** Waits for a progress stream; an `error` event inside an HTTP 200 stream counts as failed. */
function follow(docker: Docker, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, events: Array<{ error?: string }>) => {
      const failed = error?.message ?? events.find((e) => e.error)?.error;
      if (failed) reject(new Error(failed));
      else resolve();
    });
  });
}

async function baseImage(docker: Docker, say: (line: string) => void): Promise<string> {
  const wanted = process.env['DEMO_BASE_IMAGE']?.trim();
  for (const ref of wanted ? [wanted] : BASE_IMAGES) if (await hasImage(docker, ref)) return ref;
  const ref = wanted ?? PULL_BASE;
  say(`pulling ${ref}`);
  try {
    await follow(docker, await docker.pull(ref));
    return ref;
  } catch {
    throw new DemoError(`The engine has no busybox image and cannot pull ${ref}: pull a busybox image, or set DEMO_BASE_IMAGE to one.`);
  }
}

async function build(docker: Docker, ref: string, file: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'deckhand-demo-'));
  try {
    writeFileSync(join(dir, 'Containerfile'), `${file}\n`);
    await follow(docker, await docker.buildImage({ context: dir, src: ['Containerfile'] }, { t: ref, dockerfile: 'Containerfile' }));
  } catch (err) {
    throw new DemoError(`Could not build the demo image ${ref}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function registryTags(registry: string): Promise<Set<string>> {
  try {
    const res = await fetch(`http://${registry}/v2/${DEMO.registryPath}/tags/list`, { signal: AbortSignal.timeout(3_000) });
    if (!res.ok) return new Set();
    return new Set(((await res.json()) as { tags?: string[] | null }).tags ?? []);
  } catch {
    throw new DemoError(`No registry answers at DEMO_REGISTRY=${registry}: start one there (scripts/ci/setup-podman.sh starts one on 127.0.0.1:5000), or unset DEMO_REGISTRY.`);
  }
}

/** Builds the demo images that are missing; with a registry, pushes the tags it does not hold yet. */
export async function ensureImages(docker: Docker, registry: string | undefined, say: (line: string) => void): Promise<DemoImages> {
  const repository = registry ? `${registry}/${DEMO.registryPath}` : DEMO.localRepository;
  const pushed = registry ? await registryTags(registry) : new Set<string>();
  let base: string | undefined;
  for (const tag of Object.values(DEMO.tags)) {
    const ref = demoImageRef(repository, tag);
    if (!(await hasImage(docker, ref))) {
      base ??= await baseImage(docker, say);
      say(`building ${ref}`);
      await build(docker, ref, demoContainerfile(base, tag));
    }
    if (registry && !pushed.has(tag)) {
      try {
        await follow(docker, await docker.getImage(ref).push({}));
      } catch (err) {
        throw new DemoError(`Could not push ${ref} to DEMO_REGISTRY=${registry} (${err instanceof Error ? err.message : String(err)}): let the engine push there (an insecure-registry entry), or unset DEMO_REGISTRY.`);
      }
    }
  }
  return { running: demoImageRef(repository, DEMO.tags.current), ...(registry ? { repository } : {}) };
}

/**
 * Creates the demo containers that do not exist and starts the stopped ones; containers already there
 * (perhaps deployed to another version since) are kept. Returns how many were started.
 */
export async function ensureContainers(docker: Docker, wanted: DemoContainer[], say: (line: string) => void): Promise<number> {
  const existing = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${DEMO.label}=true`] }) });
  const byName = new Map(existing.map((c) => [c.Names[0]?.replace(/^\//, ''), c]));
  const started: string[] = [];
  for (const c of wanted) {
    const found = byName.get(c.name);
    if (found?.State === 'running') continue;
    const container = found
      ? docker.getContainer(found.Id)
      : await docker.createContainer({ name: c.name, Image: c.image, Env: c.environment, Labels: demoLabels(c) });
    await container.start();
    started.push(container.id);
  }
  if (started.length) {
    say(`started ${started.length} container(s)`);
    await runHealthchecksOnce(docker, started);
  }
  return started.length;
}

/**
 * Podman schedules healthchecks with systemd timers, which machines without systemd lack; asking it to run
 * each check once makes `status` show healthy containers instead of "starting". Docker runs checks itself
 * (the libpod path then answers 404, which is fine).
 */
async function runHealthchecksOnce(docker: Docker, ids: string[]): Promise<void> {
  await new Promise((r) => setTimeout(r, 1_000));
  await Promise.all(
    ids.map(
      (id) =>
        new Promise<void>((resolve) => {
          docker.modem.dial(
            { path: `/v4.0.0/libpod/containers/${encodeURIComponent(id)}/healthcheck`, method: 'GET', statusCodes: { 200: true } },
            () => resolve(),
          );
        }),
    ),
  );
}

export async function removeDemoContainers(docker: Docker): Promise<number> {
  const mine = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${DEMO.label}=true`] }) });
  await Promise.all(mine.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
  return mine.length;
}

export async function removeDemoImages(docker: Docker, registry: string | undefined): Promise<void> {
  const repositories = [DEMO.localRepository, ...(registry ? [`${registry}/${DEMO.registryPath}`] : [])];
  for (const repository of repositories) {
    for (const tag of Object.values(DEMO.tags)) {
      await docker.getImage(demoImageRef(repository, tag)).remove({ force: true }).catch(() => undefined);
    }
  }
}
