import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '../../core/ports/logger.port.js';
import { sendJson } from './http-response.js';
import { drainBody, type DrainLimits } from './read-body.js';
import { runReadiness, type ReadinessCheck } from './readiness.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** A route mounted by another adapter (webhooks, Slack events). It reads its own body (see readBody). */
export interface MountedRoute {
  method: string;
  path: string;
  handler: RouteHandler;
}

export interface RouterOptions {
  routes: MountedRoute[];
  readiness: ReadinessCheck[];
  metricsRegistry: Registry;
  checkTimeoutMs: number;
  maxBodyBytes: number;
  /** How much of a refused body is read and discarded before answering 413. */
  drain: DrainLimits;
  isDraining: () => boolean;
  logger: Logger;
}

export const BUILT_IN_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export type Dispatch = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;

/** Declared Content-Length in bytes; 0 when absent (node:http rejects malformed values itself). */
export function declaredLength(req: IncomingMessage): number {
  const n = Number(req.headers['content-length'] ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/**
 * 413 for a body over the limit, after reading and discarding it (up to `drain`): a client still writing
 * when the socket closes sees EPIPE instead of the answer. The connection is closed after the answer.
 */
export async function refuseTooLarge(req: IncomingMessage, res: ServerResponse, path: string, opts: Pick<RouterOptions, 'maxBodyBytes' | 'drain' | 'logger'>): Promise<void> {
  const declared = declaredLength(req);
  // Past the drain limit there is no point reading: answer at once, the client may miss it.
  const outcome = declared > opts.drain.maxBytes ? 'cut' : await drainBody(req, opts.drain);
  opts.logger.warn({ method: req.method, path, declaredBytes: declared, limit: opts.maxBodyBytes, drain: outcome }, 'http request body over the limit');
  if (outcome === 'closed') return void res.destroy();
  sendJson(res, 413, { error: 'payload too large' }, { connection: 'close' });
}

function routeTable(routes: MountedRoute[]): Map<string, Map<string, RouteHandler>> {
  const table = new Map<string, Map<string, RouteHandler>>();
  for (const r of routes) {
    if (BUILT_IN_PATHS.has(r.path)) throw new Error(`route ${r.path} is built in`);
    const byMethod = table.get(r.path) ?? new Map<string, RouteHandler>();
    byMethod.set(r.method.toUpperCase(), r.handler);
    table.set(r.path, byMethod);
  }
  return table;
}

/** Health, readiness and metrics. */
function builtIn(opts: RouterOptions) {
  return async (path: string, res: ServerResponse): Promise<void> => {
    const draining = opts.isDraining();
    if (path === '/healthz') return sendJson(res, draining ? 503 : 200, { status: draining ? 'draining' : 'ok' });
    if (path === '/metrics') {
      const text = await opts.metricsRegistry.metrics();
      res.writeHead(200, { 'content-type': opts.metricsRegistry.contentType, 'cache-control': 'no-store' });
      return void res.end(text);
    }
    if (draining) return sendJson(res, 503, { status: 'draining', checks: [] });
    const report = await runReadiness(opts.readiness, opts.checkTimeoutMs);
    // Degraded is still ready (200): the bot serves, some dependency in a slower mode (the checks say which).
    const status = !report.ready ? 'not_ready' : report.degraded ? 'degraded' : 'ready';
    sendJson(res, report.ready ? 200 : 503, { status, checks: report.checks });
  };
}

export function createRouter(opts: RouterOptions): Dispatch {
  const table = routeTable(opts.routes);
  const serveBuiltIn = builtIn(opts);
  return async (req, res, path) => {
    const method = req.method ?? 'GET';
    if (declaredLength(req) > opts.maxBodyBytes) return refuseTooLarge(req, res, path, opts);
    if (BUILT_IN_PATHS.has(path)) {
      if (method !== 'GET' && method !== 'HEAD') return sendJson(res, 405, { error: 'method not allowed' }, { allow: 'GET' });
      return serveBuiltIn(path, res);
    }
    const byMethod = table.get(path);
    if (!byMethod) return sendJson(res, 404, { error: 'not found' });
    const handler = byMethod.get(method);
    if (!handler) return sendJson(res, 405, { error: 'method not allowed' }, { allow: [...byMethod.keys()].join(', ') });
    await handler(req, res);
  };
}
