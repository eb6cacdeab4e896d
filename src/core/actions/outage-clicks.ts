/**
 * Clicks on a Confirm or Cancel button that could not reach the pending action because its store was away.
 * Such a click is refused with the outage sentence, and the action must stay pending: the outage must not
 * eat the time it had left. Each click is remembered here (in this process) and, once the store answers
 * again, the action gets back the time it had left when it was clicked, before anything may expire it
 * (the expiry sweep and the next click settle the remembered clicks first).
 *
 * A Confirm whose job could not be queued (the job queue was away, the database was not) is remembered the
 * same way, with the store that was away: while a probe for that store says it is still away, each settle
 * keeps the action's expiry at the time it had left from now (so the sweep cannot expire it on the outage's
 * account), and the click is forgotten once the probe answers again.
 */
import type { Logger } from '../ports/logger.port.js';
import type { PendingActionStore } from '../ports/pending-action.port.js';
import { isStoreUnavailable } from '../ports/store-errors.js';

/** More than this many distinct actions clicked during one outage are not remembered (logged instead). */
const MAX_REMEMBERED = 10_000;

export class OutageClicks {
  /** Pending action id → when it was first clicked during the outage, what was away, and the time it had left. */
  private readonly clicks = new Map<string, { at: Date; store: string; leftMs?: number }>();
  private settling: Promise<number> | undefined;

  constructor(
    private readonly logger: Logger,
    /** Per store name (as StoreUnavailableError names it): whether it answers again. Without one, the store that keeps the actions. */
    private readonly probes: Readonly<Record<string, () => Promise<boolean>>> = {},
  ) {}

  /** Remembers that `id` was clicked at `at` while `store` (by default the database) could not be reached. */
  note(id: string, at: Date, store = 'database'): void {
    if (this.clicks.has(id)) return;
    if (this.clicks.size >= MAX_REMEMBERED) {
      this.logger.warn({ actionId: id }, 'too many clicks during a database outage; this action may expire');
      return;
    }
    this.clicks.set(id, { at: new Date(at), store });
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
    const back = new Map<string, Promise<boolean>>();
    for (const [id, click] of [...this.clicks]) {
      try {
        const probe = this.probes[click.store];
        const answers = probe ? back.get(click.store) ?? back.set(click.store, probe().catch(() => false)).get(click.store)! : Promise.resolve(true);
        const action = await store.get(id);
        const left = click.leftMs ?? (action ? action.expiresAt.getTime() - click.at.getTime() : 0);
        if (action?.status === 'pending' && left > 0 && (await store.extendExpiry(id, new Date(now.getTime() + left)))) extended++;
        if (action?.status === 'pending' && left > 0 && !(await answers)) click.leftMs = left;
        else this.clicks.delete(id);
      } catch (err) {
        if (isStoreUnavailable(err)) break;
        this.clicks.delete(id);
        this.logger.warn({ err, actionId: id }, 'cannot give a clicked action back its time');
      }
    }
    return extended;
  }
}
