import { rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DockerRuntimeRegistry } from '../../../src/adapters/docker/docker-hosts.js';
import { HostUnreachableError } from '../../../src/core/ports/runtime.port.js';
import type { DockerRuntime } from '../../../src/adapters/docker/docker.runtime.js';
import { BUSYBOX_IMAGE, dockerHostUrl, PodmanFixture, requireEngine } from '../../support/podman.js';

/**
 * Query and action deadlines against the real engine, seen through a proxy on a unix socket that holds each
 * request whose method `delayed` selects for DELAY_MS before passing it on (an engine under load).
 */

const QUERY_TIMEOUT_MS = 300;
const ACTION_TIMEOUT_MS = 5_000;
const DELAY_MS = 600;

let docker: Docker;
let fixture: PodmanFixture;
let proxy: Server;
let proxyPath: string;
let runtime: DockerRuntime;
const sockets = new Set<Socket>();
/** Which requests the proxy holds back, by HTTP method. */
let delayed: (method: string) => boolean = () => false;

const METHOD = /^(GET|HEAD|POST|PUT|DELETE) \//;

/** Forwards every connection to the engine; a chunk that starts a selected request waits DELAY_MS first. */
function startProxy(target: string, path: string): Promise<Server> {
  const server = createServer((client) => {
    const upstream = connect(target);
    sockets.add(client).add(upstream);
    let queue = Promise.resolve();
    client.on('data', (chunk: Buffer) => {
      const method = METHOD.exec(chunk.subarray(0, 8).toString('latin1'))?.[1];
      const hold = method !== undefined && delayed(method);
      queue = queue.then(async () => {
        if (hold) await new Promise((resolve) => setTimeout(resolve, DELAY_MS));
        if (!upstream.destroyed) upstream.write(chunk);
      });
    });
    upstream.pipe(client);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  return new Promise((resolve) => server.listen(path, () => resolve(server)));
}

beforeAll(async () => {
  docker = await requireEngine();
  fixture = new PodmanFixture(docker, 'docker-runtime-timeouts');
  const target = dockerHostUrl();
  if (!target.startsWith('unix://')) throw new Error(`this test proxies a unix socket engine, not ${target}`);
  proxyPath = join(tmpdir(), `dh-slow-${fixture.runId.slice(-8)}.sock`);
  await rm(proxyPath, { force: true });
  proxy = await startProxy(target.slice('unix://'.length), proxyPath);
  // As deckhand.yaml configures it: limits.hostTimeoutMs for queries, hosts.<name>.actionTimeoutMs for actions.
  const registry = new DockerRuntimeRegistry(
    { slow: { url: `unix://${proxyPath}`, actionTimeoutMs: ACTION_TIMEOUT_MS } },
    { defaultTimeoutMs: QUERY_TIMEOUT_MS },
  );
  runtime = registry.get('slow');
});

beforeEach(() => {
  delayed = () => false;
});

afterAll(async () => {
  await fixture?.cleanup();
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => proxy?.close(resolve));
  await rm(proxyPath, { force: true });
});

const sleeper = { image: BUSYBOX_IMAGE, Cmd: ['sh', '-c', "trap 'exit 0' TERM; sleep 300 & wait"], StopTimeout: 2 };

describe('engine call deadlines', () => {
  it('replaces a container when every mutating call takes longer than the query timeout', async () => {
    const name = fixture.name('api');
    const old = await fixture.create({ ...sleeper, name });
    delayed = (method) => method === 'POST' || method === 'DELETE';

    const replacement = await runtime.replace(old.id, BUSYBOX_IMAGE);
    await runtime.finalize(replacement);

    const live = await docker.getContainer(name).inspect();
    expect(live.Id).toBe(replacement.newId);
    expect(live.State.Running).toBe(true);
    await expect(docker.getContainer(old.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 60_000);

  it('restarts a container when its inspect and restart calls are both slower than the query timeout', async () => {
    const container = await fixture.create({ ...sleeper, name: fixture.name('restart') });
    const before = (await container.inspect()).State.StartedAt;
    delayed = () => true;

    await runtime.restartContainer(container.id);

    expect((await container.inspect()).State.StartedAt).not.toBe(before);
  }, 30_000);

  it('still gives up on a slow query at the query timeout', async () => {
    const container = await fixture.create({ ...sleeper, name: fixture.name('query') });
    delayed = () => true;

    const started = Date.now();
    const error = await runtime.env(container.id).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(HostUnreachableError);
    expect((error as Error).message).toContain(`no answer within ${QUERY_TIMEOUT_MS} ms`);
    expect(Date.now() - started).toBeLessThan(DELAY_MS);
  });

  it('gives up on a slow action at the host action timeout', async () => {
    const container = await fixture.create({ ...sleeper, name: fixture.name('bound') });
    const tight = new DockerRuntimeRegistry(
      { tight: { url: `unix://${proxyPath}`, actionTimeoutMs: 400 } },
      { defaultTimeoutMs: QUERY_TIMEOUT_MS },
    ).get('tight');
    delayed = (method) => method === 'POST' || method === 'DELETE';

    const error = await tight.replace(container.id, BUSYBOX_IMAGE).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(HostUnreachableError);
    expect((error as Error).message).toContain('no answer within 400 ms');
    // The failed replacement left the old container in place and running.
    delayed = () => false;
    const live = await docker.getContainer(fixture.name('bound')).inspect();
    expect(live.Id).toBe(container.id);
    expect(live.State.Running).toBe(true);
  }, 30_000);
});
