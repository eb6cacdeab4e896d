/** Redelivered platform events (Slack retries, Telegram re-sends) are recognised and dropped. */
import { z } from 'zod';
import type { Clock } from '../../core/ports/clock.port.js';
import { systemClock } from '../../core/ports/clock.port.js';
import type { ProcessedEvents } from '../../core/ports/processed-events.port.js';
import { isStoreUnavailable } from '../../core/ports/store-errors.js';
import type { PrismaClient } from '../../generated/prisma/client.js';

const key = z.object({
  platform: z.string().min(1).max(32),
  eventId: z.string().min(1).max(200),
});

const ttl = z.number().int().positive();

/** At most this many events seen during one outage are remembered in the process (the oldest are forgotten). */
const AWAY_MAX = 10_000;

export class PrismaProcessedEvents implements ProcessedEvents {
  /** Events first seen while PostgreSQL could not be reached (`platform:eventId`, oldest first). */
  private readonly seenWhileAway = new Set<string>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * One `INSERT … ON CONFLICT DO NOTHING`: the row count says whether this caller inserted it. While the
   * database cannot be reached the event is checked against this process's memory instead, so it is still
   * handled (and answered, audited or refused with the outage sentence by the pipeline) rather than dropped;
   * a redelivery to another replica during the outage may then be handled twice.
   */
  async firstSeen(platform: string, eventId: string): Promise<boolean> {
    const data = { ...key.parse({ platform, eventId }), seenAt: this.clock.now() };
    const local = `${data.platform}:${data.eventId}`;
    let count: number;
    try {
      ({ count } = await this.prisma.processedEvent.createMany({ data: [data], skipDuplicates: true }));
    } catch (error) {
      if (!isStoreUnavailable(error)) throw error;
      return this.firstSeenWhileAway(local);
    }
    // A redelivery of an event handled during the outage: its row is written now, so later ones meet it.
    if (count === 1 && this.seenWhileAway.delete(local)) return false;
    return count === 1;
  }

  private firstSeenWhileAway(local: string): boolean {
    if (this.seenWhileAway.has(local)) return false;
    this.seenWhileAway.add(local);
    if (this.seenWhileAway.size > AWAY_MAX) this.seenWhileAway.delete(this.seenWhileAway.values().next().value!);
    return true;
  }

  async forget(platform: string, eventId: string): Promise<void> {
    const k = key.parse({ platform, eventId });
    this.seenWhileAway.delete(`${k.platform}:${k.eventId}`);
    await this.prisma.processedEvent.deleteMany({ where: k });
  }

  async prune(ttlMs: number): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - ttl.parse(ttlMs));
    const { count } = await this.prisma.processedEvent.deleteMany({ where: { seenAt: { lt: cutoff } } });
    return count;
  }
}
