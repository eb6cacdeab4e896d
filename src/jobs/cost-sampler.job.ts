/**
 * What each fire of the cost sampler does (the trigger is a BullMQ job scheduler, once across replicas):
 * read every unit's use, compact the complete hours, and once an hour has been compacted check every
 * project's week-over-week growth.
 */
import { pushCostAnomalies, type AnomalyDeps } from '../core/cost/cost-anomaly.js';
import { compactUsage, sampleUsage, type SamplerDeps } from '../core/cost/usage-sampler.js';
import type { Clock } from '../core/ports/clock.port.js';

export type CostSamplerDeps = SamplerDeps & AnomalyDeps & { clock: Clock };

export function createCostSamplerRun(deps: CostSamplerDeps): (firedAt: Date) => Promise<void> {
  return async (firedAt) => {
    const run = await sampleUsage(deps, firedAt);
    const now = deps.clock.now();
    const compacted = await compactUsage(deps.usage, now);
    const warned = compacted > 0 ? await pushCostAnomalies(deps, now) : [];
    deps.logger.info({ sampled: run.sampled, unsupported: run.skipped, failed: run.failed, compacted, warned }, 'cost sample');
  };
}
