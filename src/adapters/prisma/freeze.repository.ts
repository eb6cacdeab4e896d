/** FreezeStore on PostgreSQL (table freeze_window): ad hoc windows [from, until), env null = every env. */
import { z } from 'zod';
import type { FreezeStore, FreezeWindow } from '../../core/ports/freeze.port.js';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import { withFreshId } from './prisma-errors.js';
import { newShortId, shortIdSchema } from './short-id.js';

const name = z.string().min(1).max(100);

const newWindow = z
  .object({
    project: name,
    env: name.nullable(),
    from: z.date(),
    until: z.date(),
    reason: z.string().max(500),
    createdBy: name,
  })
  .refine((w) => w.until > w.from, 'a freeze must end after it starts');

const toWindow = (row: Prisma.FreezeWindowModel): FreezeWindow => ({
  id: row.id,
  project: row.project,
  env: row.env,
  from: row.startsAt,
  until: row.endsAt,
  reason: row.reason,
  createdBy: row.createdBy,
});

const byStart: Prisma.FreezeWindowOrderByWithRelationInput[] = [{ startsAt: 'asc' }, { endsAt: 'asc' }, { id: 'asc' }];

export class PrismaFreezeStore implements FreezeStore {
  constructor(private readonly prisma: PrismaClient) {}

  async add(w: Omit<FreezeWindow, 'id'>): Promise<FreezeWindow> {
    const { from, until, ...rest } = newWindow.parse(w);
    const row = await withFreshId(newShortId, (id) =>
      this.prisma.freezeWindow.create({ data: { id, ...rest, startsAt: from, endsAt: until } }),
    );
    return toWindow(row);
  }

  /** Windows with from ≤ at < until for the project, on `env` or on every env; earliest start first. */
  async active(project: string, env: string, at: Date): Promise<FreezeWindow[]> {
    const rows = await this.prisma.freezeWindow.findMany({
      where: {
        project: name.parse(project),
        OR: [{ env: null }, { env: name.parse(env) }],
        startsAt: { lte: at },
        endsAt: { gt: at },
      },
      orderBy: byStart,
    });
    return rows.map(toWindow);
  }

  /** Windows not over at `now` (running or still to come), earliest start first. */
  async upcoming(now: Date): Promise<FreezeWindow[]> {
    const rows = await this.prisma.freezeWindow.findMany({ where: { endsAt: { gt: now } }, orderBy: byStart });
    return rows.map(toWindow);
  }

  async remove(id: string): Promise<boolean> {
    if (!shortIdSchema.safeParse(id).success) return false;
    const { count } = await this.prisma.freezeWindow.deleteMany({ where: { id } });
    return count === 1;
  }
}
