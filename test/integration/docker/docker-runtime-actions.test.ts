import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../../src/adapters/docker/docker.runtime.js';
import { ContainerNotFoundError, HostUnreachableError, ImagePullError } from '../../../src/core/ports/runtime.port.js';
import { PodmanFixture, requireEngine, waitFor } from '../../support/podman.js';
import { ensureTestImages, WEB_IMAGES, WEB_REPO } from '../../support/registry.js';

let docker: Docker;
let fixture: PodmanFixture;
let runtime: DockerRuntime;

beforeAll(async () => {
  docker = await requireEngine();
  fixture = new PodmanFixture(docker, 'docker-runtime-actions');
  runtime = new DockerRuntime('local', docker, { timeoutMs: 20_000 });
  await ensureTestImages(docker);
});

afterAll(async () => {
  await fixture?.cleanup();
});

const sleeper = { Cmd: ['sh', '-c', "trap 'exit 0' TERM; sleep 300 & wait"], StopTimeout: 2 };

async function snapshot(): Promise<string[]> {
  const mine = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`deckhand.test=${fixture.runId}`] }) });
  return mine.map((c) => `${c.Names.join(',')} ${c.Image} ${c.State}`).sort();
}

describe('DockerRuntime.pull', () => {
  it('pulls an image from the registry so the engine has it afterwards', async () => {
    // A name no other test uses (the registry is marked insecure under both names), so untagging it is safe.
    const ref = WEB_IMAGES.crash.replace(/^127\.0\.0\.1:/, 'localhost:');
    await docker.getImage(ref).remove().catch(() => undefined);
    await expect(docker.getImage(ref).inspect()).rejects.toMatchObject({ statusCode: 404 });

    await runtime.pull(ref);

    const image = await docker.getImage(ref).inspect();
    expect(image.Config.Labels?.['org.opencontainers.image.version']).toBe('crash');
  });

  it('rejects a missing tag with ImagePullError although the engine answers HTTP 200', async () => {
    const error = await runtime.pull(`${WEB_REPO}:does-not-exist`).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ImagePullError);
    expect((error as ImagePullError).image).toBe(`${WEB_REPO}:does-not-exist`);
    expect((error as ImagePullError).reason).toMatch(/manifest unknown/);
    expect((error as ImagePullError).reason.length).toBeLessThanOrEqual(300);
  });

  it('refuses references without a tag and ones that could alter the request', async () => {
    await expect(runtime.pull(WEB_REPO)).rejects.toThrow(/tag or a digest/);
    await expect(runtime.pull('../../containers/json:1')).rejects.toThrow(/image must be a reference/);
    await expect(runtime.pull('web:1.0?x=1')).rejects.toThrow(/image must be a reference/);
  });

  it('reports an engine that cannot be reached as HostUnreachableError, not as a pull failure', async () => {
    const Dockerode = docker.constructor as new (o: object) => Docker;
    const nowhere = new DockerRuntime('ghost', new Dockerode({ socketPath: '/nonexistent/podman.sock' }));

    await expect(nowhere.pull(WEB_IMAGES.v1)).rejects.toThrow(HostUnreachableError);
  });
});

describe('DockerRuntime.replace with an image that cannot be pulled', () => {
  it('throws ImagePullError and touches nothing', async () => {
    const name = fixture.name('keep');
    const container = await fixture.create({ ...sleeper, name });
    const before = await snapshot();

    await expect(runtime.replace(container.id, `${WEB_REPO}:missing-tag`)).rejects.toThrow(ImagePullError);

    expect(await snapshot()).toEqual(before);
    expect((await docker.getContainer(container.id).inspect()).State.Running).toBe(true);
    expect(await runtime.pendingReplacements()).not.toContainEqual(expect.objectContaining({ name }));
  });

  it('reports a missing container as ContainerNotFoundError', async () => {
    await expect(runtime.replace(fixture.name('ghost'), WEB_IMAGES.v2)).rejects.toThrow(ContainerNotFoundError);
  });
});

describe('DockerRuntime.restart', () => {
  it('restarts a running container: StartedAt moves on', async () => {
    const container = await fixture.create({ ...sleeper, name: fixture.name('restart') });
    const before = new Date((await container.inspect()).State.StartedAt);
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    await runtime.restartContainer(container.id);

    const after = await container.inspect();
    expect(after.State.Running).toBe(true);
    expect(new Date(after.State.StartedAt).getTime()).toBeGreaterThan(before.getTime());
  });

  it('reports a missing container as ContainerNotFoundError', async () => {
    await expect(runtime.restartContainer(fixture.name('nobody'))).rejects.toThrow(ContainerNotFoundError);
  });
});

describe('DockerRuntime.waitHealthy without a healthcheck', () => {
  it('counts a container that keeps running for graceMs as healthy', async () => {
    const container = await fixture.create({ ...sleeper, name: fixture.name('grace') });
    const started = Date.now();

    const outcome = await runtime.waitHealthy(container.id, { timeoutMs: 10_000, graceMs: 1_500 });

    expect(outcome).toEqual({ healthy: true, via: 'running' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
  });

  it('reports a container that exits during the grace period as exited, with its status', async () => {
    const container = await fixture.create({ name: fixture.name('dies'), Cmd: ['sh', '-c', 'sleep 1; exit 4'] });

    const outcome = await runtime.waitHealthy(container.id, { timeoutMs: 10_000, graceMs: 5_000 });

    expect(outcome).toEqual({ healthy: false, reason: 'exited', detail: 'exited with status 4' });
  });

  it('times out on a container that never starts', async () => {
    const container = await fixture.create({ ...sleeper, name: fixture.name('idle'), start: false });

    const outcome = await runtime.waitHealthy(container.id, { timeoutMs: 800, graceMs: 100 });

    expect(outcome).toMatchObject({ healthy: false, reason: 'timeout' });
  });

  it("stops waiting when the caller's signal aborts", async () => {
    const container = await fixture.create({ ...sleeper, name: fixture.name('abort') });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('operator cancelled')), 300);
    const started = Date.now();

    await expect(
      runtime.waitHealthy(container.id, { timeoutMs: 10_000, graceMs: 8_000 }, { signal: controller.signal }),
    ).rejects.toThrow('operator cancelled');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('refuses invalid waits', async () => {
    await expect(runtime.waitHealthy('x', { timeoutMs: 0, graceMs: 0 })).rejects.toThrow();
    await expect(runtime.waitHealthy('../x', { timeoutMs: 100, graceMs: 0 })).rejects.toThrow(/container id/);
  });
});

describe('DockerRuntime.waitHealthy with a healthcheck (run by the runtime on Podman)', () => {
  it('reports healthy once the check passes', async () => {
    const container = await fixture.create({ name: fixture.name('hc'), image: WEB_IMAGES.v1 });

    const outcome = await runtime.waitHealthy(container.id, { timeoutMs: 15_000, graceMs: 0 });

    expect(outcome).toEqual({ healthy: true, via: 'healthcheck' });
    await waitFor('health recorded', async () => ((await container.inspect()).State.Health?.Status === 'healthy' ? true : undefined));
  });
});
