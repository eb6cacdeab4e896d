/** The HTTP server: health, readiness and metrics, plus the routes every other module mounts. */
import { createHttpServer, type HttpServer } from '../../adapters/http/http-server.js';
import type { Env } from '../env.js';
import type { Logger } from '../logger.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module } from './module.js';

export function wireHttp(env: Env, logger: Logger, infra: Infrastructure, modules: readonly Module[]): Module & { server: HttpServer } {
  const server = createHttpServer({
    logger,
    metricsRegistry: infra.metricsRegistry,
    readiness: modules.flatMap((m) => m.readiness ?? []),
    routes: modules.flatMap((m) => m.routes ?? []),
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
  });
  return {
    name: 'http',
    server,
    async start() {
      const address = await server.listen(env.HTTP_PORT, env.HTTP_HOST);
      logger.info({ port: address.port }, 'http server listening');
    },
    // Readiness turns 503 at once, so the load balancer stops sending while in-flight requests finish.
    drain: async () => server.drain(),
    close: () => server.close(),
  };
}
