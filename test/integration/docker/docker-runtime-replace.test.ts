import { createServer } from 'node:net';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREVIOUS_SUFFIX, NEXT_SUFFIX, ReplacementConflictError } from '../../../src/adapters/docker/container-replacer.js';
import { DockerRuntime } from '../../../src/adapters/docker/docker.runtime.js';
import { PodmanFixture, requireEngine, waitFor } from '../../support/podman.js';
import { ensureTestImages, WEB_IMAGES } from '../../support/registry.js';

let docker: Docker;
let fixture: PodmanFixture;
let runtime: DockerRuntime;
let network: string;

beforeAll(async () => {
  docker = await requireEngine();
  fixture = new PodmanFixture(docker, 'docker-runtime-replace');
  runtime = new DockerRuntime('local', docker, { timeoutMs: 20_000 });
  await ensureTestImages(docker);
  await runtime.pull(WEB_IMAGES.v1);
  network = fixture.name('net');
  await docker.createNetwork({ Name: network });
});

afterAll(async () => {
  await fixture?.cleanup();
  await docker?.getNetwork(network).remove().catch(() => undefined);
  const volumes = (await docker?.listVolumes())?.Volumes ?? [];
  await Promise.all(volumes.filter((v) => v.Name.includes(fixture.runId)).map((v) => docker.getVolume(v.Name).remove()));
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A web:1.0 container configured the way an operator would: env, labels, port, restart policy, network, volume. */
async function deployV1(base: string): Promise<{ id: string; name: string; port: number; volume: string }> {
  const name = fixture.name(base);
  const port = await freePort();
  const volume = fixture.name(`${base}-data`);
  const container = await fixture.create({
    name,
    image: WEB_IMAGES.v1,
    Env: ['APP_MODE=production', 'FEATURE_X=on'],
    labels: { 'deckhand.service': base, team: 'shop' },
    HostConfig: {
      PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] },
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 },
      Binds: [`${volume}:/data`],
    },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [`${base}-alias`] } } },
  });
  return { id: container.id, name, port, volume };
}

async function served(port: number): Promise<string | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1_000) });
    return (await response.text()).trim();
  } catch {
    return undefined;
  }
}

const namesOf = async (prefix: string): Promise<string[]> =>
  (await docker.listContainers({ all: true })).flatMap((c) => c.Names.map((n) => n.replace(/^\//, ''))).filter((n) => n.startsWith(prefix)).sort();

describe('DockerRuntime.replace → waitHealthy → finalize', () => {
  it('replaces 1.0 by 2.0 keeping the configuration, then removes the old container', async () => {
    const v1 = await deployV1('web');
    await waitFor('1.0 served', () => served(v1.port).then((t) => (t === '1.0' ? t : undefined)));

    const replacement = await runtime.replace(v1.id, WEB_IMAGES.v2);

    expect(replacement).toMatchObject({ name: v1.name, oldId: v1.id, oldImage: WEB_IMAGES.v1, newImage: WEB_IMAGES.v2 });
    const fresh = await docker.getContainer(replacement.newId).inspect();
    expect(fresh.Name.replace(/^\//, '')).toBe(v1.name);
    expect(fresh.Config.Image).toBe(WEB_IMAGES.v2);
    expect(fresh.Config.Env).toEqual(expect.arrayContaining(['APP_MODE=production', 'FEATURE_X=on']));
    expect(fresh.Config.Labels).toMatchObject({ 'deckhand.service': 'web', team: 'shop', 'org.opencontainers.image.version': '2.0' });
    expect(fresh.HostConfig.PortBindings).toEqual({ '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: String(v1.port) }] });
    expect(fresh.HostConfig.RestartPolicy).toEqual({ Name: 'on-failure', MaximumRetryCount: 2 });
    expect(Object.keys(fresh.NetworkSettings.Networks)).toEqual([network]);
    expect(fresh.NetworkSettings.Networks[network]?.Aliases).toContain('web-alias');
    expect(fresh.Mounts.map((m) => [m.Name, m.Destination])).toContainEqual([v1.volume, '/data']);
    const old = await docker.getContainer(v1.id).inspect();
    expect([old.Name.replace(/^\//, ''), old.State.Status]).toEqual([`${v1.name}${PREVIOUS_SUFFIX}`, 'exited']);

    const outcome = await runtime.waitHealthy(replacement.newId, { timeoutMs: 20_000, graceMs: 1_000 });

    expect(outcome).toEqual({ healthy: true, via: 'healthcheck' });
    expect(await served(v1.port)).toBe('2.0');
    expect((await runtime.find([{ name: v1.name }]))[0]?.map((c) => c.version)).toEqual(['2.0']);

    await runtime.finalize(replacement);

    expect(await namesOf(v1.name)).toEqual([v1.name]);
    expect(await runtime.pendingReplacements()).not.toContainEqual(expect.objectContaining({ name: v1.name }));
    await runtime.finalize(replacement); // idempotent
  });

  it('refuses a second replacement while one is pending, and revert of a stranger container', async () => {
    const v1 = await deployV1('twice');
    const replacement = await runtime.replace(v1.id, WEB_IMAGES.v2);

    await expect(runtime.replace(replacement.newId, WEB_IMAGES.v1)).rejects.toThrow(ReplacementConflictError);
    const stranger = await fixture.create({ name: fixture.name('stranger'), image: WEB_IMAGES.v1 });
    await expect(runtime.revert({ ...replacement, newId: stranger.id })).rejects.toThrow(/not the replacement/);
    expect((await docker.getContainer(stranger.id).inspect()).State.Running).toBe(true);

    await runtime.revert(replacement);
    expect(await namesOf(v1.name)).toEqual([v1.name]);
  });
});

describe('DockerRuntime.replace → waitHealthy fails → revert', () => {
  it('reverts a replacement whose healthcheck fails: the old container runs 1.0 under its name again', async () => {
    const v1 = await deployV1('bad');
    const replacement = await runtime.replace(v1.id, WEB_IMAGES.bad);

    const outcome = await runtime.waitHealthy(replacement.newId, { timeoutMs: 20_000, graceMs: 1_000 });

    expect(outcome).toMatchObject({ healthy: false, reason: 'unhealthy' });
    expect(outcome.healthy === false && outcome.detail).toMatch(/^healthcheck exited 1/);

    await runtime.revert(replacement);

    const restored = await docker.getContainer(v1.id).inspect();
    expect([restored.Name.replace(/^\//, ''), restored.State.Status, restored.Config.Image]).toEqual([v1.name, 'running', WEB_IMAGES.v1]);
    await expect(docker.getContainer(replacement.newId).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(await namesOf(v1.name)).toEqual([v1.name]);
    expect(await waitFor('1.0 served again', () => served(v1.port).then((t) => (t === '1.0' ? t : undefined)))).toBe('1.0');
  });

  it('reports a replacement that exits at once as exited, without waiting for the timeout', async () => {
    const v1 = await deployV1('crash');
    const replacement = await runtime.replace(v1.id, WEB_IMAGES.crash);
    const started = Date.now();

    const outcome = await runtime.waitHealthy(replacement.newId, { timeoutMs: 25_000, graceMs: 1_000 });

    expect(outcome).toMatchObject({ healthy: false, reason: 'exited' });
    expect(Date.now() - started).toBeLessThan(10_000);
    await runtime.revert(replacement);
    expect((await docker.getContainer(v1.id).inspect()).State.Running).toBe(true);
  });
});

describe('DockerRuntime.pendingReplacements', () => {
  it('finds a replacement left half-done by a crash and reverts it from there', async () => {
    const v1 = await deployV1('half');
    const replacement = await runtime.replace(v1.id, WEB_IMAGES.v2);
    // Given the state of a process that died after renaming the old container, before renaming the new one:
    await docker.getContainer(replacement.newId).stop({ t: 1 });
    await docker.getContainer(replacement.newId).rename({ name: `${v1.name}${NEXT_SUFFIX}` });

    // When a fresh runtime (a restarted bot) looks for leftovers
    const restarted = new DockerRuntime('local', docker);
    const pending = await restarted.pendingReplacements();

    // Then it finds this one, and revert brings the old container back
    expect(pending).toContainEqual({ ...replacement });
    await restarted.revert(pending.find((p) => p.name === v1.name)!);
    expect(await namesOf(v1.name)).toEqual([v1.name]);
    expect((await docker.getContainer(v1.id).inspect()).State.Running).toBe(true);
    expect(await restarted.pendingReplacements()).not.toContainEqual(expect.objectContaining({ name: v1.name }));
  });
});
