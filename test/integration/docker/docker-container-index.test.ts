import type Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ContainerIndex } from '../../../src/adapters/docker/container-index.js';
import { DockerRuntimeRegistry } from '../../../src/adapters/docker/docker-hosts.js';
import { DockerRuntime, type DockerRuntimeOptions } from '../../../src/adapters/docker/docker.runtime.js';
import { runReadiness } from '../../../src/adapters/http/readiness.js';
import type { ContainerSelector } from '../../../src/core/domain/catalog.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import type { ContainerInfo } from '../../../src/core/ports/runtime.port.js';
import { EngineProxy } from '../../support/engine-proxy.js';
import { dockerHostUrl, engineClient, PodmanFixture, requireEngine, runHealthcheck, waitFor } from '../../support/podman.js';

/**
 * The container index against the real engine (Podman's Docker-compatible API), reached through a proxy
 * that passes every byte on and records the request lines: engine calls are counted at the HTTP layer,
 * and the event stream can be cut as a network failure would.
 */

let docker: Docker;
let fixture: PodmanFixture;
let proxy: EngineProxy;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  docker = await requireEngine();
  fixture = new PodmanFixture(docker, 'docker-container-index');
  const url = dockerHostUrl();
  if (!url.startsWith('unix://')) throw new Error(`these tests proxy a unix:// engine socket, not ${url}`);
  proxy = await new EngineProxy(url.slice('unix://'.length)).start();
});

afterEach(async () => {
  proxy.allowEvents();
  proxy.slowDown(undefined);
  for (const close of closers.splice(0)) await close();
});

afterAll(async () => {
  await proxy?.stop();
  await fixture?.cleanup();
});

const sleeper = { Cmd: ['sleep', '300'] };
const FAST_RECONNECT = { initialMs: 50, maxMs: 200 };

/** A project's selectors of three shapes: two label selectors sharing keys, one by name. */
function project(tag: string): { app: string; api: ContainerSelector; worker: ContainerSelector; db: ContainerSelector } {
  const app = fixture.name(tag);
  return { app, api: { labels: { app, role: 'api' } }, worker: { labels: { app, role: 'worker' } }, db: { name: `${app}-db` } };
}

async function indexedRuntime(selectors: ContainerSelector[], extra: Partial<DockerRuntimeOptions> = {}): Promise<DockerRuntime> {
  const runtime = new DockerRuntime('local', engineClient(proxy.url), { timeoutMs: 10_000, index: { selectors, reconnect: FAST_RECONNECT }, ...extra });
  closers.push(() => runtime.close());
  await runtime.start();
  expect(runtime.indexHealth()).toEqual({ live: true });
  return runtime;
}

async function startedIndex(selectors: ContainerSelector[]): Promise<ContainerIndex> {
  const index = new ContainerIndex('local', engineClient(proxy.url), { selectors, timeoutMs: 10_000, reconnect: FAST_RECONNECT, logger: silentLogger });
  closers.push(() => index.close());
  await index.start();
  expect(index.health()).toEqual({ live: true });
  return index;
}

/** The index's answer; fails when the index is not live (so the answer cannot have come from the engine). */
async function fromIndex(index: ContainerIndex, selectors: ContainerSelector[]): Promise<ContainerInfo[][]> {
  const answer = await index.find(selectors);
  if (answer === null) throw new Error(`the index is not live: ${JSON.stringify(index.health())}`);
  return answer;
}

/** Polls the index until `check` holds, for at most a second (what the index promises after a change). */
async function withinASecond(what: string, index: ContainerIndex, selectors: ContainerSelector[], check: (groups: ContainerInfo[][]) => boolean, ms = 1_000): Promise<ContainerInfo[][]> {
  return waitFor(what, async () => {
    const groups = await fromIndex(index, selectors);
    return check(groups) ? groups : undefined;
  }, ms);
}

/** Waits until no request has reached the engine for 300 ms (the index's own reads have settled). */
async function engineQuiet(): Promise<void> {
  let seen = -1;
  for (let i = 0; i < 50 && proxy.seen().length !== seen; i++) {
    seen = proxy.seen().length;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

function listFiltersSeen(): Record<string, string[]>[] {
  return proxy.seen(/\/containers\/json/).map((r) => {
    const filters = new URL(r.path, 'http://engine').searchParams.get('filters');
    return filters === null ? {} : (JSON.parse(filters) as Record<string, string[]>);
  });
}

function withoutLabels(info: ContainerInfo): Omit<ContainerInfo, 'labels'> {
  const { labels: _labels, ...rest } = info;
  return rest;
}

describe('the container index: built at start', () => {
  it('from one filtered list per selector shape, holding only the selected containers, as the engine reports them', async () => {
    // Given three selected containers of a project and unrelated ones on the same engine
    const p = project('built');
    const api1 = await fixture.create({ ...sleeper, name: `${p.app}-api-1`, labels: { app: p.app, role: 'api', extra: 'not kept' } });
    const api2 = await fixture.create({ ...sleeper, name: `${p.app}-api-2`, labels: { app: p.app, role: 'api' } });
    const worker = await fixture.create({ ...sleeper, name: `${p.app}-worker`, labels: { app: p.app, role: 'worker' }, start: false });
    const db = await fixture.create({ ...sleeper, name: `${p.app}-db` });
    const unrelated = await Promise.all([
      fixture.create({ ...sleeper, name: `${p.app}-other`, labels: { app: `${p.app}-other`, role: 'api' } }),
      fixture.create({ ...sleeper, name: `${p.app}-db-2` }),
      fixture.create({ ...sleeper, name: `${p.app}-unlabelled` }),
    ]);
    const selectors = [p.api, p.worker, p.db];
    proxy.reset();

    // When the runtime starts with its index
    const runtime = await indexedRuntime(selectors);

    // Then the engine was asked two filtered lists, never an unfiltered one, and inspects of the selected only
    const lists = listFiltersSeen();
    expect(lists).toHaveLength(2);
    expect(lists).toEqual(expect.arrayContaining([{ label: [`app=${p.app}`, 'role'] }, { name: [`^/?${p.app}-db$`] }]));
    const inspected = new Set(proxy.seen(/^(\/v[\d.]+)?\/containers\/[^/]+\/json/).map((r) => r.path.split('/').at(-2)));
    expect(inspected).toEqual(new Set([api1.id, api2.id, worker.id, db.id]));
    // and what those lists answer is the selection and nothing else
    for (const filters of lists) {
      const listed = await docker.listContainers({ all: true, filters: JSON.stringify(filters) });
      for (const c of listed) expect(unrelated.map((u) => u.id)).not.toContain(c.Id);
    }

    // and the index answers as the engine does, keeping only the labels selection reads
    const direct = await new DockerRuntime('direct', docker).find(selectors);
    const indexed = await runtime.find(selectors);
    expect(indexed.map((g) => g.map(withoutLabels))).toEqual(direct.map((g) => g.map(withoutLabels)));
    expect(indexed.map((g) => g.map((c) => c.name))).toEqual([[`${p.app}-api-1`, `${p.app}-api-2`], [`${p.app}-worker`], [`${p.app}-db`]]);
    expect(indexed[0]![0]!.labels).toEqual({ app: p.app, role: 'api' });
    expect(indexed[1]![0]!.state).toBe('created');
  });

  it('answers status from the index without a single engine call while it is live', async () => {
    const p = project('fresh');
    for (let i = 1; i <= 3; i++) await fixture.create({ ...sleeper, name: `${p.app}-api-${i}`, labels: { app: p.app, role: 'api' } });
    const runtime = await indexedRuntime([p.api, p.db]);

    proxy.reset();
    for (let i = 0; i < 10; i++) expect((await runtime.find([p.api, p.db]))[0]).toHaveLength(3);
    expect(proxy.seen()).toEqual([]);

    // The same question of a runtime without an index is answered by the engine, through the same proxy.
    const direct = new DockerRuntime('direct', engineClient(proxy.url));
    expect((await direct.find([p.api, p.db]))[0]).toHaveLength(3);
    expect(proxy.seen(/\/containers\/json/)).toHaveLength(2);
    expect(proxy.seen(/\/containers\/[^/]+\/json/)).toHaveLength(3);
  });

  it('asks the engine for selectors that are not the catalog’s', async () => {
    const p = project('uncovered');
    await fixture.create({ ...sleeper, name: `${p.app}-api-1`, labels: { app: p.app, role: 'api' } });
    const runtime = await indexedRuntime([p.api]);
    proxy.reset();

    expect((await runtime.find([{ labels: { app: p.app } }]))[0]?.map((c) => c.name)).toEqual([`${p.app}-api-1`]);
    expect(listFiltersSeen()).toEqual([{ label: [`app=${p.app}`] }]);
  });
});

describe('the container index: kept current from the event stream', () => {
  it('shows a container created, started, stopped, restarted and removed outside Deckhand within a second', async () => {
    const p = project('lifecycle');
    const selectors = [p.api];
    const index = await startedIndex(selectors);
    expect(await fromIndex(index, selectors)).toEqual([[]]);

    const created = await fixture.create({ ...sleeper, name: `${p.app}-api-1`, labels: { app: p.app, role: 'api' }, start: false });
    await withinASecond('created', index, selectors, ([g]) => g?.[0]?.state === 'created');

    await created.start();
    const running = await withinASecond('running', index, selectors, ([g]) => g?.[0]?.state === 'running');
    const firstStart = running[0]![0]!.startedAt!.getTime();

    await created.stop({ t: 0 });
    await withinASecond('exited', index, selectors, ([g]) => g?.[0]?.state === 'exited');

    await created.start();
    await withinASecond('running again, started later', index, selectors, ([g]) => g?.[0]?.state === 'running' && g[0].startedAt!.getTime() > firstStart);

    await created.remove({ force: true });
    await withinASecond('removed', index, selectors, ([g]) => g?.length === 0);
  });

  it('shows a container that dies on its own, and counts the restarts of its restart policy', async () => {
    const p = project('dies');
    const selectors = [p.api];
    const index = await startedIndex(selectors);

    await fixture.create({
      name: `${p.app}-api-1`,
      labels: { app: p.app, role: 'api' },
      Cmd: ['sh', '-c', 'sleep 1; exit 3'],
      HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 1 } },
    });

    // It runs, dies, is restarted once and dies again: each step is an event, each followed within a second.
    await waitFor('exited after one restart', async () => {
      const [g] = await fromIndex(index, selectors);
      return g?.[0]?.state === 'exited' && g[0].restartCount === 1 ? true : undefined;
    }, 5_000);
  });

  it('follows renames into, within and out of the selection', async () => {
    const p = project('rename');
    const selectors = [p.api, p.db];
    const index = await startedIndex(selectors);
    const api = await fixture.create({ ...sleeper, name: `${p.app}-api-old`, labels: { app: p.app, role: 'api' } });
    const other = await fixture.create({ ...sleeper, name: `${p.app}-spare` });
    await withinASecond('api listed', index, selectors, ([a]) => a?.length === 1);

    await api.rename({ name: `${p.app}-api-new` });
    await withinASecond('api renamed', index, selectors, ([a]) => a?.[0]?.name === `${p.app}-api-new`);

    await other.rename({ name: `${p.app}-db` });
    await withinASecond('renamed into the db selector', index, selectors, ([, d]) => d?.[0]?.id === other.id);

    await other.rename({ name: `${p.app}-spare` });
    await withinASecond('renamed out of it', index, selectors, ([, d]) => d?.length === 0);
  });

  it('shows health from the container’s HEALTHCHECK as Podman runs it', async () => {
    const p = project('health');
    const selectors = [p.api];
    const index = await startedIndex(selectors);
    const check = (cmd: string): Docker.ContainerCreateOptions['Healthcheck'] => ({ Test: ['CMD-SHELL', cmd], Interval: 60e9, Timeout: 5e9, Retries: 1 });
    const good = await fixture.create({ ...sleeper, name: `${p.app}-api-good`, labels: { app: p.app, role: 'api' }, Healthcheck: check('test ! -e /tmp/down') });
    await withinASecond('starting', index, selectors, ([g]) => g?.[0]?.health === 'starting');

    // Podman 4 reports a check with a `health_status` event whose own status lags; the index reads the container.
    expect(await runHealthcheck(docker, good.id)).toBe('healthy');
    await withinASecond('healthy', index, selectors, ([g]) => g?.[0]?.health === 'healthy');

    const exec = await good.exec({ Cmd: ['sh', '-c', 'echo > /tmp/down'] });
    await exec.start({ Detach: true });
    await waitFor('the check to fail', async () => ((await runHealthcheck(docker, good.id)) === 'unhealthy' ? true : undefined));
    // Podman 4 writes a failed check's health_status event only after its own bookkeeping of the check,
    // which on a loaded machine has been seen to take over a second: allow 3 s for this one.
    await withinASecond('unhealthy', index, selectors, ([g]) => g?.[0]?.health === 'unhealthy', 3_000);
  });
});

describe('the container index: when the event stream drops', () => {
  it('answers directly and says degraded while it is down, then resyncs what changed in the gap', async () => {
    // Given a live index of two containers
    const p = project('gap');
    const selectors = [p.api, p.db];
    const keep = await fixture.create({ ...sleeper, name: `${p.app}-api-1`, labels: { app: p.app, role: 'api' } });
    const gone = await fixture.create({ ...sleeper, name: `${p.app}-api-2`, labels: { app: p.app, role: 'api' } });
    const runtime = await indexedRuntime(selectors);
    expect(await runtime.readiness()).toBeUndefined();

    // When the stream is cut and cannot come back
    proxy.cutEvents({ block: true });
    await waitFor('the index to notice', async () => (runtime.indexHealth()?.live === false ? true : undefined), 2_000);
    const degraded = await runtime.readiness();
    expect(degraded?.degraded).toMatch(/event stream.*; status asks the engine directly/);

    // and containers change meanwhile
    await gone.remove({ force: true });
    await keep.stop({ t: 0 });
    const added = await fixture.create({ ...sleeper, name: `${p.app}-db` });

    // Then status asks the engine, with filtered lists, and is right
    proxy.reset();
    const direct = await runtime.find(selectors);
    expect(direct.map((g) => g.map((c) => [c.name, c.state]))).toEqual([[[`${p.app}-api-1`, 'exited']], [[`${p.app}-db`, 'running']]]);
    expect(listFiltersSeen()).toEqual(expect.arrayContaining([{ label: [`app=${p.app}`, 'role=api'] }, { name: [`^/?${p.app}-db$`] }]));
    expect(listFiltersSeen()).toHaveLength(2);

    // When the stream can come back, the index reconnects from the last event it saw and resyncs
    proxy.allowEvents();
    await waitFor('the index to be live again', async () => (runtime.indexHealth()?.live ? true : undefined), 3_000);
    expect(proxy.seen(/\/events\?/).at(-1)?.path).toMatch(/[?&]since=\d+/);
    expect(await runtime.readiness()).toBeUndefined();

    // and answers what changed in the gap without an engine call (once the reads of the gap's replayed
    // events, which the index makes on its own after going live, are done)
    await engineQuiet();
    proxy.reset();
    const indexed = await runtime.find(selectors);
    expect(proxy.seen()).toEqual([]);
    expect(indexed.map((g) => g.map((c) => [c.id, c.state]))).toEqual([[[keep.id, 'exited']], [[added.id, 'running']]]);
  });

  it('picks changes up again after a stream cut it could reconnect from at once', async () => {
    const p = project('blip');
    const selectors = [p.api];
    const index = await startedIndex(selectors);

    proxy.cutEvents({ block: false });
    await waitFor('a new stream', async () => (index.health().live && proxy.eventStreams() === 1 ? true : undefined), 3_000);

    await fixture.create({ ...sleeper, name: `${p.app}-api-1`, labels: { app: p.app, role: 'api' } });
    await withinASecond('the new container', index, selectors, ([g]) => g?.length === 1);
  });

  it('puts right on its resync interval what a silent stream did not report', async () => {
    const p = project('silent');
    const selectors = [p.api];
    const index = new ContainerIndex('local', engineClient(proxy.url), { selectors, timeoutMs: 10_000, resyncIntervalMs: 500, logger: silentLogger });
    closers.push(() => index.close());
    await index.start();
    proxy.muteEvents();

    const created = await fixture.create({ ...sleeper, name: `${p.app}-api-1`, labels: { app: p.app, role: 'api' } });

    const [group] = await waitFor('the resync', async () => {
      const groups = await fromIndex(index, selectors);
      return groups[0]?.length === 1 ? groups : undefined;
    }, 3_000);
    expect(group?.[0]?.id).toBe(created.id);
  });

  it('is reported degraded, not down, by the host registry’s readiness check', async () => {
    const p = project('ready');
    const registry = new DockerRuntimeRegistry({ local: { url: proxy.url } }, { defaultTimeoutMs: 5_000, selectors: { local: [p.api] } });
    closers.push(() => registry.close());
    await registry.start();
    const checks = [{ name: 'docker:local', check: (signal: AbortSignal) => registry.check('local', signal) }];
    expect(await runReadiness(checks, 2_000)).toMatchObject({ ready: true, degraded: false, checks: [{ name: 'docker:local', ok: true }] });

    proxy.cutEvents({ block: true });
    const report = await waitFor('degraded', async () => {
      const r = await runReadiness(checks, 2_000);
      return r.degraded ? r : undefined;
    }, 3_000);

    expect(report.ready).toBe(true);
    expect(report.checks[0]).toMatchObject({ name: 'docker:local', ok: true, degraded: expect.stringMatching(/status asks the engine directly/) });
  });
});

describe('the container index: configured per host', () => {
  it('is kept for hosts with catalog selectors unless the host says index: false', async () => {
    const p = project('config');
    await fixture.create({ ...sleeper, name: `${p.app}-api-1`, labels: { app: p.app, role: 'api' } });
    const registry = new DockerRuntimeRegistry(
      { on: { url: proxy.url, indexResyncMs: 60_000 }, off: { url: proxy.url, index: false }, bare: { url: proxy.url } },
      { selectors: { on: [p.api], off: [p.api] } },
    );
    closers.push(() => registry.close());
    await registry.start();

    expect(registry.get('on').indexHealth()).toEqual({ live: true });
    expect(registry.get('off').indexHealth()).toBeUndefined();
    expect(registry.get('bare').indexHealth()).toBeUndefined();
    proxy.reset();
    expect((await registry.get('off').find([p.api]))[0]).toHaveLength(1);
    expect(proxy.seen(/\/containers\/json/)).toHaveLength(1);
  });
});

describe('the container index: an engine away at start', () => {
  it('does not hold start-up, reports the host down (not degraded), and comes up once the engine answers', async () => {
    const p = project('late');
    await fixture.create({ ...sleeper, name: `${p.app}-api-1`, labels: { app: p.app, role: 'api' } });
    const late = new EngineProxy(dockerHostUrl().slice('unix://'.length));
    closers.push(() => late.stop());
    const runtime = new DockerRuntime('late', engineClient(late.url), { timeoutMs: 5_000, index: { selectors: [p.api], reconnect: FAST_RECONNECT } });
    closers.push(() => runtime.close());

    const started = performance.now();
    await runtime.start();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(runtime.indexHealth()?.live).toBe(false);
    await expect(runtime.readiness()).rejects.toMatchObject({ name: 'HostUnreachableError' });
    await expect(runtime.find([p.api])).rejects.toMatchObject({ name: 'HostUnreachableError' });

    await late.start();
    await waitFor('the index to come up', async () => (runtime.indexHealth()?.live ? true : undefined), 3_000);
    late.reset();
    expect((await runtime.find([p.api]))[0]?.map((c) => c.name)).toEqual([`${p.app}-api-1`]);
    expect(late.seen()).toEqual([]);
  });
});

describe('the container index on a slow engine', () => {
  it('builds with the action deadline, not the query one: a list slower than a query may take still makes it live', async () => {
    const p = project('slow');
    await fixture.create({ ...sleeper, name: `${p.app}-api-1`, labels: { app: p.app, role: 'api' } });
    // Every list takes 1.5 s; queries may take 500 ms, actions (and the index's reads) 5 s.
    proxy.slowDown({ pattern: /\/containers\/json/, ms: 1_500 });
    const runtime = new DockerRuntime('slow', engineClient(proxy.url), { timeoutMs: 500, actionTimeoutMs: 5_000, index: { selectors: [p.api], reconnect: FAST_RECONNECT } });
    closers.push(() => runtime.close());
    await runtime.start();
    await waitFor('the index to come up', async () => (runtime.indexHealth()?.live ? true : undefined), 5_000);
    proxy.reset();
    expect((await runtime.find([p.api]))[0]?.map((c) => c.name)).toEqual([`${p.app}-api-1`]);
    expect(proxy.seen()).toEqual([]);
  });

  it('lets a server start without waiting for the first build: degraded and answering directly until the index is live', async () => {
    const p = project('nowait');
    await fixture.create({ ...sleeper, name: `${p.app}-api-1`, labels: { app: p.app, role: 'api' } });
    proxy.slowDown({ pattern: /\/containers\/json/, ms: 1_500 });
    const runtime = new DockerRuntime('nowait', engineClient(proxy.url), { timeoutMs: 3_000, actionTimeoutMs: 5_000, index: { selectors: [p.api], reconnect: FAST_RECONNECT } });
    closers.push(() => runtime.close());
    const began = performance.now();
    await runtime.start({ waitForIndex: false });
    expect(performance.now() - began).toBeLessThan(500);
    expect(runtime.indexHealth()).toEqual({ live: false, reason: 'container index being built; status asks the engine directly' });
    expect(await runtime.readiness()).toEqual({ degraded: 'container index being built; status asks the engine directly' });
    expect((await runtime.find([p.api]))[0]?.map((c) => c.name)).toEqual([`${p.app}-api-1`]);
    await waitFor('the index to come up', async () => (runtime.indexHealth()?.live ? true : undefined), 5_000);
    expect(await runtime.readiness()).toBeUndefined();
  });
});

describe('the container index is never trusted by actions, logs or env', () => {
  it('reads the engine for env and a restart, also of a container the index no longer holds', async () => {
    const p = project('actions');
    const selectors = [p.db];
    const db = await fixture.create({ ...sleeper, name: `${p.app}-db`, Env: ['MODE=test'], StopTimeout: 1 });
    const runtime = await indexedRuntime(selectors);

    proxy.reset();
    expect(await runtime.env(`${p.app}-db`)).toMatchObject({ MODE: 'test' });
    expect(proxy.seen(new RegExp(`/containers/${p.app}-db/json`))).toHaveLength(1);

    // Renamed out of the selection, the index drops it; a restart by id still finds it on the engine.
    await db.rename({ name: `${p.app}-db-renamed` });
    await waitFor('the index to drop it', async () => ((await runtime.find(selectors))[0]?.length === 0 ? true : undefined), 1_000);
    proxy.reset();
    await runtime.restartContainer(db.id);
    expect(proxy.seen().map((r) => `${r.method} ${r.path.replace(/^\/v[\d.]+/, '').split('?')[0]}`)).toEqual([
      `GET /containers/${db.id}/json`,
      `POST /containers/${db.id}/restart`,
    ]);
    expect((await docker.getContainer(db.id).inspect()).State.Running).toBe(true);
  });
});
