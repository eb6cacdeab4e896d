import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../../src/adapters/docker/docker.runtime.js';
import { ContainerNotFoundError, type LogLine } from '../../../src/core/ports/runtime.port.js';
import { PodmanFixture, requireEngine, waitFor, waitForExit } from '../../support/podman.js';

let docker: Docker;
let fixture: PodmanFixture;
let runtime: DockerRuntime;

beforeAll(async () => {
  docker = await requireEngine();
  fixture = new PodmanFixture(docker, 'docker-runtime-logs');
  runtime = new DockerRuntime('local', docker, { timeoutMs: 10_000 });
});

afterAll(async () => {
  await fixture?.cleanup();
});

async function runToExit(script: string, extra: Partial<Docker.ContainerCreateOptions> = {}): Promise<string> {
  const container = await fixture.create({ ...extra, Cmd: ['sh', '-c', script] });
  await waitForExit(docker, container.id);
  return container.id;
}

describe('DockerRuntime.logs', () => {
  it('demultiplexes stdout and stderr into lines, each stream in order', async () => {
    const id = await runToExit('echo one; echo two >&2; echo three; echo "four five" >&2');

    const lines = await runtime.logs(id, { tail: 100 });

    // The engine reads the two pipes separately, so only the order within a stream is defined.
    expect(lines).toHaveLength(4);
    expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.text)).toEqual(['one', 'three']);
    expect(lines.filter((l) => l.stream === 'stderr').map((l) => l.text)).toEqual(['two', 'four five']);
  });

  it('honours tail', async () => {
    const id = await runToExit('for i in 1 2 3 4 5 6; do echo line-$i; done');

    const lines = await runtime.logs(id, { tail: 2 });

    expect(lines.map((l) => l.text)).toEqual(['line-5', 'line-6']);
  });

  it('honours since', async () => {
    const container = await fixture.create({ Cmd: ['sh', '-c', 'echo early; sleep 3; echo late; sleep 300'], StopTimeout: 1 });
    const hasLine = (text: string) => async () =>
      (await runtime.logs(container.id, { tail: 100 })).some((l) => l.text === text) ? true : undefined;
    await waitFor('early line', hasLine('early'));
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const since = new Date();
    await waitFor('late line', hasLine('late'));

    const lines = await runtime.logs(container.id, { tail: 100, since });

    expect(lines).toEqual([{ stream: 'stdout', text: 'late' }]);
  });

  it('strips CRLF and decodes UTF-8', async () => {
    const id = await runToExit("printf 'windows\\r\\n'; printf 'é ü ✓\\n' >&2; sleep 0.2; echo done");

    const lines = await runtime.logs(id, { tail: 100 });

    expect(lines.filter((l) => l.stream === 'stdout')).toEqual([
      { stream: 'stdout', text: 'windows' },
      { stream: 'stdout', text: 'done' },
    ]);
    expect(lines.filter((l) => l.stream === 'stderr')).toEqual([{ stream: 'stderr', text: 'é ü ✓' }]);
  });

  it('reads a TTY container raw, even when its only line is JSON', async () => {
    const id = await runToExit('echo \'{"level":"info","msg":"up"}\'', { Tty: true });

    const lines = await runtime.logs(id, { tail: 1 });

    expect(lines).toEqual([{ stream: 'stdout', text: '{"level":"info","msg":"up"}' }]);
  });

  it('passes a secret printed by the app through raw (masking is the core’s job)', async () => {
    const id = await runToExit('echo "connecting with password=$DB_PASSWORD"', { Env: ['DB_PASSWORD=hunter2-s3cret'] });

    const lines = await runtime.logs(id, { tail: 10 });

    expect(lines).toEqual([{ stream: 'stdout', text: 'connecting with password=hunter2-s3cret' }]);
  });

  it('gives each line the time the engine recorded on request, with the text after it', async () => {
    const before = Date.now();
    const id = await runToExit('echo stamped');

    const [line] = await runtime.logs(id, { tail: 1, timestamps: true });

    expect(line).toMatchObject({ stream: 'stdout', text: 'stamped' });
    // Podman records whole seconds.
    expect(line!.at!.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(line!.at!.getTime()).toBeLessThanOrEqual(Date.now());
  });
});

describe('DockerRuntime.environment', () => {
  it('returns the configured environment split on the first =', async () => {
    const container = await fixture.create({
      Cmd: ['sleep', '300'],
      StopTimeout: 1,
      Env: ['APP_MODE=blue', 'DATABASE_URL=postgres://u:p@db/app?opt=a=b', 'EMPTY='],
    });

    const env = await runtime.env(container.id);

    expect(env).toMatchObject({ APP_MODE: 'blue', DATABASE_URL: 'postgres://u:p@db/app?opt=a=b', EMPTY: '' });
  });
});

describe('missing containers', () => {
  const missing = 'deckhand-no-such-container-4e1f';

  it('raises ContainerNotFoundError from logs and environment', async () => {
    await expect(runtime.logs(missing, { tail: 10 })).rejects.toBeInstanceOf(ContainerNotFoundError);
    await expect(runtime.env(missing)).rejects.toEqual(new ContainerNotFoundError(missing));
  });

  it('refuses ids that are not container ids or names before calling the engine', async () => {
    await expect(runtime.logs('../../_ping', { tail: 10 })).rejects.toThrow(/container id/);
    await expect(runtime.env('')).rejects.toThrow(/container id/);
  });
});
