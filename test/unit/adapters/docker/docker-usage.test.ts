/**
 * The cost sampler's reads of one host, against an HTTP server that answers the engine API's paths with
 * its object shapes: every container's stats are asked for once without a second sample to wait for
 * (`stream=false`, `one-shot=true`), and never more than USAGE_CONCURRENCY of them at once.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDockerode } from '../../../../src/adapters/docker/dockerode-loader.js';
import { readUsage, USAGE_CONCURRENCY } from '../../../../src/adapters/docker/docker-usage.js';

let server: Server;
let port: number;
const statsQueries: URLSearchParams[] = [];
let inFlight = 0;
let mostInFlight = 0;

const json = (res: import('node:http').ServerResponse, body: unknown) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://engine');
    const path = url.pathname.replace(/^\/v[\d.]+/, '');
    const stats = /^\/containers\/([^/]+)\/stats$/.exec(path);
    if (stats) {
      statsQueries.push(url.searchParams);
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      // Held a while, as an engine reading cgroups: the next reads pile up if nothing bounds them.
      setTimeout(() => {
        inFlight--;
        json(res, { read: '2026-12-02T12:00:00Z', cpu_stats: { cpu_usage: { total_usage: 5e9 } }, memory_stats: { usage: 100, stats: { inactive_file: 40 } } });
      }, 30);
      return;
    }
    const inspect = /^\/containers\/([^/]+)\/json$/.exec(path);
    if (inspect) return json(res, { Id: inspect[1], Image: 'sha256:abc', SizeRw: 10, Mounts: [] });
    if (path === '/system/df') return json(res, { Volumes: [] });
    if (path.startsWith('/images/')) return json(res, { Created: '2026-11-01T00:00:00Z' });
    res.writeHead(404).end('{"message":"no such path"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('docker usage reads', () => {
  it('asks each container for one-shot stats, at most USAGE_CONCURRENCY at a time', async () => {
    const Dockerode = loadDockerode();
    const docker = new Dockerode({ protocol: 'http', host: '127.0.0.1', port });
    const ids = Array.from({ length: 12 }, (_, i) => `c${String(i).padStart(2, '0')}`);

    const usage = await readUsage(docker, ids, AbortSignal.timeout(10_000));

    expect(usage.map((u) => u.unitId)).toEqual(ids);
    expect(usage[0]).toMatchObject({ cpuTotalNs: 5e9, memoryBytes: 60, storageBytes: 10, imageCreatedAt: new Date('2026-11-01T00:00:00Z') });
    expect(statsQueries).toHaveLength(12);
    for (const q of statsQueries) expect([q.get('stream'), q.get('one-shot')]).toEqual(['false', 'true']);
    expect(USAGE_CONCURRENCY).toBeLessThan(ids.length);
    expect(mostInFlight).toBe(USAGE_CONCURRENCY);
  });
});
