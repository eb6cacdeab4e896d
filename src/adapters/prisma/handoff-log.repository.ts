/**
 * HandoffLog on PostgreSQL (table handoff_announcement): the primary key (rotation, handoff_at) makes the
 * claim of one handoff's announcement succeed for exactly one replica, also across restarts.
 */
import { z } from 'zod';
import type { HandoffLog } from '../../core/ports/oncall.port.js';
import type { PrismaDb } from './prisma-client.js';

const rotationKey = z.string().min(1).max(200);

export class PrismaHandoffLog implements HandoffLog {
  constructor(private readonly prisma: PrismaDb) {}

  async claim(rotation: string, handoffAt: Date, now: Date): Promise<boolean> {
    const { count } = await this.prisma.handoffAnnouncement.createMany({
      data: [{ rotation: rotationKey.parse(rotation), handoffAt, announcedAt: now }],
      skipDuplicates: true,
    });
    return count === 1;
  }
}
