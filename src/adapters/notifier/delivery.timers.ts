/** The clock and sleep the delivery queue runs on, injected so tests and benchmarks can run time faster. */
export interface DeliveryTimers {
  /**
   * Milliseconds since the epoch (the outbox's lease and retry times are compared across replicas), or a
   * scaled clock in tests that use an in-memory outbox.
   */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemTimers: DeliveryTimers = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/**
 * Real timers running `speed` times faster: `now()` advances `speed` ms per real millisecond and
 * `sleep(ms)` waits `ms / speed` real ms. Ordering between concurrent sleepers and real I/O is kept, which a
 * jump-ahead virtual clock would lose; used by tests to run a minute of platform limits in a second or two.
 */
export function scaledTimers(speed: number): DeliveryTimers {
  if (!(speed >= 1)) throw new RangeError('speed must be ≥ 1');
  const start = performance.now();
  return {
    now: () => (performance.now() - start) * speed,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms / speed))),
  };
}
