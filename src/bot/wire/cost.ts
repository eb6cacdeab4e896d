/**
 * Cost: the store of measured use and the prices (for `cost`, `health` and the weekly cost reports), and in
 * server mode the sampler, a BullMQ job scheduler so one replica reads the hosts at each fire.
 */
import { startIntervalJob, type IntervalJob } from '../../adapters/bullmq/interval-job.js';
import { PrismaUsageStore } from '../../adapters/prisma/usage.repository.js';
import type { Notifier } from '../../core/ports/notifier.port.js';
import type { RuntimeRegistry } from '../../core/ports/runtime.port.js';
import type { CostServices } from '../../core/services.js';
import { createCostSamplerRun } from '../../jobs/cost-sampler.job.js';
import type { DeckhandConfig } from '../config.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module } from './module.js';

export const COST_QUEUE = 'deckhand-cost';
export const COST_SAMPLER_ID = 'cost-sampler';

export function wireCost(config: DeckhandConfig, infra: Infrastructure, runtimes: RuntimeRegistry, notifier: Notifier, options: { server: boolean }): Module & { services: CostServices } {
  const services: CostServices = { usage: new PrismaUsageStore(infra.prisma), settings: config.cost };
  const run = createCostSamplerRun({
    catalog: config.catalog,
    runtimes,
    usage: services.usage,
    sampleEveryMs: config.cost.sampleEveryMs,
    timeoutMs: Math.max(config.limits.hostTimeoutMs, 10_000),
    logger: infra.logger.child({ component: 'cost-sampler' }),
    cost: services,
    notifier,
    clock: infra.clock,
  });
  let job: IntervalJob | undefined;
  return {
    name: 'cost',
    services,
    async start() {
      if (!options.server) return;
      job = await startIntervalJob({ queue: COST_QUEUE, id: COST_SAMPLER_ID, everyMs: config.cost.sampleEveryMs, connection: infra.connection, prefix: infra.prefix, run, logger: infra.logger });
    },
    stop: async () => job?.close(),
  };
}
