/**
 * What each wired module gives the app: HTTP routes, readiness checks and its part of the lifecycle. The
 * app starts modules in list order and stops them in reverse, in three passes: `drain` (say not ready, so
 * the load balancer sends elsewhere), then `stop` (take no new work, finish what runs) for every module,
 * then `close` (release connections) for every module.
 */
import type { MountedRoute, ReadinessCheck } from '../../adapters/http/http-server.js';
import type { Logger } from '../../core/ports/logger.port.js';

export interface Module {
  readonly name: string;
  readonly routes?: readonly MountedRoute[];
  readonly readiness?: readonly ReadinessCheck[];
  start?(): Promise<void>;
  drain?(): Promise<void>;
  stop?(): Promise<void>;
  close?(): Promise<void>;
}

export interface Lifecycle {
  start(): Promise<void>;
  /** Graceful shutdown; a module failing to stop is logged and does not keep the others running. */
  stop(): Promise<void>;
}

export function lifecycle(modules: readonly Module[], logger: Logger): Lifecycle {
  const reversed = [...modules].reverse();
  const pass = async (phase: 'drain' | 'stop' | 'close') => {
    for (const m of reversed) {
      try {
        await m[phase]?.();
      } catch (err) {
        logger.warn({ err, module: m.name }, `module ${m.name} failed to ${phase}`);
      }
    }
  };
  return {
    async start() {
      for (const m of modules) await m.start?.();
    },
    async stop() {
      await pass('drain');
      await pass('stop');
      await pass('close');
    },
  };
}
