import type { ProcessedEvents } from '../../src/core/ports/processed-events.port.js';

/** In-memory ProcessedEvents: one instance shared by several adapters stands for the shared table. */
export class MemoryProcessedEvents implements ProcessedEvents {
  readonly seen = new Map<string, Date>();
  constructor(private readonly now: () => Date = () => new Date()) {}

  async firstSeen(platform: string, eventId: string): Promise<boolean> {
    if (!platform || platform.length > 32 || !eventId || eventId.length > 200) throw new Error('invalid processed event key');
    const key = `${platform}\u0000${eventId}`;
    if (this.seen.has(key)) return false;
    this.seen.set(key, this.now());
    return true;
  }

  async forget(platform: string, eventId: string): Promise<void> {
    this.seen.delete(`${platform}\u0000${eventId}`);
  }

  async prune(ttlMs: number): Promise<number> {
    if (!Number.isInteger(ttlMs) || ttlMs <= 0) throw new Error('ttl must be a positive whole number of milliseconds');
    const cutoff = this.now().getTime() - ttlMs;
    let removed = 0;
    for (const [key, at] of this.seen) if (at.getTime() < cutoff && this.seen.delete(key)) removed++;
    return removed;
  }

  has(platform: string, eventId: string): boolean {
    return this.seen.has(`${platform}\u0000${eventId}`);
  }
}
