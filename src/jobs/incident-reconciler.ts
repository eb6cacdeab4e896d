/**
 * The schedule of the silenced-incident reconciliation (src/core/incidents/silenced-reconciliation.ts):
 * every `intervalMs`, one run.
 */
import { silencedReconciliation, type ReconcileResult, type SilencedReconciliationDeps } from '../core/incidents/silenced-reconciliation.js';
import { silentLogger } from '../core/ports/logger.port.js';
import { periodic, type Periodic } from './periodic.js';

export const DEFAULT_RECONCILE_INTERVAL_MS = 60_000;

export interface IncidentReconcilerDeps extends SilencedReconciliationDeps {
  intervalMs?: number;
}

export interface IncidentReconciler extends Periodic {
  /** One pass at `now`. */
  tick(now?: Date): Promise<ReconcileResult>;
}

export function incidentReconciler(deps: IncidentReconcilerDeps): IncidentReconciler {
  const { run } = silencedReconciliation(deps);
  return { tick: run, ...periodic('silenced incident reconciliation', deps.intervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS, () => run(), deps.logger ?? silentLogger) };
}
