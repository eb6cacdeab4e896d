/** Redelivered platform events (Slack retries, Telegram re-sends) are recognised and dropped. */
import { z } from 'zod';
import type { Clock } from '../../core/ports/clock.port.js';
import { systemClock } from '../../core/ports/clock.port.js';
import type { ProcessedEvents } from '../../core/ports/processed-events.port.js';
import type { PrismaClient } from '../../generated/prisma/client.js';

const key = z.object({
  platform: z.string().min(1).max(32),
  eventId: z.string().min(1).max(200),
});

const ttl = z.number().int().positive();

export class PrismaProcessedEvents implements ProcessedEvents {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly clock: Clock = systemClock,
  ) {}

  /** One `INSERT … ON CONFLICT DO NOTHING`: the row count says whether this caller inserted it. */
  async firstSeen(platform: string, eventId: string): Promise<boolean> {
    const data = { ...key.parse({ platform, eventId }), seenAt: this.clock.now() };
    const { count } = await this.prisma.processedEvent.createMany({ data: [data], skipDuplicates: true });
    return count === 1;
  }

  async prune(ttlMs: number): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - ttl.parse(ttlMs));
    const { count } = await this.prisma.processedEvent.deleteMany({ where: { seenAt: { lt: cutoff } } });
    return count;
  }
}
