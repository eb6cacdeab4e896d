import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { Logger } from '../../core/ports/logger.port.js';
import { sendJson } from './http-response.js';
import { createRouter, type Dispatch, type MountedRoute, type RouteHandler } from './http-router.js';
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
  /** Mounted routes refuse a declared Content-Length above this; default 1 MiB. */
  maxBodyBytes?: number;
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
});

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** Tracks in-flight responses, logs each at debug and turns handler failures into a bare 500. */
function requestListener(dispatch: Dispatch, logger: Logger, active: Set<ServerResponse>, isDraining: () => boolean) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const path = pathOf(req);
    active.add(res);
    if (isDraining()) res.setHeader('connection', 'close');
    res.once('close', () => {
      active.delete(res);
      const durationMs = Math.round((performance.now() - started) * 10) / 10;
      logger.debug({ method: req.method, path, status: res.statusCode, durationMs }, 'http request');
    });
    dispatch(req, res, path).catch((err: unknown) => {
      logger.error({ err, method: req.method, path }, 'http handler failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  };
}

export function createHttpServer(options: HttpServerOptions): HttpServer {
  const { logger, metricsRegistry } = options;
  const opts = optionsSchema.parse({ ...options, logger: undefined, metricsRegistry: undefined });
  let draining = false;
  const isDraining = () => draining;
  const active = new Set<ServerResponse>();
  const dispatch = createRouter({ ...opts, metricsRegistry, isDraining });
  const server = createServer(requestListener(dispatch, logger, active, isDraining));
  let closing: Promise<void> | undefined;

  const close = () =>
    new Promise<void>((resolve) => {
      draining = true;
      const timer = setTimeout(() => server.closeAllConnections(), opts.shutdownTimeoutMs);
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      server.closeIdleConnections();
      // Keep-alive sockets of requests still running close once their response is sent.
      for (const res of active) if (!res.headersSent) res.setHeader('connection', 'close');
      logger.info({ inFlight: active.size }, 'http server closing');
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
