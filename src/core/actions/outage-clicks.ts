/**
 * Clicks on a Confirm or Cancel button that could not reach the pending action because its store was away.
 * Such a click is refused with the outage sentence, and the action must stay pending: the outage must not
 * eat the time it had left. Each click is remembered and, once the store answers again, the action gets
 * back the time it had left when it was clicked, before anything may expire it (the expiry sweep and the
 * next click settle the remembered clicks first).
 *
 * With a shared record (SharedOutageClicks, in Redis) the click is remembered there, so the sweep of any
 * replica settles it; while that record cannot be written either, it is kept in this process and moved to
 * the shared record at the first settle that can reach it.
 *
 * A Confirm whose job could not be queued (the job queue was away, the database was not) is remembered the
 * same way, with the store that was away: while a probe for that store says it is still away, each settle
 * keeps the action's expiry at the time it had left from now (so the sweep cannot expire it on the outage's
 * account), and the click is forgotten once the probe answers again.
 */
import type { Logger } from '../ports/logger.port.js';
import type { RememberedClick, SharedOutageClicks } from '../ports/outage-clicks.port.js';
import type { PendingActionStore } from '../ports/pending-action.port.js';
import { isStoreUnavailable } from '../ports/store-errors.js';

/** More than this many distinct actions clicked during one outage are not remembered in the process (logged instead). */
const MAX_REMEMBERED = 10_000;

export interface OutageClicksOptions {
  /** Per store name (as StoreUnavailableError names it): whether it answers again. Without one, the store that keeps the actions. */
  probes?: Readonly<Record<string, () => Promise<boolean>>>;
  /** Where every replica sees the remembered clicks; without it they are kept in this process only. */
  shared?: SharedOutageClicks;
}

export class OutageClicks {
  /** Clicks kept in this process (no shared record, or it could not be reached): pending action id → click. */
  private readonly clicks = new Map<string, RememberedClick>();
  private readonly probes: Readonly<Record<string, () => Promise<boolean>>>;
  private readonly shared: SharedOutageClicks | undefined;
  private settling: Promise<number> | undefined;

  constructor(
    private readonly logger: Logger,
    options: OutageClicksOptions = {},
  ) {
    this.probes = options.probes ?? {};
    this.shared = options.shared;
  }

  /** Remembers that `id` was clicked at `at` while `store` (by default the database) could not be reached. Never rejects. */
  async note(id: string, at: Date, store = 'database'): Promise<void> {
    const click = { at: new Date(at), store };
    if (this.shared && !this.clicks.has(id)) {
      try {
        await this.shared.add(id, click);
        return;
      } catch (err) {
        this.logger.warn({ err: { message: err instanceof Error ? err.message : String(err) }, actionId: id }, 'cannot share a click refused during an outage; this process remembers it');
      }
    }
    this.remember(id, click);
  }

  /** Clicks kept in this process. */
  get size(): number {
    return this.clicks.size;
  }

  /**
   * Gives each remembered, still pending action back the time it had left when it was clicked (counted
   * from `now`). Returns how many were extended; a click stays remembered while its store is still away.
   * Concurrent callers share one run. With a shared record, every settle reads it (one read when it is empty),
   * so the sweep of any replica settles a click another replica remembered.
   */
  settle(store: PendingActionStore, now: Date): Promise<number> {
    if (this.clicks.size === 0 && !this.shared) return Promise.resolve(0);
    this.settling ??= this.settleAll(store, now).finally(() => {
      this.settling = undefined;
    });
    return this.settling;
  }

  private remember(id: string, click: RememberedClick): void {
    if (this.clicks.has(id)) return;
    if (this.clicks.size >= MAX_REMEMBERED) {
      this.logger.warn({ actionId: id }, 'too many clicks during an outage; this action may expire');
      return;
    }
    this.clicks.set(id, click);
  }

  /** The shared clicks, with this process's own moved there when it can be reached (undefined when it cannot). */
  private async sharedClicks(): Promise<Map<string, RememberedClick> | undefined> {
    if (!this.shared) return undefined;
    try {
      for (const [id, click] of [...this.clicks]) {
        await this.shared.add(id, click);
        this.clicks.delete(id);
      }
      return await this.shared.all();
    } catch {
      return undefined;
    }
  }

  private async settleAll(store: PendingActionStore, now: Date): Promise<number> {
    const shared = await this.sharedClicks();
    const all: [string, RememberedClick, boolean][] = [...(shared ?? new Map<string, RememberedClick>())].map(([id, c]) => [id, c, true]);
    for (const [id, c] of this.clicks) if (!shared?.has(id)) all.push([id, c, false]);
    let extended = 0;
    const back = new Map<string, Promise<boolean>>();
    for (const [id, click, isShared] of all) {
      try {
        const probe = this.probes[click.store];
        const answers = probe ? (back.get(click.store) ?? back.set(click.store, probe().catch(() => false)).get(click.store)!) : Promise.resolve(true);
        const action = await store.get(id);
        const left = click.leftMs ?? (action ? action.expiresAt.getTime() - click.at.getTime() : 0);
        if (action?.status === 'pending' && left > 0 && (await store.extendExpiry(id, new Date(now.getTime() + left)))) extended++;
        if (action?.status === 'pending' && left > 0 && !(await answers)) {
          if (click.leftMs === undefined) await this.keep(id, { ...click, leftMs: left }, isShared);
        } else await this.forget(id, isShared);
      } catch (err) {
        if (isStoreUnavailable(err)) break;
        await this.forget(id, isShared);
        this.logger.warn({ err, actionId: id }, 'cannot give a clicked action back its time');
      }
    }
    return extended;
  }

  private async keep(id: string, click: RememberedClick, isShared: boolean): Promise<void> {
    if (isShared) await this.shared!.put(id, click).catch(() => this.clicks.set(id, click));
    else this.clicks.set(id, click);
  }

  private async forget(id: string, isShared: boolean): Promise<void> {
    this.clicks.delete(id);
    if (isShared) await this.shared!.forget(id).catch((e: unknown) => this.logger.warn({ err: e, actionId: id }, 'cannot forget a settled outage click'));
  }
}
