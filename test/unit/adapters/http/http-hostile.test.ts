import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { sendJson } from '../../../../src/adapters/http/http-response.js';
import { createHttpServer, type HttpServer, type HttpServerOptions } from '../../../../src/adapters/http/http-server.js';
import { readWebhookBody } from '../../../../src/adapters/http/webhook-body.js';
import { createLogger } from '../../../../src/bot/logger.js';

/** Malformed requests, oversized bodies and dropped connections against the real node:http server. */

const servers: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

type LogRecord = Record<string, unknown>;

/** Captured log records, and a way to wait for the one that proves something happened. */
function logCapture() {
  const records: LogRecord[] = [];
  const waiters: { match: (r: LogRecord) => boolean; resolve: (r: LogRecord) => void }[] = [];
  const logger = createLogger(
    { level: 'debug' },
    {
      write: (line: string) => {
        const record = JSON.parse(line) as LogRecord;
        records.push(record);
        for (const w of waiters.splice(0)) (w.match(record) ? w.resolve(record) : waiters.push(w));
      },
    },
  );
  const waitFor = (match: (r: LogRecord) => boolean) =>
    new Promise<LogRecord>((resolve) => {
      const seen = records.find(match);
      if (seen) return resolve(seen);
      waiters.push({ match, resolve });
    });
  return { logger, records, waitFor };
}

/** A route that reads its body the way the webhooks do (bounded, 413 after draining). */
const echo = (maxBytes: number) => async (req: IncomingMessage, res: ServerResponse) => {
  const raw = await readWebhookBody(req, res, maxBytes);
  if (raw) sendJson(res, 200, { bytes: raw.length });
};

async function start(overrides: Partial<HttpServerOptions> = {}) {
  const log = logCapture();
  const server = createHttpServer({
    logger: log.logger,
    metricsRegistry: new Registry(),
    routes: [{ method: 'POST', path: '/hook', handler: echo(64 * 1024) }],
    ...overrides,
  });
  servers.push(server);
  const { port } = await server.listen(0, '127.0.0.1');
  return { server, port, base: `http://127.0.0.1:${port}`, ...log };
}

/**
 * POSTs `size` bytes on its own connection with node's client, declared with Content-Length or chunked.
 * Settles once the request is closed, failing on any error on the way, also one after the answer arrived:
 * a server that closes the socket while the body is still being written makes the client's write fail
 * with EPIPE or ECONNRESET, which most clients report instead of the answer.
 */
function postBytes(port: number, size: number, opts: { chunked?: boolean } = {}): Promise<{ status: number; body: string; connection?: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': 'application/json' };
    if (!opts.chunked) headers['content-length'] = size;
    let answer: { status: number; body: string; connection?: string } | undefined;
    let failure: Error | undefined;
    const req = request({ host: '127.0.0.1', port, path: '/hook', method: 'POST', agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (answer = { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), connection: res.headers.connection }));
      res.on('error', (err) => (failure ??= err));
    });
    req.on('error', (err) => (failure ??= err));
    req.on('close', () => (failure ? reject(failure) : answer ? resolve(answer) : reject(new Error('closed without an answer'))));
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < size && !req.destroyed) {
        const n = Math.min(chunk.length, size - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

/** Writes raw bytes on a fresh socket and collects everything until the server closes it. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work;
  return { value, ms: performance.now() - started };
}

const MB20 = 20 * 1024 * 1024;

describe('oversized bodies', () => {
  it('answers every one of 10 concurrent 20 MB declared bodies with the 413 JSON, then /healthz promptly', async () => {
    const { port, base, records } = await start();

    const results = await Promise.allSettled(Array.from({ length: 10 }, () => postBytes(port, MB20)));

    const failures = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as NodeJS.ErrnoException).code ?? r.reason)] : []));
    expect(failures).toEqual([]);
    for (const r of results) {
      const { status, body, connection } = (r as PromiseFulfilledResult<Awaited<ReturnType<typeof postBytes>>>).value;
      expect(status).toBe(413);
      expect(JSON.parse(body)).toEqual({ error: 'payload too large' });
      expect(connection).toBe('close');
    }
    const health = await timed(fetch(`${base}/healthz`));
    expect(health.value.status).toBe(200);
    expect(health.ms).toBeLessThan(1000);
    const refused = records.filter((r) => r.msg === 'http request body over the limit');
    expect(refused).toHaveLength(10);
    expect(refused[0]).toMatchObject({ level: 40, path: '/hook', declaredBytes: MB20, drain: 'drained' });
  });

  it('gives fetch clients sending 20 MB the 413 JSON too', async () => {
    const { base } = await start();
    const body = new Uint8Array(MB20);

    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => fetch(`${base}/hook`, { method: 'POST', body }).then(async (r) => [r.status, await r.json()])),
    );

    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : String((r.reason as { cause?: { code?: string } }).cause?.code ?? r.reason)))).toEqual(
      Array.from({ length: 10 }, () => [413, { error: 'payload too large' }]),
    );
  });

  it('answers every one of 10 concurrent 20 MB chunked bodies (no Content-Length) with the 413 JSON', async () => {
    const { port, base } = await start();

    const results = await Promise.allSettled(Array.from({ length: 10 }, () => postBytes(port, MB20, { chunked: true })));

    const failures = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as NodeJS.ErrnoException).code ?? r.reason)] : []));
    expect(failures).toEqual([]);
    for (const r of results) {
      const { status, body } = (r as PromiseFulfilledResult<Awaited<ReturnType<typeof postBytes>>>).value;
      expect([status, JSON.parse(body)]).toEqual([413, { error: 'payload too large' }]);
    }
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('refuses a declared body over the limit to built-in paths too, and still serves small bodies', async () => {
    const { port, base } = await start({ maxBodyBytes: 1024 });

    const small = await fetch(`${base}/hook`, { method: 'POST', body: '{"a":1}' });
    expect(await small.json()).toEqual({ bytes: 7 });
    const raw = await rawExchange(port, `POST /healthz HTTP/1.1\r\nhost: x\r\ncontent-length: 2048\r\n\r\n${'x'.repeat(2048)}`);
    expect(raw).toMatch(/^HTTP\/1\.1 413 /);
    expect(raw).toContain('{"error":"payload too large"}');
  });

  it('answers 413 and closes the connection once a body outruns the drain limit', async () => {
    const { port, waitFor } = await start({ drainTimeoutMs: 200 });

    // Declares 10 MB, sends a few bytes and then nothing: the drain gives up after 200 ms.
    const raw = await rawExchange(port, `POST /hook HTTP/1.1\r\nhost: x\r\ncontent-length: ${10 * 1024 * 1024}\r\n\r\n{"partial":`);

    expect(raw).toMatch(/^HTTP\/1\.1 413 /);
    expect(raw).toMatch(/connection: close/i);
    expect(await waitFor((r) => r.msg === 'http request body over the limit')).toMatchObject({ drain: 'cut' });
  });

  it('refuses an oversized body announced with Expect: 100-continue before it is sent', async () => {
    const { port } = await start();

    const raw = await rawExchange(port, `POST /hook HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\ncontent-length: ${MB20}\r\n\r\n`);

    expect(raw).not.toContain('100 Continue');
    expect(raw).toMatch(/^HTTP\/1\.1 413 /);
    expect(raw).toContain('{"error":"payload too large"}');
  });
});

describe('connections the server drops', () => {
  it('answers a garbage request line with 400 JSON, logs the parser code and serves the next request', async () => {
    const { port, base, waitFor } = await start();

    const raw = await rawExchange(port, '\x16\x03\x01 NOT HTTP AT ALL\r\n\r\n');

    expect(raw).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(raw.slice(raw.indexOf('\r\n\r\n') + 4)).toBe('{"error":"bad request"}');
    const logged = await waitFor((r) => r.msg === 'http client error; closing the connection');
    expect(logged).toMatchObject({ level: 40, answered: 400 });
    expect(String(logged.code)).toMatch(/^HPE_/);
    expect(JSON.stringify(logged)).not.toContain('NOT HTTP');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('answers oversized headers with 431', async () => {
    const { port, waitFor } = await start();

    const raw = await rawExchange(port, `GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);

    expect(raw).toMatch(/^HTTP\/1\.1 431 /);
    expect(await waitFor((r) => r.msg === 'http client error; closing the connection')).toMatchObject({ code: 'HPE_HEADER_OVERFLOW', answered: 431 });
  });

  it('logs a request whose client went away mid-body, with its path, and keeps serving', async () => {
    const { port, base, waitFor } = await start();

    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write('POST /hook HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n{"half":');
    // The handler is reading the body once the server has the headers; then the client leaves.
    await new Promise((r) => setImmediate(r));
    socket.destroy();

    const logged = await waitFor((r) => r.msg === 'http connection closed before the response was sent');
    expect(logged).toMatchObject({ level: 40, method: 'POST', path: '/hook', reason: 'client closed mid-request' });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('logs how many idle connections it closed at shutdown', async () => {
    const { server, port, records } = await start();
    const socket: Socket = connect(port, '127.0.0.1');
    const answered = new Promise<void>((r) => socket.once('data', () => r()));
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('error', () => undefined);
    socket.write('GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n'); // keep-alive: stays open, idle
    await answered;

    await server.close();
    await closed;

    expect(records.find((r) => r.msg === 'http server closing')).toMatchObject({ inFlight: 0, idleClosed: 1 });
  });

  it('logs the connections it drops at the shutdown timeout, and the request they cut short', async () => {
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    const { server, base, records, waitFor } = await start({
      shutdownTimeoutMs: 50,
      routes: [{ method: 'GET', path: '/stuck', handler: () => new Promise<void>(() => entered()) }],
    });
    const pending = fetch(`${base}/stuck`).catch((err: unknown) => err);
    await inHandler;

    await server.close();

    expect(await pending).toBeInstanceOf(Error);
    expect(records.find((r) => r.msg === 'http shutdown timed out; dropping open connections')).toMatchObject({ level: 40, dropped: 1, inFlight: 1 });
    expect(await waitFor((r) => r.msg === 'http connection closed before the response was sent')).toMatchObject({ path: '/stuck', reason: 'server shutdown' });
  });
});
