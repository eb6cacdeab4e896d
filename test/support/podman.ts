import { randomUUID } from 'node:crypto';
import Docker from 'dockerode';

/**
 * Helpers for integration tests against the real Docker-API engine (Podman in CI, see
 * scripts/ci/setup-podman.sh). Every test file makes its own PodmanFixture, whose unique label marks the
 * containers it creates so files running in parallel never see each other's containers.
 */

export const BUSYBOX_IMAGE = 'localhost/busybox:local';
const DEFAULT_HOST = 'unix:///tmp/podman.sock';
const FIXTURE_LABEL = 'deckhand.test';

/** The engine the tests use: DOCKER_HOST, else Podman's socket as the setup script starts it. */
export function dockerHostUrl(): string {
  return process.env.DOCKER_HOST?.trim() || DEFAULT_HOST;
}

/** A dockerode client for dockerHostUrl() (unix:// or tcp://). */
export function engineClient(url: string = dockerHostUrl()): Docker {
  if (url.startsWith('unix://')) return new Docker({ socketPath: url.slice('unix://'.length), host: undefined });
  const parsed = new URL(url);
  return new Docker({ protocol: 'http', host: parsed.hostname, port: Number(parsed.port || 2375), socketPath: undefined });
}

/** Whether the engine answers `_ping` within two seconds. */
export async function podmanAvailable(url: string = dockerHostUrl()): Promise<boolean> {
  try {
    await engineClient(url).ping({ abortSignal: AbortSignal.timeout(2_000) } as never);
    return true;
  } catch {
    return false;
  }
}

/** Fails (never skips) when the engine is missing: CI installs it, so a missing engine is a broken setup. */
export async function requireEngine(): Promise<Docker> {
  const url = dockerHostUrl();
  if (!(await podmanAvailable(url))) {
    throw new Error(`no Docker-API engine answers at ${url}; run: sudo scripts/ci/setup-podman.sh`);
  }
  return engineClient(url);
}

export type ContainerSpec = Omit<Docker.ContainerCreateOptions, 'Image' | 'Labels'> & {
  image?: string;
  labels?: Record<string, string>;
  /** Start the container after creating it (default true). */
  start?: boolean;
};

export class PodmanFixture {
  /** Value of the `deckhand.test` label on every container of this fixture. */
  readonly runId: string;

  constructor(
    readonly docker: Docker,
    testFile: string,
  ) {
    this.runId = `${testFile.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${randomUUID().slice(0, 8)}`;
  }

  /** A name unique to this fixture, so exact-name selection cannot hit another file's containers. */
  name(base: string): string {
    return `${base}-${this.runId}`;
  }

  async create(spec: ContainerSpec): Promise<Docker.Container> {
    const { image, labels, start, ...rest } = spec;
    const container = await this.docker.createContainer({
      ...rest,
      Image: image ?? BUSYBOX_IMAGE,
      Labels: { ...labels, [FIXTURE_LABEL]: this.runId },
    });
    if (start ?? true) await container.start();
    return container;
  }

  /** Removes every container this fixture created (running or not). */
  async cleanup(): Promise<void> {
    const mine = await this.docker.listContainers({
      all: true,
      filters: JSON.stringify({ label: [`${FIXTURE_LABEL}=${this.runId}`] }),
    });
    await Promise.all(mine.map((c) => this.docker.getContainer(c.Id).remove({ force: true, v: true })));
  }
}

/** Runs a container's HEALTHCHECK once through Podman's API (Podman schedules checks with systemd, absent in CI). */
export async function runHealthcheck(docker: Docker, id: string): Promise<string> {
  const result = await new Promise<unknown>((resolve, reject) => {
    docker.modem.dial(
      {
        path: `/v4.0.0/libpod/containers/${encodeURIComponent(id)}/healthcheck`,
        method: 'GET',
        statusCodes: { 200: true, 404: 'no such container', 409: 'no healthcheck', 500: 'server error' },
      },
      (error, data) => (error ? reject(error) : resolve(data)),
    );
  });
  return (result as { Status: string }).Status;
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Inspects a container that may be exiting or restarting right now: Podman 4 then sometimes answers 500
 * "read /proc/<pid>/cgroup: no such process" (the process went away while it was being read). That answer
 * is "not settled yet" (undefined); every other error is thrown.
 */
export async function inspectChanging(container: Docker.Container): Promise<Docker.ContainerInspectInfo | undefined> {
  try {
    return await container.inspect();
  } catch (err) {
    const e = err as { statusCode?: number; message?: string };
    if (e.statusCode === 500 && /no such process/.test(e.message ?? '')) return undefined;
    throw err;
  }
}

/** Waits until a container has exited (its main process ended and no restart is pending). */
export async function waitForExit(docker: Docker, id: string, timeoutMs = 15_000): Promise<Docker.ContainerInspectInfo> {
  return waitFor(`container ${id} to exit`, async () => {
    const info = await inspectChanging(docker.getContainer(id));
    return info?.State.Status === 'exited' ? info : undefined;
  }, timeoutMs);
}
