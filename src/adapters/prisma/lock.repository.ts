/**
 * LockStore on PostgreSQL (table env_lock, one row per project+env). `acquire` is a single
 * `INSERT … ON CONFLICT (project, env) DO UPDATE … WHERE <free or same holder> RETURNING`, so concurrent
 * callers get exactly one winner; a deploy lock whose lease has passed counts as free.
 */
import { z } from 'zod';
import type { AcquireResult, Lock, LockHolder, LockStore } from '../../core/ports/lock.port.js';
import { systemClock, type Clock } from '../../core/ports/clock.port.js';
import type { PrismaClient } from '../../generated/prisma/client.js';

const name = z.string().min(1).max(100);

/**
 * The `holder` column keeps its text form, so rows written before keep reading right: a person id as it
 * is (person ids never hold a colon), an action as `action:<id>`. Only this file knows that form.
 */
const ACTION_PREFIX = 'action:';
const holderColumn = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('person'), id: z.string().min(1).refine((id) => !id.startsWith(ACTION_PREFIX), 'a person id cannot look like an action') }),
    z.object({ kind: z.literal('action'), id: z.string().min(1) })])
  .transform((h) => (h.kind === 'action' ? `${ACTION_PREFIX}${h.id}` : h.id))
  .pipe(z.string().min(1).max(120));
const holderOfColumn = (text: string): LockHolder =>
  text.startsWith(ACTION_PREFIX) ? { kind: 'action', id: text.slice(ACTION_PREFIX.length) } : { kind: 'person', id: text };

const lockInput = z
  .object({
    project: name,
    env: name,
    kind: z.enum(['manual', 'deploy']),
    holder: holderColumn,
    reason: z.string().max(500),
    leaseUntil: z.date().nullable(),
  })
  .refine((l) => (l.kind === 'manual') === (l.leaseUntil === null), 'a manual lock has no lease; a deploy lock needs one');

interface LockRow {
  project: string;
  env: string;
  kind: string;
  holder: string;
  reason: string;
  since: Date;
  lease_until: Date | null;
}

const lockRow = z
  .object({
    project: z.string(),
    env: z.string(),
    kind: z.enum(['manual', 'deploy']),
    holder: z.string(),
    reason: z.string(),
    since: z.coerce.date(),
    lease_until: z.coerce.date().nullable(),
  })
  .transform(({ lease_until, holder, ...rest }): Lock => ({ ...rest, holder: holderOfColumn(holder), leaseUntil: lease_until }));

const live = (lock: Lock, now: Date): boolean => lock.leaseUntil === null || lock.leaseUntil > now;

/** Attempts before giving up when the holder we lost to releases between our two statements. */
const ACQUIRE_TRIES = 3;

export class PrismaLockStore implements LockStore {
  /** `clock` decides lease expiry in `renew` (the port gives it no `now`). */
  constructor(
    private readonly prisma: PrismaClient,
    private readonly clock: Clock = systemClock,
  ) {}

  async acquire(lock: Omit<Lock, 'since'>, now: Date): Promise<AcquireResult> {
    const l = lockInput.parse(lock);
    for (let i = 0; i < ACQUIRE_TRIES; i++) {
      const won = await this.upsert(l, now);
      if (won) return { ok: true, lock: won };
      const current = await this.get(l.project, l.env, now);
      if (current) return { ok: false, heldBy: current };
    }
    throw new Error(`Could not acquire the lock on ${l.project}/${l.env}: it keeps changing hands.`);
  }

  /** Extends a deploy lock's lease while its current lease is live (per the clock) and held by `holder`. */
  async renew(project: string, env: string, who: LockHolder, leaseUntil: Date): Promise<boolean> {
    const now = this.clock.now();
    const count = await this.prisma.$executeRaw`
      UPDATE "env_lock" SET "lease_until" = ${z.date().parse(leaseUntil)}
      WHERE "project" = ${name.parse(project)} AND "env" = ${name.parse(env)} AND "holder" = ${holderColumn.parse(who)}
        AND "kind" = 'deploy' AND "lease_until" > ${now}`;
    return count === 1;
  }

  /** Deletes the row when held by `who` (anyone's when null), live or not; returns what was released. */
  async release(project: string, env: string, who: LockHolder | null): Promise<Lock | null> {
    const h = who === null ? null : holderColumn.parse(who);
    const rows = await this.prisma.$queryRaw<LockRow[]>`
      DELETE FROM "env_lock"
      WHERE "project" = ${name.parse(project)} AND "env" = ${name.parse(env)} AND (${h}::text IS NULL OR "holder" = ${h})
      RETURNING *`;
    return rows[0] ? lockRow.parse(rows[0]) : null;
  }

  async get(project: string, env: string, now: Date): Promise<Lock | null> {
    const row = await this.prisma.envLock.findUnique({ where: { project_env: { project, env } } });
    if (!row) return null;
    const lock = lockRow.parse({ ...row, lease_until: row.leaseUntil });
    return live(lock, now) ? lock : null;
  }

  /** Live locks, by project then env. */
  async list(now: Date): Promise<Lock[]> {
    const rows = await this.prisma.envLock.findMany({
      where: { OR: [{ leaseUntil: null }, { leaseUntil: { gt: now } }] },
      orderBy: [{ project: 'asc' }, { env: 'asc' }],
    });
    return rows.map((row) => lockRow.parse({ ...row, lease_until: row.leaseUntil }));
  }

  /** The row when we took it (free, expired lease, or already ours); null when someone else holds it. */
  private async upsert(l: z.output<typeof lockInput>, now: Date): Promise<Lock | null> {
    const rows = await this.prisma.$queryRaw<LockRow[]>`
      INSERT INTO "env_lock" AS cur ("project", "env", "kind", "holder", "reason", "since", "lease_until")
      VALUES (${l.project}, ${l.env}, ${l.kind}, ${l.holder}, ${l.reason}, ${now}, ${l.leaseUntil})
      ON CONFLICT ("project", "env") DO UPDATE SET
        "kind" = EXCLUDED."kind",
        "holder" = EXCLUDED."holder",
        "reason" = EXCLUDED."reason",
        "lease_until" = EXCLUDED."lease_until",
        "since" = CASE WHEN cur."holder" = EXCLUDED."holder" AND (cur."lease_until" IS NULL OR cur."lease_until" > ${now})
                       THEN cur."since" ELSE EXCLUDED."since" END
      WHERE cur."holder" = EXCLUDED."holder" OR (cur."lease_until" IS NOT NULL AND cur."lease_until" <= ${now})
      RETURNING *`;
    return rows[0] ? lockRow.parse(rows[0]) : null;
  }
}
