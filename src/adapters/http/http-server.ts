import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { Logger } from '../../core/ports/logger.port.js';
import { sendJson } from './http-response.js';
import { createRouter, declaredLength, type Dispatch, type MountedRoute, type RouteHandler } from './http-router.js';
import { ClientAbortedError, DEFAULT_DRAIN_LIMITS } from './read-body.js';
import type { ReadinessCheck } from './readiness.js';

export type { MountedRoute, RouteHandler } from './http-router.js';
export type { ReadinessCheck } from './readiness.js';

export interface HttpServerOptions {
  logger: Logger;
  metricsRegistry: Registry;
  readiness?: ReadinessCheck[];
  routes?: MountedRoute[];
  /** Per readiness check; default 2000 ms. */
  checkTimeoutMs?: number;
  /** How long close() waits for in-flight requests before dropping connections; default 10000 ms. */
  shutdownTimeoutMs?: number;
  /** Every request with a declared Content-Length above this is answered 413; default 1 MiB. */
  maxBodyBytes?: number;
  /** A refused body is read and discarded up to this many bytes before the 413; default 64 MiB. */
  drainMaxBytes?: number;
  /** ...and for at most this long; default 5000 ms. Past either limit the connection is closed. */
  drainTimeoutMs?: number;
}

export interface HttpServer {
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Marks the process as draining: /healthz and /readyz answer 503 while requests still run. */
  drain(): void;
  /** Stops accepting, waits for in-flight requests (up to shutdownTimeoutMs), then closes every connection. */
  close(): Promise<void>;
}

const fn = <T>() => z.custom<T>((v) => typeof v === 'function', 'must be a function');

const optionsSchema = z.object({
  readiness: z.array(z.object({ name: z.string().min(1), check: fn<ReadinessCheck['check']>() })).default([]),
  routes: z
    .array(z.object({ method: z.string().regex(/^[A-Za-z]+$/), path: z.string().regex(/^\/\S*$/), handler: fn<RouteHandler>() }))
    .default([]),
  checkTimeoutMs: z.number().int().positive().default(2000),
  shutdownTimeoutMs: z.number().int().nonnegative().default(10_000),
  maxBodyBytes: z.number().int().positive().default(1024 * 1024),
  drainMaxBytes: z.number().int().nonnegative().default(DEFAULT_DRAIN_LIMITS.maxBytes),
  drainTimeoutMs: z.number().int().nonnegative().default(DEFAULT_DRAIN_LIMITS.maxMs),
});

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/**
 * Tracks in-flight responses, logs each at debug (and at warn when the connection closed before the
 * answer was sent) and turns handler failures into a bare 500.
 */
function requestListener(dispatch: Dispatch, logger: Logger, active: Set<ServerResponse>, isDraining: () => boolean, isClosing: () => boolean) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const path = pathOf(req);
    active.add(res);
    if (isDraining()) res.setHeader('connection', 'close');
    res.once('close', () => {
      active.delete(res);
      const durationMs = Math.round((performance.now() - started) * 10) / 10;
      if (res.writableFinished) return logger.debug({ method: req.method, path, status: res.statusCode, durationMs }, 'http request');
      const reason = isClosing() ? 'server shutdown' : req.complete ? 'client closed before the answer' : 'client closed mid-request';
      logger.warn({ method: req.method, path, durationMs, reason }, 'http connection closed before the response was sent');
    });
    dispatch(req, res, path).catch((err: unknown) => {
      if (err instanceof ClientAbortedError) return void res.destroy();
      logger.error({ err, method: req.method, path }, 'http handler failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  };
}

/** What a client error (unparsable request, header overflow, timeout) is answered with, when it can be. */
function clientErrorAnswer(code: string | undefined): { status: number; error: string } {
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, error: 'request header fields too large' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'ERR_HTTP_HEADERS_TIMEOUT') return { status: 408, error: 'request timeout' };
  return { status: 400, error: 'bad request' };
}

function rawJsonResponse(status: number, body: unknown): string {
  const payload = JSON.stringify(body);
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
    'content-type: application/json; charset=utf-8\r\n' +
    `content-length: ${Buffer.byteLength(payload)}\r\n` +
    'cache-control: no-store\r\nconnection: close\r\n\r\n' +
    payload
  );
}

export function createHttpServer(options: HttpServerOptions): HttpServer {
  const { logger, metricsRegistry } = options;
  const opts = optionsSchema.parse({ ...options, logger: undefined, metricsRegistry: undefined });
  const drain = { maxBytes: opts.drainMaxBytes, maxMs: opts.drainTimeoutMs };
  let draining = false;
  let closing: Promise<void> | undefined;
  const isDraining = () => draining;
  const active = new Set<ServerResponse>();
  const sockets = new Set<Duplex>();
  const dispatch = createRouter({ ...opts, drain, logger, metricsRegistry, isDraining });
  const onRequest = requestListener(dispatch, logger, active, isDraining, () => closing !== undefined);
  const server = createServer(onRequest);

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  // `Expect: 100-continue` with a body over the limit: refuse before the client sends it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (declaredLength(req) <= opts.maxBodyBytes) {
      res.writeContinue();
      return onRequest(req, res);
    }
    logger.warn({ method: req.method, path: pathOf(req), declaredBytes: declaredLength(req), limit: opts.maxBodyBytes }, 'http request body over the limit (refused before 100-continue)');
    sendJson(res, 413, { error: 'payload too large' }, { connection: 'close' });
  });

  // Replaces node's default: the same answers, plus a log line saying why the connection was dropped.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const code = err.code ?? 'UNKNOWN';
    // llhttp's reason ("Invalid method encountered"), never `rawPacket`: that is the client's bytes.
    const { reason } = err as { reason?: unknown };
    const answering = [...active].some((res) => res.socket === socket && res.headersSent);
    const answer = clientErrorAnswer(code);
    const canAnswer = socket.writable && !answering && code !== 'ECONNRESET' && code !== 'EPIPE';
    logger.warn(
      { code, reason: typeof reason === 'string' ? reason : undefined, remote: (socket as Socket).remoteAddress, answered: canAnswer ? answer.status : null },
      'http client error; closing the connection',
    );
    if (!canAnswer) return void socket.destroy();
    socket.end(rawJsonResponse(answer.status, { error: answer.error }));
    // A client that keeps the socket open after the answer does not hold the server.
    setTimeout(() => socket.destroy(), 1000).unref();
  });

  const close = () =>
    new Promise<void>((resolve) => {
      draining = true;
      const timer = setTimeout(() => {
        logger.warn({ dropped: sockets.size, inFlight: active.size }, 'http shutdown timed out; dropping open connections');
        server.closeAllConnections();
      }, opts.shutdownTimeoutMs);
      server.close(() => {
        clearTimeout(timer);
        logger.info({}, 'http server closed');
        resolve();
      });
      const busy = new Set([...active].map((res) => res.socket));
      const idle = [...sockets].filter((s) => !busy.has(s as Socket)).length;
      server.closeIdleConnections();
      // Keep-alive sockets of requests still running close once their response is sent.
      for (const res of active) if (!res.headersSent) res.setHeader('connection', 'close');
      logger.info({ inFlight: active.size, idleClosed: idle }, 'http server closing');
    });

  return {
    listen: (port, host = '0.0.0.0') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      }),
    drain: () => void (draining = true),
    close: () => (closing ??= close()),
  };
}
