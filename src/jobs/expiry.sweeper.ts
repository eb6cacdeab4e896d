/** The schedule of pending-action expiry (src/core/actions/expire-due.ts): every `intervalMs`, one sweep. */
import { expireDue, type ExpireDueDeps } from '../core/actions/expire-due.js';
import { silentLogger } from '../core/ports/logger.port.js';
import { periodic } from './periodic.js';

export interface ExpirySweeperDeps extends ExpireDueDeps {
  intervalMs: number;
}

export interface ExpirySweeper {
  /** One sweep now (joins the one in progress, if any); returns how many actions expired. */
  sweep(): Promise<number>;
  /** Stops the timer; resolves once a timed sweep in progress has finished. */
  stop(): Promise<void>;
}

/** Starts at once: every `intervalMs`, the pending actions due are expired. */
export function startExpirySweeper(deps: ExpirySweeperDeps): ExpirySweeper {
  let running: Promise<number> | undefined;
  const sweep = (): Promise<number> => {
    running ??= expireDue(deps).finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = periodic('expiry sweep', deps.intervalMs, sweep, deps.logger ?? silentLogger);
  timer.start();
  return { sweep, stop: () => timer.stop() };
}
