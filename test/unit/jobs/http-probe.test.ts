import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createActionProcessor } from '../../../src/core/actions/action.processor.js';
import { runHttpProbe } from '../../../src/adapters/http/http-probe.js';
import { actionFixture, IMAGE } from './action-fixture.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A real HTTP endpoint answering each container's probe path with the status given for it. */
async function probeServer(statusFor: (container: string) => number): Promise<{ url: string; hits: string[] }> {
  const hits: string[] = [];
  server = createServer((req, res) => {
    const container = decodeURIComponent(req.url!.split('/')[2] ?? '');
    hits.push(container);
    res.writeHead(statusFor(container)).end();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/health/{container}`, hits };
}

describe('HTTP probe', () => {
  it('passes on 2xx and reports the last answer on timeout', async () => {
    const { url } = await probeServer((c) => (c === 'good' ? 204 : 503));
    expect(await runHttpProbe({ url, timeoutMs: 500, intervalMs: 50 }, 'good')).toEqual({ healthy: true, via: 'healthcheck' });
    const bad = await runHttpProbe({ url, timeoutMs: 300, intervalMs: 50 }, 'bad');
    expect(bad).toMatchObject({ healthy: false, reason: 'timeout' });
    expect(bad.healthy === false && bad.detail).toMatch(/\/health\/bad: HTTP 503$/);
  });

  it('counts a refused connection as not healthy', async () => {
    const out = await runHttpProbe({ url: 'http://127.0.0.1:9/health', timeoutMs: 200, intervalMs: 50 }, 'x');
    expect(out).toMatchObject({ healthy: false, reason: 'timeout' });
  });

  it('rolls a deploy back when a replaced container fails its service probe', async () => {
    const f = actionFixture();
    const { url, hits } = await probeServer((c) => (c === 'api-2' ? 500 : 200));
    f.deps.probeFor = (project, env, service) => (project === 'shop' && env === 'prod' && service === 'api' ? { url, timeoutMs: 300, intervalMs: 50 } : undefined);
    const action = await f.claimed('deploy');

    await createActionProcessor(f.deps)(action.id);

    expect(hits[0]).toBe('api-1');
    expect(hits.at(-1)).toBe('api-2');
    expect(f.runtime.state()).toEqual([`api-1 ${IMAGE}:1.4.1`, `api-2 ${IMAGE}:1.4.1`, `api-3 ${IMAGE}:1.4.1`]);
    const done = await f.pendingActions.get(action.id);
    expect(done?.result).toMatch(/^api-2 is not healthy on 1\.4\.2 \(timeout: probe http:\/\/127\.0\.0\.1:\d+\/health\/api-2: HTTP 500\)\. Rolled back: 2 containers restored/);
    expect(f.deployments.rows[0]?.status).toBe('rolled_back');
  });
});
