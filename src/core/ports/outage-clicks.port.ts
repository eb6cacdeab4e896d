/**
 * Clicks refused during an outage, remembered where every replica can see them, so the expiry sweep of any
 * replica gives the action back its time (see OutageClicks, which keeps a record in its own process when this
 * store cannot be reached either). Every method may reject; the caller falls back.
 */

/** One click refused during an outage. */
export interface RememberedClick {
  /** When the action was first clicked during the outage. */
  at: Date;
  /** What was away, as StoreUnavailableError names it (`database`, `job queue`). */
  store: string;
  /** The time the action had left when clicked, once read from its store. */
  leftMs?: number;
}

export interface SharedOutageClicks {
  /** Remembers the click for pending action `id` unless one is remembered already (the first click counts). */
  add(id: string, click: RememberedClick): Promise<void>;
  /** Replaces the record for `id` (to keep the time it had left). */
  put(id: string, click: RememberedClick): Promise<void>;
  /** Every remembered click by pending action id. */
  all(): Promise<Map<string, RememberedClick>>;
  forget(id: string): Promise<void>;
}
