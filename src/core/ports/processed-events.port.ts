/**
 * Dedupe keys of redelivered events (Slack retries, Telegram re-sends, GitHub deliveries), shared by every
 * replica so an event is handled once.
 */
export interface ProcessedEvents {
  /** True exactly once per (platform, eventId), however many callers race. */
  firstSeen(platform: string, eventId: string): Promise<boolean>;
  /**
   * Forgets one event, so its next delivery is handled: for a handler that claimed the event and then failed
   * before it could finish (the sender redelivers what was not answered 2xx).
   */
  forget(platform: string, eventId: string): Promise<void>;
  /** Forgets events seen before `now - ttlMs`; returns how many were removed. */
  prune(ttlMs: number): Promise<number>;
}
