/**
 * The job each interval of the burn-rate schedule runs (a BullMQ job scheduler is the trigger, so once
 * across replicas): one evaluation of every SLO in the core (src/core/slo/burn-alerts.ts).
 */
import { evaluateBurnAlerts, type BurnAlertDeps, type BurnRun } from '../core/slo/burn-alerts.js';

export function createBurnAlertRun(deps: BurnAlertDeps): () => Promise<BurnRun> {
  return async () => {
    const run = await evaluateBurnAlerts(deps);
    if (run.opened || run.resolved || run.failed) deps.logger.info({ ...run }, 'SLO burn-rate alerts evaluated');
    return run;
  };
}
