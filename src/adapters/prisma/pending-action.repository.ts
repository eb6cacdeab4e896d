/**
 * PendingActionStore on PostgreSQL (table pending_action). Every state change is ONE conditional
 * `UPDATE … WHERE id = $1 AND status = 'pending' … RETURNING *` (Prisma's updateManyAndReturn), so however
 * many clicks race, the database lets exactly one of them through.
 */
import type {
  MessageRef,
  NewPendingAction,
  PendingAction,
  PendingActionStore,
  ScheduledQuery,
} from '../../core/ports/pending-action.port.js';
import { systemClock, type Clock } from '../../core/ports/clock.port.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { PrismaDb } from './prisma-client.js';
import {
  finalStatusSchema,
  messageRefSchema,
  name,
  newPendingActionSchema,
  pendingActionRowSchema,
  resultText,
} from './pending-action.schema.js';
import { withFreshId } from './prisma-errors.js';
import { newShortId, shortIdSchema } from './short-id.js';

type Row = Prisma.PendingActionModel;

export class PendingActionNotFoundError extends Error {
  override readonly name = 'PendingActionNotFoundError';
  constructor(readonly id: string) {
    super(`No pending action with id ${id}.`);
  }
}

const toAction = (row: Row): PendingAction => pendingActionRowSchema.parse(row);

/** Ids arrive from chat buttons: anything that is not a well-formed id cannot name a row. */
const validId = (id: string): boolean => shortIdSchema.safeParse(id).success;

export class PrismaPendingActionStore implements PendingActionStore {
  /** `clock` only stamps finishedAt on finish (the other transitions take `now` from the caller). */
  constructor(
    private readonly prisma: PrismaDb,
    private readonly clock: Clock = systemClock,
  ) {}

  async create(action: NewPendingAction): Promise<PendingAction> {
    const a = newPendingActionSchema.parse(action);
    const row = await withFreshId(newShortId, (id) =>
      this.prisma.pendingAction.create({
        data: {
          id,
          kind: a.plan.kind,
          project: a.plan.project,
          env: a.plan.env,
          plan: a.plan as Prisma.InputJsonObject,
          requestedBy: a.requestedBy,
          platform: a.platform,
          chatId: a.chatId,
          needsApproval: a.needsApproval,
          status: 'pending',
          createdAt: a.createdAt,
          expiresAt: a.expiresAt,
          runAt: a.runAt ?? null,
        },
      }),
    );
    return toAction(row);
  }

  async get(id: string): Promise<PendingAction | null> {
    if (!validId(id)) return null;
    const row = await this.prisma.pendingAction.findUnique({ where: { id } });
    return row ? toAction(row) : null;
  }

  /** `pending` → `claimed` where not expired at `now`; null for everyone but the single winner. */
  async claim(id: string, personId: string, now: Date): Promise<PendingAction | null> {
    const by = name.parse(personId);
    return this.fromPending(id, now, { status: 'claimed', claimedBy: by, claimedAt: now });
  }

  /** One conditional UPDATE back to `pending`, only for the very claim (person and time) being undone. */
  async unclaim(id: string, personId: string, claimedAt: Date): Promise<boolean> {
    if (!validId(id)) return false;
    const { count } = await this.prisma.pendingAction.updateMany({
      where: { id, status: { in: ['claimed', 'scheduled'] }, claimedBy: name.parse(personId), claimedAt },
      data: { status: 'pending', claimedBy: null, claimedAt: null },
    });
    return count === 1;
  }

  /** `pending` → `cancelled` where not expired; the canceller is recorded in claimedBy/claimedAt. */
  async cancel(id: string, personId: string, now: Date): Promise<PendingAction | null> {
    const by = name.parse(personId);
    if (!validId(id)) return null;
    const rows = await this.prisma.pendingAction.updateManyAndReturn({
      where: { id, OR: [{ status: 'pending', expiresAt: { gt: now } }, { status: 'scheduled' }] },
      data: { status: 'cancelled', claimedBy: by, claimedAt: now, finishedAt: now },
    });
    return rows[0] ? toAction(rows[0]) : null;
  }

  /** `pending` → `scheduled` with its run time; the approver is recorded in claimedBy/claimedAt. */
  async schedule(id: string, personId: string, now: Date, runAt: Date): Promise<PendingAction | null> {
    const by = name.parse(personId);
    return this.fromPending(id, now, { status: 'scheduled', claimedBy: by, claimedAt: now, runAt });
  }

  /** `scheduled` (at exactly `runAt`) → `claimed`, keeping the approver; null for all but the one winner. */
  async claimScheduled(id: string, runAt: Date, now: Date): Promise<PendingAction | null> {
    if (!validId(id)) return null;
    const rows = await this.prisma.pendingAction.updateManyAndReturn({
      where: { id, status: 'scheduled', runAt },
      data: { status: 'claimed', claimedAt: now },
    });
    return rows[0] ? toAction(rows[0]) : null;
  }

  async scheduled(): Promise<PendingAction[]> {
    const rows = await this.prisma.pendingAction.findMany({ where: { status: 'scheduled' }, orderBy: [{ runAt: 'asc' }, { createdAt: 'asc' }] });
    return rows.map(toAction);
  }

  async scheduledBetween(q: ScheduledQuery): Promise<PendingAction[]> {
    const rows = await this.prisma.pendingAction.findMany({
      where: { runAt: { gte: q.from, lt: q.to }, ...(q.project ? { project: q.project } : {}) },
      orderBy: [{ runAt: 'asc' }, { createdAt: 'asc' }],
      take: 500,
    });
    return rows.map(toAction);
  }

  /**
   * Sets a final status from `pending` or `claimed`. A final status is never overwritten: a repeated
   * finish (a retried job) changes nothing. Throws PendingActionNotFoundError for an unknown id.
   */
  async refuse(id: string, result: string): Promise<boolean> {
    const { count } = await this.prisma.pendingAction.updateMany({
      where: { id, status: 'pending' },
      data: { status: 'refused', result: resultText.parse(result), finishedAt: this.clock.now() },
    });
    return count === 1;
  }

  async refuseScheduled(id: string, runAt: Date, result: string): Promise<boolean> {
    if (!validId(id)) return false;
    const { count } = await this.prisma.pendingAction.updateMany({
      where: { id, status: 'scheduled', runAt },
      data: { status: 'refused', result: resultText.parse(result), finishedAt: this.clock.now() },
    });
    return count === 1;
  }

  async finish(id: string, status: 'succeeded' | 'failed' | 'refused', result: string): Promise<void> {
    const data = { status: finalStatusSchema.parse(status), result: resultText.parse(result), finishedAt: this.clock.now() };
    const { count } = await this.prisma.pendingAction.updateMany({
      where: { id, status: { in: ['pending', 'scheduled', 'claimed'] } },
      data,
    });
    if (count === 0 && !(await this.exists(id))) throw new PendingActionNotFoundError(id);
  }

  async due(now: Date): Promise<PendingAction[]> {
    const rows = await this.prisma.pendingAction.findMany({ where: { status: 'pending', expiresAt: { lte: now } }, orderBy: [{ expiresAt: 'asc' }, { createdAt: 'asc' }], take: 500 });
    return rows.map(toAction);
  }

  /** One conditional UPDATE: only a pending action due at `now`. */
  async expire(id: string, now: Date): Promise<PendingAction | null> {
    if (!validId(id)) return null;
    const rows = await this.prisma.pendingAction.updateManyAndReturn({
      where: { id, status: 'pending', expiresAt: { lte: now } },
      data: { status: 'expired', finishedAt: now },
    });
    return rows[0] ? toAction(rows[0]) : null;
  }

  /** One conditional UPDATE: only a pending action whose expiry is before `until`. */
  async extendExpiry(id: string, until: Date): Promise<boolean> {
    if (!validId(id)) return false;
    const { count } = await this.prisma.pendingAction.updateMany({
      where: { id, status: 'pending', expiresAt: { lt: until } },
      data: { expiresAt: until },
    });
    return count === 1;
  }

  async attachMessage(id: string, message: MessageRef): Promise<void> {
    const ref = messageRefSchema.parse(message);
    const { count } = await this.prisma.pendingAction.updateMany({
      where: { id },
      data: { message: ref as Prisma.InputJsonObject },
    });
    if (count === 0) throw new PendingActionNotFoundError(id);
  }

  /** Claimed but never finished (the bot stopped while running them), oldest claim first. */
  async unfinished(): Promise<PendingAction[]> {
    const rows = await this.prisma.pendingAction.findMany({
      where: { status: 'claimed' },
      orderBy: [{ claimedAt: 'asc' }, { createdAt: 'asc' }],
    });
    return rows.map(toAction);
  }

  private async fromPending(id: string, now: Date, data: Prisma.PendingActionUpdateManyMutationInput): Promise<PendingAction | null> {
    if (!validId(id)) return null;
    const rows = await this.prisma.pendingAction.updateManyAndReturn({
      where: { id, status: 'pending', expiresAt: { gt: now } },
      data,
    });
    return rows[0] ? toAction(rows[0]) : null;
  }

  private async exists(id: string): Promise<boolean> {
    return (await this.prisma.pendingAction.count({ where: { id } })) > 0;
  }
}
