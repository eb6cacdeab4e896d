/** Remembers the last `capacity` update ids; answers whether an id is seen for the first time. */
export function createUpdateDedup(capacity = 10_000): (updateId: number) => Promise<boolean> {
  const seen = new Set<number>();
  return async (updateId) => {
    if (seen.has(updateId)) return false;
    seen.add(updateId);
    if (seen.size > capacity) {
      const oldest = seen.values().next().value;
      if (oldest !== undefined) seen.delete(oldest);
    }
    return true;
  };
}
