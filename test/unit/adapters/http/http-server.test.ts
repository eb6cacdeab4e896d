import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer, type HttpServer, type HttpServerOptions } from '../../../../src/adapters/http/http-server.js';
import { PayloadTooLargeError, readBody } from '../../../../src/adapters/http/read-body.js';
import { sendJson } from '../../../../src/adapters/http/http-response.js';
import type { ReadinessCheck } from '../../../../src/adapters/http/readiness.js';
import { createLogger } from '../../../../src/bot/logger.js';

const servers: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function logCapture() {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
  return { logger, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

async function start(overrides: Partial<HttpServerOptions> = {}) {
  const { logger, records } = logCapture();
  const server = createHttpServer({ logger, metricsRegistry: new Registry(), ...overrides });
  servers.push(server);
  const { port } = await server.listen(0, '127.0.0.1');
  return { server, base: `http://127.0.0.1:${port}`, records };
}

/** An idle keep-alive connection: one request sent and answered, the socket left open. */
async function idleKeepAlive(base: string): Promise<Socket> {
  const { hostname, port } = new URL(base);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    let received = '';
    socket.once('error', reject);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      if (received.includes('{"status":"ok"}')) resolve();
    });
    socket.write('GET /healthz HTTP/1.1\r\nhost: deckhand\r\nconnection: keep-alive\r\n\r\n');
  });
  return socket;
}

/** Real dependencies: the PostgreSQL and Redis every machine of this project runs. */
const postgresCheck = (connectionString: string): ReadinessCheck => ({
  name: 'postgres',
  async check() {
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: 1500 });
    try {
      await client.connect();
      await client.query('SELECT 1');
    } finally {
      await client.end().catch(() => undefined);
    }
  },
});

const redisCheck = (port: number): ReadinessCheck => ({
  name: 'redis',
  async check() {
    const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
    }
  },
});

describe('health and readiness', () => {
  it('answers /healthz with 200 ok, and 503 once draining', async () => {
    const { server, base } = await start();

    const up = await fetch(`${base}/healthz`);
    expect(up.status).toBe(200);
    expect(await up.json()).toEqual({ status: 'ok' });

    server.drain();
    const draining = await fetch(`${base}/healthz`);
    expect(draining.status).toBe(503);
    expect(await draining.json()).toEqual({ status: 'draining' });
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
  });

  it('is ready when every check passes against the real PostgreSQL and Redis', async () => {
    const { base } = await start({ readiness: [postgresCheck('postgres://postgres@127.0.0.1:5432/postgres'), redisCheck(6379)] });

    const res = await fetch(`${base}/readyz`);
    const body = (await res.json()) as { status: string; checks: { name: string; ok: boolean }[] };

    expect(res.status).toBe(200);
    expect(body.status).toBe('ready');
    expect(body.checks.map((c) => [c.name, c.ok])).toEqual([['postgres', true], ['redis', true]]);
  });

  it('is not ready when a dependency is down, naming it with a short error and no connection string', async () => {
    const secretUrl = 'postgres://deckhand:pg-s3cret-pass@127.0.0.1:1/deckhand';
    const leaky: ReadinessCheck = {
      name: 'leaky',
      check: async () => {
        throw new Error(`cannot reach ${secretUrl} with password=hunter2 now\n    at Object.<anonymous> (/app/src/db.ts:1:1)`);
      },
    };
    const { base } = await start({ readiness: [postgresCheck(secretUrl), redisCheck(1), leaky, redisCheck(6379)] });

    const res = await fetch(`${base}/readyz`);
    const raw = await res.text();
    const body = JSON.parse(raw) as { status: string; checks: { name: string; ok: boolean; error?: string }[] };

    expect(res.status).toBe(503);
    expect(body.status).toBe('not_ready');
    expect(body.checks.map((c) => [c.name, c.ok])).toEqual([['postgres', false], ['redis', false], ['leaky', false], ['redis', true]]);
    expect(body.checks[0]?.error).toMatch(/ECONNREFUSED/);
    expect(body.checks[2]?.error).toBe('cannot reach <url> with password=**** now');
    for (const leak of ['pg-s3cret-pass', 'hunter2', 'postgres://', 'db.ts', '    at ']) expect(raw).not.toContain(leak);
  });

  it('is ready but degraded (200) when a check works in a slower mode, naming it and why', async () => {
    const slower: ReadinessCheck = { name: 'docker:prod-1', check: async () => ({ degraded: 'event stream ended; status asks the engine directly' }) };
    const { base } = await start({ readiness: [redisCheck(6379), slower] });

    const res = await fetch(`${base}/readyz`);
    const body = (await res.json()) as { status: string; checks: { name: string; ok: boolean; degraded?: string }[] };

    expect(res.status).toBe(200);
    expect(body.status).toBe('degraded');
    expect(body.checks).toEqual([
      expect.objectContaining({ name: 'redis', ok: true }),
      expect.objectContaining({ name: 'docker:prod-1', ok: true, degraded: 'event stream ended; status asks the engine directly' }),
    ]);
    expect(body.checks[0]).not.toHaveProperty('degraded');
  });

  it('runs checks in parallel and times out a hanging check, aborting its signal', async () => {
    let aborted = false;
    const hanging: ReadinessCheck = {
      name: 'docker:prod-1',
      check: (signal) =>
        new Promise<void>(() => {
          signal.addEventListener('abort', () => (aborted = true));
        }),
    };
    const slowOk: ReadinessCheck = { name: 'slow', check: () => new Promise((r) => setTimeout(r, 150)) };
    const { base } = await start({ readiness: [hanging, slowOk, { ...slowOk, name: 'slow2' }], checkTimeoutMs: 300 });

    const started = performance.now();
    const res = await fetch(`${base}/readyz`);
    const elapsed = performance.now() - started;
    const body = (await res.json()) as { checks: { name: string; ok: boolean; error?: string }[] };

    expect(res.status).toBe(503);
    expect(body.checks[0]).toMatchObject({ name: 'docker:prod-1', ok: false, error: 'timed out after 300 ms' });
    expect(body.checks.slice(1).map((c) => c.ok)).toEqual([true, true]);
    expect(aborted).toBe(true);
    expect(elapsed).toBeLessThan(500); // one by one it would take 300 + 150 + 150 ms
  });
});

describe('metrics and routing', () => {
  it('serves the prom-client registry as Prometheus text', async () => {
    const metricsRegistry = new Registry();
    new Counter({ name: 'deckhand_test_total', help: 'test', registers: [metricsRegistry] }).inc(3);
    const { base } = await start({ metricsRegistry });

    const res = await fetch(`${base}/metrics`);

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(metricsRegistry.contentType);
    expect(await res.text()).toContain('deckhand_test_total 3');
  });

  it('answers 404 JSON for an unknown path and 405 for a wrong method, logging each request at debug', async () => {
    const { base, records } = await start({ routes: [{ method: 'post', path: '/webhooks/github', handler: (_q, r) => sendJson(r, 202, {}) }] });

    const missing = await fetch(`${base}/nope?x=1`);
    const wrong = await fetch(`${base}/webhooks/github`);
    const builtInWrong = await fetch(`${base}/healthz`, { method: 'POST' });

    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not found' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(builtInWrong.status).toBe(405);
    const requestLogs = records().filter((r) => r.msg === 'http request');
    expect(requestLogs[0]).toMatchObject({ level: 20, method: 'GET', path: '/nope', status: 404 });
    expect(typeof requestLogs[0]?.durationMs).toBe('number');
    expect(requestLogs.map((r) => r.status)).toEqual([404, 405, 405]);
  });

  it('hands mounted routes the unread body stream, and refuses a declared body over the limit', async () => {
    const handler = async (req: IncomingMessage, res: ServerResponse) => {
      try {
        const body = await readBody(req, 64);
        sendJson(res, 200, { received: body.toString('utf8') });
      } catch (err) {
        if (err instanceof PayloadTooLargeError) return sendJson(res, 413, { error: 'payload too large' }, { connection: 'close' });
        throw err;
      }
    };
    const { base } = await start({ routes: [{ method: 'POST', path: '/hook', handler }], maxBodyBytes: 32 });

    const ok = await fetch(`${base}/hook`, { method: 'POST', body: 'hello' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ received: 'hello' });

    const declared = await fetch(`${base}/hook`, { method: 'POST', body: 'x'.repeat(33) });
    expect(declared.status).toBe(413);

    // No Content-Length (a stream): the server passes it through and readBody enforces its own limit.
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode('y'.repeat(50)));
        c.enqueue(new TextEncoder().encode('y'.repeat(50)));
        c.close();
      },
    });
    const chunked = await fetch(`${base}/hook`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('turns a throwing handler into a 500 without the error text, logging the error', async () => {
    const { base, records } = await start({
      routes: [{ method: 'GET', path: '/boom', handler: () => Promise.reject(new Error('secret detail postgres://u:pw@h/db')) }],
    });

    const res = await fetch(`${base}/boom`);
    const raw = await res.text();

    expect(res.status).toBe(500);
    expect(JSON.parse(raw)).toEqual({ error: 'internal error' });
    expect(raw).not.toContain('secret detail');
    const failure = records().find((r) => r.msg === 'http handler failed');
    expect((failure?.err as { message: string }).message).toBe('secret detail postgres://u:****@h/db');
  });

  it('refuses to mount over a built-in route and validates routes', () => {
    const { logger } = logCapture();
    const metricsRegistry = new Registry();
    expect(() => createHttpServer({ logger, metricsRegistry, routes: [{ method: 'GET', path: '/healthz', handler: () => undefined }] })).toThrow(/built in/);
    expect(() => createHttpServer({ logger, metricsRegistry, routes: [{ method: 'GET', path: 'no-slash', handler: () => undefined }] })).toThrow();
  });
});

describe('graceful close', () => {
  it('waits for an in-flight request to finish, then stops accepting', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    let closed = false;
    let closedBeforeAnswer: boolean | undefined;
    const { server, base, records } = await start({
      routes: [
        {
          method: 'GET',
          path: '/slow',
          handler: async (_q, res) => {
            entered();
            await released;
            closedBeforeAnswer = closed;
            sendJson(res, 200, { done: true });
          },
        },
      ],
    });
    const idle = await idleKeepAlive(base);
    const idleClosed = new Promise<void>((r) => idle.once('close', () => r()));

    const pending = fetch(`${base}/slow`);
    await inHandler;
    const closing = server.close().then(() => (closed = true));
    // What close() does at once is done: the idle connection is gone, the in-flight request alone keeps it open.
    await idleClosed;
    expect(records().find((r) => r.msg === 'http server closing')).toMatchObject({ inFlight: 1, idleClosed: 1 });
    expect(closed).toBe(false);

    release();
    const releasedAt = performance.now();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    expect(closedBeforeAnswer).toBe(false);
    await closing;
    expect(closed).toBe(true);
    expect(performance.now() - releasedAt).toBeLessThan(1000); // idle keep-alive sockets did not hold it open
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });

  it('drops connections of requests that outlive the shutdown timeout', async () => {
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    const { server, base, records } = await start({
      shutdownTimeoutMs: 100,
      routes: [{ method: 'GET', path: '/stuck', handler: () => new Promise<void>(() => entered()) }],
    });

    const pending = fetch(`${base}/stuck`);
    await inHandler;
    const started = performance.now();
    await server.close();

    expect(performance.now() - started).toBeLessThan(1000);
    expect(records().find((r) => r.msg === 'http shutdown timed out; dropping open connections')).toMatchObject({ inFlight: 1 });
    await expect(pending).rejects.toThrow();
  });
});
