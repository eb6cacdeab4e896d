import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../../src/adapters/docker/docker.runtime.js';
import { LogNotKeptError } from '../../../src/core/ports/runtime.port.js';
import { engineClient, PodmanFixture, requireEngine } from '../../support/podman.js';
import { runtimeCore } from '../../support/runtime-core.js';

/** `logs --previous` on Docker (Podman's Docker-compatible API): there is no previous log, and chat says so. */

let docker: Docker;
let fixture: PodmanFixture;
let app: string;
let id: string;
const runtime = new DockerRuntime('local', engineClient(), { timeoutMs: 10_000 });

beforeAll(async () => {
  docker = await requireEngine();
  fixture = new PodmanFixture(docker, 'docker-logs-previous');
  app = fixture.name('shop-api');
  const c = await fixture.create({ Cmd: ['sh', '-c', 'echo ready; sleep 300'], name: `${app}-1`, labels: { app } });
  id = c.id;
});

afterAll(async () => {
  await fixture?.cleanup();
});

describe('logs --previous on Docker', () => {
  it('is refused by the runtime before any engine call', async () => {
    await expect(runtime.logs(id, { tail: 10, previous: true })).rejects.toBeInstanceOf(LogNotKeptError);
    expect((await runtime.logs(id, { tail: 10 })).map((l) => l.text)).toContain('ready');
  });

  it('is answered once in chat with why, while logs without it still show the lines', async () => {
    const { say } = runtimeCore(
      `
hosts:
  local: { url: ${process.env.DOCKER_HOST ?? 'unix:///tmp/podman.sock'} }
projects:
  shop:
    environments:
      staging:
        services:
          api: { host: local, labels: { app: ${app} } }
`,
      { local: runtime },
    );
    const refused = await say('logs api staging --previous');
    expect(refused.text).toContain('No previous log of api (staging): Docker keeps no previous container log');
    expect(refused.text).not.toContain('ready');
    expect((await say('logs api staging')).text).toContain('ready');
  });
});
