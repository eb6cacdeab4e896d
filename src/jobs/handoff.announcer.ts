/** The schedule of on-call handoff announcements (src/core/oncall/handoff.ts): every `intervalMs`, one run. */
import { handoffAnnouncements, type HandoffDeps } from '../core/oncall/handoff.js';
import { silentLogger } from '../core/ports/logger.port.js';
import { periodic, type Periodic } from './periodic.js';

export const DEFAULT_HANDOFF_INTERVAL_MS = 60_000;

export interface HandoffAnnouncerDeps extends HandoffDeps {
  intervalMs?: number;
}

export interface HandoffAnnouncer extends Periodic {
  /** Announces the handoffs due at `now` that nobody announced yet; returns how many this caller posted. */
  tick(now?: Date): Promise<number>;
}

export function handoffAnnouncer(deps: HandoffAnnouncerDeps): HandoffAnnouncer {
  const { run } = handoffAnnouncements(deps);
  return { tick: run, ...periodic('handoff announcement', deps.intervalMs ?? DEFAULT_HANDOFF_INTERVAL_MS, () => run(), deps.logger ?? silentLogger) };
}
