/** Answers whether an event id is new; false means a redelivery that must be dropped. May be async (Redis). */
export type IsFirstSeen = (eventId: string) => boolean | Promise<boolean>;

/** Default in-memory LRU of recently seen event ids (per process). */
export function createMemoryDedupe(capacity = 10_000): IsFirstSeen {
  const seen = new Map<string, true>();
  return (eventId) => {
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
}
