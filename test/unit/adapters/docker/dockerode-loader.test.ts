/**
 * dockerode from the loader: the ssh transport and the BuildKit session are not loaded for a unix:// host,
 * and an ssh:// host still talks SSH (the deferred ssh2 loads and speaks first on the socket).
 * Runs in its own process (vitest forks pool), so the CommonJS cache holds only what this file loaded.
 */
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDockerode } from '../../../../src/adapters/docker/dockerode-loader.js';

const cache = createRequire(import.meta.url).cache;
const loadedFrom = (pkg: string) => Object.keys(cache).some((file) => file.includes(`/node_modules/${pkg}/`));

let server: Server | undefined;
afterAll(() => server?.close());

describe('loadDockerode', () => {
  it('gives a client for a unix:// host without loading ssh2 or gRPC', () => {
    const Dockerode = loadDockerode();
    const docker = new Dockerode({ socketPath: '/nonexistent/docker.sock', protocol: 'http' });
    expect(typeof docker.listContainers).toBe('function');
    expect(loadedFrom('dockerode')).toBe(true);
    expect(loadedFrom('ssh2')).toBe(false);
    expect(loadedFrom('@grpc/grpc-js')).toBe(false);
  });

  it('an ssh:// host loads ssh2 on first use and it speaks SSH on the socket', async () => {
    // Given a TCP server that records what the client sends first (an SSH client sends its version line)
    let received = '';
    const firstBytes = new Promise<string>((resolve) => {
      server = createServer((socket) => {
        socket.on('data', (chunk) => {
          received += chunk.toString('latin1');
          if (received.includes('\n')) {
            resolve(received);
            socket.destroy();
          }
        });
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server!.address() as { port: number };
    // When a client of an ssh:// host is asked for something
    const Dockerode = loadDockerode();
    const docker = new Dockerode({ protocol: 'ssh', host: '127.0.0.1', port, username: 'deckhand', sshOptions: { readyTimeout: 2000 } });
    const ping = docker.ping().then(
      () => 'answered',
      (err: Error) => err.message,
    );
    // Then ssh2 was loaded and sent an SSH version line, and the call fails once the server hangs up
    expect(await firstBytes).toMatch(/^SSH-2\.0-/);
    expect(loadedFrom('ssh2')).toBe(true);
    expect(await ping).not.toBe('answered');
  });
});
