/** The schedule of incident escalation (src/core/incidents/escalation.ts): every `intervalMs`, one sweep. */
import { escalation, type EscalationDeps } from '../core/incidents/escalation.js';
import { silentLogger } from '../core/ports/logger.port.js';
import { periodic, type Periodic } from './periodic.js';

export const DEFAULT_ESCALATION_INTERVAL_MS = 30_000;

export interface EscalationSweeperDeps extends EscalationDeps {
  intervalMs?: number;
}

export interface EscalationSweeper extends Periodic {
  /** One sweep at `now`; returns how many pages this caller posted. */
  tick(now?: Date): Promise<number>;
}

export function escalationSweeper(deps: EscalationSweeperDeps): EscalationSweeper {
  const { run } = escalation(deps);
  return { tick: run, ...periodic('escalation sweep', deps.intervalMs ?? DEFAULT_ESCALATION_INTERVAL_MS, () => run(), deps.logger ?? silentLogger) };
}
