import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../../src/adapters/docker/docker.runtime.js';
import { EngineProxy } from '../../support/engine-proxy.js';
import { dockerHostUrl, engineClient, PodmanFixture, requireEngine } from '../../support/podman.js';
import { runtimeCore } from '../../support/runtime-core.js';

/**
 * Status may answer from the Docker host's live container index; a plan and the click-time check of the
 * revision shown must not (issue 13: an action never trusts the index). The real core over a real
 * DockerRuntime with its index live, the engine reached through a proxy that counts the calls.
 */

let docker: Docker;
let fixture: PodmanFixture;
let proxy: EngineProxy;
let runtime: DockerRuntime;
let app: string;

beforeAll(async () => {
  docker = await requireEngine();
  fixture = new PodmanFixture(docker, 'docker-index-fresh');
  const url = dockerHostUrl();
  if (!url.startsWith('unix://')) throw new Error(`these tests proxy a unix:// engine socket, not ${url}`);
  proxy = await new EngineProxy(url.slice('unix://'.length)).start();
  app = fixture.name('shop-api');
  for (let i = 1; i <= 2; i++) await fixture.create({ Cmd: ['sleep', '300'], name: `${app}-${i}`, labels: { app } });
  runtime = new DockerRuntime('local', engineClient(proxy.url), { timeoutMs: 10_000, index: { selectors: [{ labels: { app } }] } });
  await runtime.start();
});

afterAll(async () => {
  await runtime?.close();
  await proxy?.stop();
  await fixture?.cleanup();
});

function stack() {
  return runtimeCore(
    `
hosts:
  local: { url: ${proxy.url} }
projects:
  shop:
    environments:
      staging:
        services:
          api: { host: local, labels: { app: ${app} } }
limits:
  hostTimeoutMs: 10000
`,
    { local: runtime },
  );
}

/** The engine's container lists and inspects seen since the last reset. */
const containerCalls = () => proxy.seen(/^(\/v[\d.]+)?\/containers\//).map((r) => r.path.replace(/^\/v[\d.]+/, '').split('?')[0] ?? '');

describe('the container index and actions', () => {
  it('answers status from the index, but a plan and the Confirm click ask the engine', async () => {
    const { say, click, queue } = stack();
    expect(runtime.indexHealth()).toEqual({ live: true });

    // Given a live index, status makes no engine call at all.
    proxy.reset();
    const status = await say('status shop staging');
    expect(status.text).toContain(`${app}-1`);
    expect(proxy.seen()).toEqual([]);

    // When a restart is planned, the engine is listed and each container inspected, index or not.
    proxy.reset();
    const plan = await say('restart api staging');
    expect(plan.text).toContain('Restart');
    expect(containerCalls()).toEqual(expect.arrayContaining(['/containers/json']));
    expect(containerCalls().filter((p) => /^\/containers\/[^/]+\/json$/.test(p))).toHaveLength(2);

    // And the click-time check of the revision shown asks the engine again before the job is queued.
    proxy.reset();
    const confirmed = await click(plan, 'Confirm');
    expect(confirmed.text).toMatch(/running now/);
    expect(containerCalls()).toEqual(expect.arrayContaining(['/containers/json']));
    expect(queue.enqueued).toHaveLength(1);

    // Status still answers from the index afterwards.
    proxy.reset();
    await say('status shop staging');
    expect(proxy.seen()).toEqual([]);
  });

  it('has read what an undone rollout put back by the time undo returns, so status right after it is current', async () => {
    const selectors = [{ labels: { app } }];
    const before = (await runtime.find(selectors, { fresh: true }))[0]!;
    const image = before[0]!.image;
    const health = { timeoutMs: 20_000, graceMs: 500 };
    const rolled = await runtime.rollout({ targets: [{ service: 'api', units: before.map((c) => c.name), image, version: 'same' }], health }, async () => undefined);
    expect(rolled.status).toBe('succeeded');
    if (rolled.status !== 'succeeded') return;
    // Undo renames the old containers back and starts them, and returns without waiting for health: the
    // engine's events about it are still on their way when it returns.
    await rolled.undo(async () => undefined);
    proxy.reset();
    const indexed = (await runtime.find(selectors))[0]!;
    expect(proxy.seen()).toEqual([]);
    const fresh = (await runtime.find(selectors, { fresh: true }))[0]!;
    expect(indexed.map((c) => [c.id, c.name, c.state])).toEqual(fresh.map((c) => [c.id, c.name, c.state]));
    expect(indexed.map((c) => c.id).sort()).toEqual(before.map((c) => c.id).sort());
    expect(indexed.every((c) => c.state === 'running')).toBe(true);
  }, 60_000);

  it('has read what an action step changed by the time the step returns, so status right after it is current', async () => {
    const selectors = [{ labels: { app } }];
    const before = (await runtime.find(selectors, { fresh: true }))[0]!;
    const result = await runtime.restart(
      { targets: [{ service: 'api', units: before.map((c) => c.name) }], health: { timeoutMs: 20_000, graceMs: 500 } },
      async () => undefined,
    );
    expect(result.status).toBe('succeeded');
    // Straight after the step, the index (no engine call) already shows the restarted containers.
    proxy.reset();
    const indexed = (await runtime.find(selectors))[0]!;
    expect(proxy.seen()).toEqual([]);
    const fresh = (await runtime.find(selectors, { fresh: true }))[0]!;
    expect(indexed.map((c) => [c.name, c.state, c.startedAt?.toISOString()])).toEqual(fresh.map((c) => [c.name, c.state, c.startedAt?.toISOString()]));
    for (const [i, c] of indexed.entries()) expect(c.startedAt!.getTime()).toBeGreaterThan(before[i]!.startedAt!.getTime());
  });
});
