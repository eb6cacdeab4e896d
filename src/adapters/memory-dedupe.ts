/** Answers whether an event id is new; false means a redelivery that must be dropped. May be async (a database). */
export type IsFirstSeen<K = string> = (eventId: K) => boolean | Promise<boolean>;

/**
 * Default in-process redelivery filter for the chat adapters and webhooks: an LRU of the last `capacity`
 * ids (a hit refreshes the id). With several replicas, pass a shared store instead (RedisProcessedEvents).
 */
export function createMemoryDedupe<K = string>(capacity = 10_000): ((eventId: K) => boolean) & { forget(eventId: K): void } {
  const seen = new Map<K, true>();
  const firstSeen = (eventId: K): boolean => {
    if (seen.has(eventId)) {
      seen.delete(eventId);
      seen.set(eventId, true);
      return false;
    }
    seen.set(eventId, true);
    if (seen.size > capacity) {
      const oldest = seen.keys().next().value;
      if (oldest !== undefined) seen.delete(oldest);
    }
    return true;
  };
  return Object.assign(firstSeen, { forget: (eventId: K) => void seen.delete(eventId) });
}
