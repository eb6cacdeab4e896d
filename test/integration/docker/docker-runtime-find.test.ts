import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DockerRuntime } from '../../../src/adapters/docker/docker.runtime.js';
import type { ContainerInfo } from '../../../src/core/ports/runtime.port.js';
import { BUSYBOX_IMAGE, inspectChanging, PodmanFixture, requireEngine, runHealthcheck, waitFor, waitForExit } from '../../support/podman.js';

let docker: Docker;
let fixture: PodmanFixture;
let runtime: DockerRuntime;

beforeAll(async () => {
  docker = await requireEngine();
  fixture = new PodmanFixture(docker, 'docker-runtime-find');
  runtime = new DockerRuntime('local', docker, { timeoutMs: 10_000 });
});

afterAll(async () => {
  await fixture?.cleanup();
});

const sleeper = { Cmd: ['sleep', '300'], StopTimeout: 1 };

function only(groups: ContainerInfo[][]): ContainerInfo {
  expect(groups).toHaveLength(1);
  expect(groups[0]).toHaveLength(1);
  return groups[0]![0]!;
}

describe('DockerRuntime.find: status fields', () => {
  it('reports a running container with image, version from the tag, start time and labels', async () => {
    const before = Date.now();
    const name = fixture.name('api');
    const created = await fixture.create({ ...sleeper, name, labels: { 'deckhand.service': 'api' } });

    const info = only(await runtime.find([{ name }]));

    expect(info.id).toBe(created.id);
    expect(info.name).toBe(name);
    expect(info.image).toBe(BUSYBOX_IMAGE);
    expect(info.version).toBe('local');
    expect(info.state).toBe('running');
    expect(info.health).toBe('none');
    expect(info.restartCount).toBe(0);
    expect(info.labels['deckhand.service']).toBe('api');
    expect(info.startedAt).toBeInstanceOf(Date);
    expect(info.startedAt!.getTime()).toBeGreaterThanOrEqual(before - 2_000);
    expect(info.startedAt!.getTime()).toBeLessThanOrEqual(Date.now() + 2_000);
  });

  it('reports an exited container and a never-started one', async () => {
    const exitedName = fixture.name('job');
    const exited = await fixture.create({ name: exitedName, Cmd: ['sh', '-c', 'exit 3'] });
    await waitForExit(docker, exited.id);
    const createdName = fixture.name('idle');
    await fixture.create({ ...sleeper, name: createdName, start: false });

    const [exitedGroup, createdGroup] = await runtime.find([{ name: exitedName }, { name: createdName }]);

    expect(exitedGroup?.map((c) => [c.name, c.state])).toEqual([[exitedName, 'exited']]);
    expect(exitedGroup?.[0]?.startedAt).toBeInstanceOf(Date);
    expect(createdGroup?.map((c) => [c.name, c.state, c.startedAt])).toEqual([[createdName, 'created', null]]);
  });

  it('prefers the org.opencontainers.image.version label over the tag', async () => {
    const name = fixture.name('labelled');
    await fixture.create({ ...sleeper, name, labels: { 'org.opencontainers.image.version': '1.4.2' } });

    expect(only(await runtime.find([{ name }])).version).toBe('1.4.2');
  });
});

describe('DockerRuntime.find: selection', () => {
  it('matches names exactly, not by prefix', async () => {
    const name = fixture.name('web');
    await fixture.create({ ...sleeper, name });
    await fixture.create({ ...sleeper, name: `${name}-2` });

    expect(only(await runtime.find([{ name }])).name).toBe(name);
    expect(await runtime.find([{ name: name.slice(0, -1) }])).toEqual([[]]);
  });

  it('matches when every label is equal, and answers selectors in order with one filtered list per selector shape', async () => {
    const service = fixture.runId;
    await fixture.create({ ...sleeper, name: fixture.name('w-a'), labels: { svc: service, role: 'worker' } });
    await fixture.create({ ...sleeper, name: fixture.name('w-b'), labels: { svc: service, role: 'worker' } });
    await fixture.create({ ...sleeper, name: fixture.name('cron'), labels: { svc: service, role: 'cron' } });
    const list = vi.spyOn(docker, 'listContainers');
    try {
      const groups = await runtime.find([
        { labels: { svc: service, role: 'cron' } },
        { labels: { svc: service, role: 'worker' } },
        { labels: { svc: service, role: 'none' } },
        { labels: { svc: service }, name: fixture.name('w-b') },
      ]);

      expect(groups.map((g) => g.map((c) => c.name))).toEqual([
        [fixture.name('cron')],
        [fixture.name('w-a'), fixture.name('w-b')],
        [],
        [fixture.name('w-b')],
      ]);
      // The three label selectors share a shape (svc=…, role), the named one is listed by name: two lists,
      // neither of the whole host.
      const filters = list.mock.calls.map(([options]) => JSON.parse(String(options?.filters)) as Record<string, string[]>);
      expect(filters).toEqual(
        expect.arrayContaining([{ label: [`svc=${service}`, 'role'] }, { name: [`^/?${fixture.name('w-b')}$`] }]),
      );
      expect(list).toHaveBeenCalledTimes(2);
    } finally {
      list.mockRestore();
    }
  });

  it('narrows a single label selector on the engine and still checks every label', async () => {
    const service = `${fixture.runId}-single`;
    await fixture.create({ ...sleeper, name: fixture.name('s-1'), labels: { svc: service, tier: 'a' } });
    await fixture.create({ ...sleeper, name: fixture.name('s-2'), labels: { svc: service, tier: 'b' } });

    const groups = await runtime.find([{ labels: { svc: service, tier: 'b' } }]);

    expect(groups.map((g) => g.map((c) => c.name))).toEqual([[fixture.name('s-2')]]);
  });

  it('selects nothing for an empty selector or no selectors', async () => {
    expect(await runtime.find([{}])).toEqual([[]]);
    expect(await runtime.find([])).toEqual([]);
  });
});

describe('DockerRuntime.find: restarts and health', () => {
  it('counts restarts made by the restart policy', async () => {
    const name = fixture.name('crashy');
    const crashy = await fixture.create({
      name,
      Cmd: ['sh', '-c', 'exit 1'],
      HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } },
    });
    await waitFor('two restarts', async () => {
      const info = await inspectChanging(crashy);
      return info?.RestartCount === 2 && info.State.Status === 'exited' ? true : undefined;
    });

    const info = only(await runtime.find([{ name }]));

    expect(info.restartCount).toBe(2);
    expect(info.state).toBe('exited');
  });

  it('reports starting, healthy and unhealthy from the HEALTHCHECK', async () => {
    const check = (cmd: string): Docker.ContainerCreateOptions['Healthcheck'] => ({
      Test: ['CMD-SHELL', cmd],
      Interval: 60e9,
      Timeout: 5e9,
      Retries: 1,
    });
    const good = await fixture.create({ ...sleeper, name: fixture.name('good'), Healthcheck: check('true') });
    const bad = await fixture.create({ ...sleeper, name: fixture.name('bad'), Healthcheck: check('false') });
    const selectors = [{ name: fixture.name('good') }, { name: fixture.name('bad') }];

    const beforeChecks = await runtime.find(selectors);
    expect(beforeChecks.map((g) => g[0]?.health)).toEqual(['starting', 'starting']);

    expect(await runHealthcheck(docker, good.id)).toBe('healthy');
    expect(await runHealthcheck(docker, bad.id)).toBe('unhealthy');
    const afterChecks = await runtime.find(selectors);
    expect(afterChecks.map((g) => g[0]?.health)).toEqual(['healthy', 'unhealthy']);
  });
});
