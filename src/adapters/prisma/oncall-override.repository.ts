/**
 * OncallOverrideStore on PostgreSQL (table oncall_override): who is primary on call for a project during
 * [startsAt, endsAt). Clearing marks rows cancelled (kept for the record) instead of deleting them.
 */
import { z } from 'zod';
import type { NewOncallOverride, OncallOverride, OncallOverrideStore } from '../../core/ports/oncall.port.js';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import { withFreshId } from './prisma-errors.js';
import { newShortId } from './short-id.js';

const name = z.string().min(1).max(100);

const newOverride = z
  .object({ project: name, personId: name, startsAt: z.date(), endsAt: z.date(), createdBy: name, createdAt: z.date() })
  .refine((o) => o.endsAt > o.startsAt, 'an override must end after it starts');

const toOverride = (row: Prisma.OncallOverrideModel): OncallOverride => ({
  id: row.id,
  project: row.project,
  personId: row.personId,
  startsAt: row.startsAt,
  endsAt: row.endsAt,
  createdBy: row.createdBy,
  createdAt: row.createdAt,
});

export class PrismaOncallOverrideStore implements OncallOverrideStore {
  constructor(private readonly prisma: PrismaClient) {}

  async create(override: NewOncallOverride): Promise<OncallOverride> {
    const data = newOverride.parse(override);
    const row = await withFreshId(newShortId, (id) => this.prisma.oncallOverride.create({ data: { id, ...data } }));
    return toOverride(row);
  }

  async activeAt(project: string, at: Date): Promise<OncallOverride | null> {
    const row = await this.prisma.oncallOverride.findFirst({
      where: { project: name.parse(project), cancelledAt: null, startsAt: { lte: at }, endsAt: { gt: at } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    });
    return row ? toOverride(row) : null;
  }

  async upcoming(projects: readonly string[], from: Date): Promise<OncallOverride[]> {
    const rows = await this.prisma.oncallOverride.findMany({
      where: { project: { in: z.array(name).parse(projects) }, cancelledAt: null, endsAt: { gt: from } },
      orderBy: [{ startsAt: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }],
      take: 200,
    });
    return rows.map(toOverride);
  }

  async cancel(project: string, at: Date): Promise<number> {
    const { count } = await this.prisma.oncallOverride.updateMany({
      where: { project: name.parse(project), cancelledAt: null, endsAt: { gt: at } },
      data: { cancelledAt: at },
    });
    return count;
  }
}
