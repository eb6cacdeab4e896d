/**
 * What each wired module gives the app: HTTP routes, readiness checks and its part of the lifecycle. The
 * app starts its stages in list order (a stage is one module, or modules that need nothing of each other
 * and start together) and stops the modules in reverse, in three passes: `drain` (say not ready, so the
 * load balancer sends elsewhere), then `stop` (take no new work, finish what runs) for every module, then
 * `close` (release connections) for every module.
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

/** One module, or modules that start together: none uses what another's start sets up. */
export type Stage = Module | readonly Module[];

const stageModules = (stages: readonly Stage[]): Module[] => stages.flatMap((s): readonly Module[] => ('name' in s ? [s] : s));

export function lifecycle(stages: readonly Stage[], logger: Logger): Lifecycle {
  const reversed = stageModules(stages).reverse();
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
      const startOne = async (m: Module) => {
        if (!m.start) return;
        const began = performance.now();
        await m.start();
        logger.debug({ module: m.name, ms: Math.round(performance.now() - began) }, 'module started');
      };
      for (const stage of stages) await Promise.all(stageModules([stage]).map(startOne));
    },
    async stop() {
      await pass('drain');
      await pass('stop');
      await pass('close');
    },
  };
}
