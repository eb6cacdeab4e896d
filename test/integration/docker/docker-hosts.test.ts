import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DockerRuntimeRegistry,
  dockerOptionsFor,
  hostConfigSchema,
  parseHostUrl,
} from '../../../src/adapters/docker/docker-hosts.js';
import { HostUnreachableError } from '../../../src/core/ports/runtime.port.js';
import { dockerHostUrl, PodmanFixture, requireEngine } from '../../support/podman.js';

describe('hostConfigSchema', () => {
  it.each([
    'unix:///var/run/docker.sock',
    'tcp://10.0.0.5:2376',
    'tcp://docker.internal',
    'ssh://deploy@app-1.example.com',
    'ssh://deploy@[2001:db8::1]:2222',
  ])('accepts %s', (url) => {
    expect(hostConfigSchema.safeParse({ url }).success).toBe(true);
  });

  it.each([
    'unix://relative.sock',
    'unix://',
    'http://10.0.0.5:2375',
    'tcp://10.0.0.5:2375/path',
    'tcp://user@10.0.0.5:2375',
    'ssh://deploy:secret@host',
    '/var/run/docker.sock',
    '',
  ])('refuses %j with a message that shows the accepted forms', (url) => {
    const result = hostConfigSchema.safeParse({ url });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(
      'host url must look like unix:///var/run/docker.sock, tcp://host:2376 or ssh://user@host[:port]',
    );
  });

  it('refuses tls on a non-tcp host, a cert without its key, unknown keys and bad timeouts', () => {
    const messages = (input: unknown) => hostConfigSchema.safeParse(input).error?.issues.map((i) => i.message) ?? [];
    expect(messages({ url: 'unix:///run/docker.sock', tls: { ca: '/ca.pem' } })).toEqual(['tls applies to tcp:// hosts only']);
    expect(messages({ url: 'tcp://h:2376', tls: { cert: '/c.pem' } })).toEqual(['tls.cert and tls.key must be given together']);
    expect(messages({ url: 'tcp://h:2376', tsl: {} })).toHaveLength(1);
    expect(messages({ url: 'tcp://h:2376', timeoutMs: 0 })).toHaveLength(1);
  });
});

describe('dockerOptionsFor', () => {
  it('maps unix, ssh and tcp URLs, clearing what the environment could add', () => {
    expect(dockerOptionsFor({ url: 'unix:///tmp/d.sock' })).toMatchObject({ socketPath: '/tmp/d.sock', host: undefined, protocol: 'http' });
    expect(dockerOptionsFor({ url: 'tcp://10.0.0.5' })).toMatchObject({ socketPath: undefined, host: '10.0.0.5', port: 2375, protocol: 'http' });
    expect(dockerOptionsFor({ url: 'ssh://deploy@[2001:db8::1]:2222' })).toMatchObject({
      protocol: 'ssh',
      host: '2001:db8::1',
      port: 2222,
      username: 'deploy',
    });
  });

  it('reads the TLS files of a tcp host and switches to https on 2376 by default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deckhand-tls-'));
    for (const name of ['ca', 'cert', 'key']) writeFileSync(join(dir, `${name}.pem`), `${name} pem`);
    const tls = { ca: join(dir, 'ca.pem'), cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };

    const options = dockerOptionsFor({ url: 'tcp://docker.internal', tls });

    expect(options).toMatchObject({ protocol: 'https', host: 'docker.internal', port: 2376 });
    expect([options.ca, options.cert, options.key].map(String)).toEqual(['ca pem', 'cert pem', 'key pem']);
    expect(() => dockerOptionsFor({ url: 'tcp://h', tls: { ca: join(dir, 'missing.pem') } })).toThrow(/ENOENT/);
  });
});

describe('DockerRuntimeRegistry', () => {
  let fixture: PodmanFixture;

  beforeAll(async () => {
    fixture = new PodmanFixture(await requireEngine(), 'docker-hosts');
  });

  afterAll(async () => {
    await fixture?.cleanup();
  });

  it('builds a runtime per host that reaches its own engine even when DOCKER_HOST points elsewhere', async () => {
    const name = fixture.name('reg');
    await fixture.create({ Cmd: ['sleep', '300'], StopTimeout: 1, name });
    const engineUrl = dockerHostUrl();
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'tcp://127.0.0.1:9';
    let registry: DockerRuntimeRegistry;
    try {
      registry = new DockerRuntimeRegistry({ local: { url: engineUrl }, other: { url: 'unix:///nowhere.sock' } });
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }

    expect(registry.hosts()).toEqual(['local', 'other']);
    const runtime = registry.get('local');
    expect(runtime.host).toBe('local');
    await expect(runtime.ping()).resolves.toBeUndefined();
    const [group] = await runtime.find([{ name }]);
    expect(group?.map((c) => c.name)).toEqual([name]);
  });

  it('reports an unknown host as unreachable and refuses an invalid config', () => {
    const registry = new DockerRuntimeRegistry({});
    expect(() => registry.get('ghost')).toThrow(HostUnreachableError);
    expect(() => new DockerRuntimeRegistry({ bad: { url: 'ftp://x' } })).toThrow(/host url must look like/);
    expect(() => new DockerRuntimeRegistry({ 'bad name': { url: 'unix:///x.sock' } })).toThrow(/host names/);
  });
});

describe('unreachable hosts', () => {
  let silent: Server;
  let silentPort: number;
  let closedPort: number;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // A server that accepts connections and never answers: a hung engine.
    silent = createServer((socket) => sockets.push(socket));
    silentPort = await listen(silent);
    const probe = createServer();
    closedPort = await listen(probe);
    await new Promise((resolve) => probe.close(resolve));
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  async function expectUnreachable(call: Promise<unknown>, reason: RegExp, withinMs: number): Promise<void> {
    const started = Date.now();
    const error = await call.then(
      () => new Error('call succeeded'),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HostUnreachableError);
    expect((error as HostUnreachableError).host).toBe('h');
    expect((error as HostUnreachableError).reason).toMatch(reason);
    expect(Date.now() - started).toBeLessThan(withinMs);
  }

  const runtimeAt = (url: string, timeoutMs = 5_000) => new DockerRuntimeRegistry({ h: { url, timeoutMs } }).get('h');

  it('fails fast when the unix socket does not exist', async () => {
    const runtime = runtimeAt('unix:///tmp/deckhand-no-such-engine.sock');
    await expectUnreachable(runtime.ping(), /socket not found \(ENOENT\)/, 1_000);
    await expectUnreachable(runtime.find([{ name: 'api' }]), /ENOENT/, 1_000);
  });

  it('fails fast when nothing listens on the tcp port', async () => {
    const runtime = runtimeAt(`tcp://127.0.0.1:${closedPort}`);
    await expectUnreachable(runtime.ping(), /connection refused \(ECONNREFUSED\)/, 1_000);
    await expectUnreachable(runtime.logs('api', { tail: 10 }), /ECONNREFUSED/, 1_000);
    await expectUnreachable(runtime.env('api'), /ECONNREFUSED/, 1_000);
  });

  it('fails fast over ssh when nothing listens', async () => {
    const runtime = runtimeAt(`ssh://deploy@127.0.0.1:${closedPort}`);
    await expectUnreachable(runtime.ping(), /./, 2_000);
  });

  it('gives up on an engine that never answers after the host timeout', async () => {
    const runtime = runtimeAt(`tcp://127.0.0.1:${silentPort}`, 300);
    await expectUnreachable(runtime.ping(), /no answer within 300 ms/, 1_500);
    await expectUnreachable(runtime.logs('api', { tail: 5 }), /no answer within 300 ms/, 1_500);
  });

  it('follows the caller: its timeout is unreachable, its cancellation is passed through', async () => {
    const runtime = runtimeAt(`tcp://127.0.0.1:${silentPort}`, 10_000);
    await expectUnreachable(runtime.find([{ name: 'api' }], { signal: AbortSignal.timeout(200) }), /timed out/, 1_500);

    const controller = new AbortController();
    const cancelled = runtime.env('api', { signal: controller.signal });
    controller.abort(new Error('user cancelled'));
    await expect(cancelled).rejects.toThrow('user cancelled');
  });
});

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
}

describe('parseHostUrl', () => {
  it('keeps percent-encoded socket paths readable', () => {
    expect(parseHostUrl('unix:///run/my%20engine.sock')).toEqual({ kind: 'unix', socketPath: '/run/my engine.sock' });
  });
});
