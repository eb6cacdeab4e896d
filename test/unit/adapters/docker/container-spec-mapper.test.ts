import { describe, expect, it } from 'vitest';
import { cloneSpec, type CloneSource, type ImageDefaults } from '../../../../src/adapters/docker/container-spec.mapper.js';
import { imageReferenceSchema, pullParameters } from '../../../../src/adapters/docker/image-reference.js';

const ID = 'abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789';

const image: ImageDefaults = {
  Env: ['PATH=/bin'],
  Labels: { 'org.opencontainers.image.version': '1.0', vendor: 'acme' },
  Cmd: ['httpd'],
  Entrypoint: [],
  Healthcheck: { Test: ['CMD-SHELL', 'wget -q -O- http://127.0.0.1:8080/'], Interval: 1e9, Retries: 2 },
};

function source(overrides: Partial<CloneSource> = {}): CloneSource {
  return {
    Id: ID,
    Name: '/web',
    Config: {
      Hostname: ID.slice(0, 12),
      Env: ['APP=1', 'PATH=/bin', `HOSTNAME=${ID.slice(0, 12)}`],
      Labels: { 'org.opencontainers.image.version': '1.0', vendor: 'acme', team: 'shop', 'io.deckhand.replacement.of': 'old' },
      Cmd: ['httpd'],
      Entrypoint: [],
      Healthcheck: image.Healthcheck ?? null,
      WorkingDir: '/',
      ExposedPorts: { '8080/tcp': {} },
    },
    HostConfig: {
      NetworkMode: 'bridge',
      Binds: ['data:/data:rw'],
      PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '18080' }] },
      RestartPolicy: { Name: 'always', MaximumRetryCount: 0 },
      PidsLimit: 2048,
    },
    NetworkSettings: { Networks: { front: { Aliases: ['web-alias', ID.slice(0, 12)] }, back: { Aliases: null } } },
    Mounts: [
      { Type: 'volume', Name: 'data', Destination: '/data' },
      { Type: 'volume', Name: 'f00dcafe', Destination: '/cache' },
    ],
    ...overrides,
  };
}

const target = {
  image: 'reg:5000/web:2.0',
  name: 'web.deckhand-next',
  labels: { 'io.deckhand.replacement.of': ID },
  dropLabels: (key: string) => key.startsWith('io.deckhand.replacement.'),
};

describe('cloneSpec', () => {
  it('keeps what the operator set and leaves image defaults to the new image', () => {
    const { create } = cloneSpec(source(), image, target);

    expect(create.name).toBe('web.deckhand-next');
    expect(create.Image).toBe('reg:5000/web:2.0');
    expect(create.Env).toEqual(['APP=1']);
    expect(create.Labels).toEqual({ team: 'shop', 'io.deckhand.replacement.of': ID });
    expect(create.Cmd).toBeUndefined();
    expect(create.Entrypoint).toBeUndefined();
    expect(create.Healthcheck).toBeUndefined();
    expect(create.WorkingDir).toBeUndefined();
    expect(create.Hostname).toBeUndefined();
    expect(create.ExposedPorts).toEqual({ '8080/tcp': {} });
  });

  it('keeps a command, healthcheck and working dir that differ from the image', () => {
    const old = source();
    old.Config = { ...old.Config, Cmd: ['httpd', '-v'], Healthcheck: { Test: ['NONE'] }, WorkingDir: '/srv', User: '1000' };

    const { create } = cloneSpec(old, image, target);

    expect([create.Cmd, create.Healthcheck, create.WorkingDir, create.User]).toEqual([['httpd', '-v'], { Test: ['NONE'] }, '/srv', '1000']);
  });

  it('carries ports, restart policy, binds and anonymous volumes, but not engine-computed limits', () => {
    const { create } = cloneSpec(source(), image, target);

    expect(create.HostConfig).toEqual({
      Binds: ['data:/data:rw'],
      PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '18080' }] },
      RestartPolicy: { Name: 'always', MaximumRetryCount: 0 },
      Mounts: [{ Type: 'volume', Source: 'f00dcafe', Target: '/cache' }],
    });
  });

  it('attaches the first user network at create and the others afterwards, without generated aliases', () => {
    const { create, extraNetworks } = cloneSpec(source(), image, target);

    expect(create.NetworkingConfig).toEqual({ EndpointsConfig: { front: { Aliases: ['web-alias'] } } });
    expect(extraNetworks).toEqual([{ network: 'back', aliases: [] }]);
  });

  it('keeps special network modes and attaches no networks then', () => {
    const { create, extraNetworks } = cloneSpec(source({ HostConfig: { NetworkMode: 'host' } }), image, target);

    expect(create.HostConfig?.NetworkMode).toBe('host');
    expect(create.NetworkingConfig).toBeUndefined();
    expect(extraNetworks).toEqual([]);
  });

  it('keeps everything when the old image is gone', () => {
    const { create } = cloneSpec(source(), {}, target);

    expect(create.Env).toEqual(['APP=1', 'PATH=/bin']);
    expect(create.Cmd).toEqual(['httpd']);
    expect(create.Labels).toMatchObject({ 'org.opencontainers.image.version': '1.0' });
  });
});

describe('imageReferenceSchema', () => {
  it.each(['127.0.0.1:5000/deckhand/web:1.0', 'ghcr.io/acme/api:v1.2.3-rc.1', 'redis:7', `web@sha256:${'a'.repeat(64)}`])(
    'accepts %s',
    (ref) => expect(imageReferenceSchema.safeParse(ref).success).toBe(true),
  );

  it.each(['web', 'localhost:5000/web', 'Web:1', 'web:1 ', 'web:1&x=y', '/web:1', 'a/../b:1'])('refuses %j', (ref) => {
    expect(imageReferenceSchema.safeParse(ref).success).toBe(false);
  });

  it('splits pull parameters on the tag, keeping digests whole', () => {
    expect(pullParameters('127.0.0.1:5000/deckhand/web:1.0')).toEqual({ fromImage: '127.0.0.1:5000/deckhand/web', tag: '1.0' });
    expect(pullParameters(`web@sha256:${'b'.repeat(64)}`)).toEqual({ fromImage: `web@sha256:${'b'.repeat(64)}` });
  });
});
