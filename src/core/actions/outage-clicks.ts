/**
 * Clicks on a Confirm or Cancel button that could not reach the pending action because its store was away.
 * Such a click is refused with the outage sentence, and the action must stay pending: the outage must not
 * eat the time it had left. Each click is remembered here (in this process) and, once the store answers
 * again, the action gets back the time it had left when it was clicked, before anything may expire it
 * (the expiry sweep and the next click settle the remembered clicks first).
 */
import type { Logger } from '../ports/logger.port.js';
import type { PendingActionStore } from '../ports/pending-action.port.js';
import { isStoreUnavailable } from '../ports/store-errors.js';

/** More than this many distinct actions clicked during one outage are not remembered (logged instead). */
const MAX_REMEMBERED = 10_000;

export class OutageClicks {
  /** Pending action id → when it was first clicked during the outage. */
  private readonly clicks = new Map<string, Date>();
  private settling: Promise<number> | undefined;

  constructor(private readonly logger: Logger) {}

  /** Remembers that `id` was clicked at `at` while its store could not be reached. */
  note(id: string, at: Date): void {
    if (this.clicks.has(id)) return;
    if (this.clicks.size >= MAX_REMEMBERED) {
      this.logger.warn({ actionId: id }, 'too many clicks during a database outage; this action may expire');
      return;
    }
    this.clicks.set(id, new Date(at));
  }

  get size(): number {
    return this.clicks.size;
  }

  /**
   * Gives each remembered, still pending action back the time it had left when it was clicked (counted
   * from `now`). Returns how many were extended; a click stays remembered while the store is still away.
   * Concurrent callers share one run.
   */
  settle(store: PendingActionStore, now: Date): Promise<number> {
    if (this.clicks.size === 0) return Promise.resolve(0);
    this.settling ??= this.settleAll(store, now).finally(() => {
      this.settling = undefined;
    });
    return this.settling;
  }

  private async settleAll(store: PendingActionStore, now: Date): Promise<number> {
    let extended = 0;
    for (const [id, clickedAt] of [...this.clicks]) {
      try {
        const action = await store.get(id);
        const left = action ? action.expiresAt.getTime() - clickedAt.getTime() : 0;
        if (action?.status === 'pending' && left > 0 && (await store.extendExpiry(id, new Date(now.getTime() + left)))) extended++;
        this.clicks.delete(id);
      } catch (err) {
        if (isStoreUnavailable(err)) break;
        this.clicks.delete(id);
        this.logger.warn({ err, actionId: id }, 'cannot give a clicked action back its time');
      }
    }
    return extended;
  }
}
