/**
 * OutboxStore on PostgreSQL (tables outbox_message and outbox_lane; see notifier/outbox.port.ts). Replicas
 * share it: a chat's lane is taken by one conditional upsert (a lapsed lease may be taken over), so exactly
 * one holder delivers a chat at a time and keeps its order; keys are unique, so a push put twice (a retried
 * job, a second replica) is queued once; a waiting edit or publish is coalesced by one UPDATE of its row.
 * Built on a transaction (PrismaUnitOfWork), a put is part of it: its row exists only if the transaction commits.
 *
 * A chat's rows are numbered in the order they commit, so a lane holder that reads row n has every earlier
 * row of the chat already (numbered at insert, a transaction holding row n open while a later one commits
 * row n+1 would let n+1 go first). Every numbering of a chat's row happens under the chat's transaction-scoped
 * advisory lock: a plain put takes it inside its own INSERT (the statement is its transaction), and a unit's
 * transaction numbers its rows afresh just before it commits (`numberForCommit`), taking the locks of its
 * chats in one global order, so units never deadlock with each other and never hold one while their work
 * runs. A plain put whose insert waits on a unit's uncommitted row of the same key or message while holding
 * the lock the unit then asks for is failed by PostgreSQL's deadlock check (the put waited first) and tried
 * again after the unit's commit.
 */
import { z } from 'zod';
import { Prisma } from '../../generated/prisma/client.js';
import type { PrismaDb } from './prisma-client.js';
import type { NewOutboxEntry, OutboxEnd, OutboxEntry, OutboxStore, PutOutcome } from '../notifier/outbox.port.js';
import { isUniqueViolation } from './prisma-errors.js';

const entrySchema = z.object({
  key: z.string().min(1).max(300),
  platform: z.string().min(1).max(32),
  chatId: z.string().min(1).max(64),
  kind: z.enum(['send', 'edit', 'publish']),
  target: z.string().min(1).max(200).optional(),
  payload: z.object({
    reply: z.object({ text: z.string(), blocks: z.array(z.unknown()) }).passthrough(),
    address: z.record(z.string().min(1).max(64), z.union([z.string().max(2_000), z.boolean()])).optional(),
    attach: z.array(z.string()).optional(),
    standalone: z.boolean().optional(),
  }),
  at: z.number().int().nonnegative(),
  expiresAt: z.number().int().nonnegative(),
});

interface Row {
  seq: bigint;
  key: string;
  platform: string;
  chat_id: string;
  kind: string;
  target: string | null;
  payload: unknown;
  attempts: number;
  not_before: bigint;
  put_at: bigint;
  expires_at: bigint;
  parts: string[];
}

/** How many times a put races a concurrent coalesce or insert of the same message before giving up. */
const PUT_TRIES = 4;

/** The advisory lock key of a chat's numbering (a hash: two chats sharing one only wait for each other). */
const chatLock = (platform: string, chatId: string) => Prisma.sql`hashtextextended(${chatId}::text, hashtext(${platform}::text))`;

export interface PrismaOutboxOptions {
  /**
   * The outbox of one unit's transaction: rows are inserted without the chat lock and numbered when the unit
   * calls `numberForCommit` last; without that call they would keep their insert-time numbers.
   */
  unit?: boolean;
}

export class PrismaOutbox implements OutboxStore {
  /** Rows this unit inserted (unit outboxes only), numbered again before the commit. */
  private readonly inserted: bigint[] = [];

  constructor(
    private readonly prisma: PrismaDb,
    private readonly options: PrismaOutboxOptions = {},
  ) {}

  /**
   * A unit's last statements before its commit: takes the locks of the chats it inserted rows for (in the
   * order of their keys) and gives those rows new numbers, in their insert order. Each lock is held until the
   * commit, so no row of those chats is numbered by anyone else in between: the numbers follow commit order.
   */
  async numberForCommit(): Promise<void> {
    if (!this.options.unit) throw new Error('numberForCommit is for the outbox of a unit of work');
    const mine = this.inserted.splice(0);
    if (mine.length === 0) return;
    const locks = await this.prisma.$queryRaw<{ k: bigint }[]>`
      SELECT DISTINCT hashtextextended("chat_id", hashtext("platform")) AS k FROM "outbox_message" WHERE "seq" = ANY(${mine}::bigint[])`;
    for (const k of locks.map((l) => l.k).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
      await this.prisma.$executeRaw`SELECT pg_advisory_xact_lock(${k}::bigint)`;
    }
    const fresh = await this.prisma.$queryRaw<{ seq: bigint }[]>`
      SELECT nextval(pg_get_serial_sequence('"outbox_message"', 'seq')) AS seq FROM generate_series(1, ${mine.length}::int)`;
    const older = [...mine].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const newer = fresh.map((r) => r.seq).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    await this.prisma.$executeRaw`
      UPDATE "outbox_message" AS m SET "seq" = r."new"
      FROM unnest(${older}::bigint[], ${newer}::bigint[]) AS r("old", "new") WHERE m."seq" = r."old"`;
  }

  async put(entry: NewOutboxEntry): Promise<PutOutcome> {
    const e = entrySchema.parse(entry);
    // PostgreSQL's jsonb refuses NUL (container output, alert annotations may carry one): drop it.
    const payload = JSON.stringify(e.payload, (_key, value: unknown) => (typeof value === 'string' ? value.replaceAll('\u0000', '') : value));
    for (let i = 0; i < PUT_TRIES; i++) {
      if (e.target !== undefined && e.kind !== 'send') {
        // A waiting row for the same message or key takes the newer reply (it keeps its place in the chat).
        const coalesced = await this.prisma.$executeRaw`
          UPDATE "outbox_message" SET "payload" = ${payload}::jsonb, "expires_at" = GREATEST("expires_at", ${e.expiresAt}), "parts" = '{}'
          WHERE "platform" = ${e.platform} AND "chat_id" = ${e.chatId} AND "kind" = ${e.kind} AND "target" = ${e.target}
            AND "state" = 'waiting' AND NOT EXISTS (SELECT 1 FROM "outbox_message" WHERE "key" = ${e.key})`;
        if (coalesced > 0) return 'coalesced';
      }
      // Any conflict does nothing rather than raise: inside a unit of work's transaction an error would abort it.
      const inserted = await this.insert(e, payload).catch((err: unknown) => {
        // A plain put holds its chat's lock while its insert waits on a unit's uncommitted row of the same key
        // or message, and that unit then waits for the lock to number its rows: PostgreSQL breaks the cycle by
        // failing the put (it waited first). Once the unit has committed, the put is tried again.
        if (!this.options.unit && isDeadlock(err) && i < PUT_TRIES - 1) return null;
        throw err;
      });
      if (inserted === null) continue;
      if (inserted !== undefined) {
        if (this.options.unit) this.inserted.push(inserted);
        return 'queued';
      }
      const [seen] = await this.prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM "outbox_message" WHERE "key" = ${e.key}`;
      if (Number(seen?.n ?? 0) > 0) return 'duplicate';
      // Not the key: another put of the same message inserted its waiting row in between; coalesce into it.
    }
    throw new Error(`outbox: could not queue ${e.kind} for chat ${e.chatId} (kept racing a concurrent put)`);
  }

  /** Inserts the row (nothing on any conflict); its seq, or undefined when nothing was inserted. */
  private async insert(e: z.infer<typeof entrySchema>, payload: string): Promise<bigint | undefined> {
    const values = Prisma.sql`${e.key}::text, ${e.platform}::text, ${e.chatId}::text, ${e.kind}::text, ${e.target ?? null}::text, ${payload}::jsonb, ${e.at}::bigint, ${e.expiresAt}::bigint`;
    const columns = Prisma.sql`"key", "platform", "chat_id", "kind", "target", "payload", "put_at", "expires_at"`;
    // A unit's row is numbered again before its commit; a plain put's statement is its own transaction, so the
    // chat's lock is taken in it (materialized: it is taken before the row draws its number).
    const rows = this.options.unit
      ? await this.prisma.$queryRaw<{ seq: bigint }[]>`
          INSERT INTO "outbox_message" (${columns}) VALUES (${values}) ON CONFLICT DO NOTHING RETURNING "seq"`
      : await this.prisma.$queryRaw<{ seq: bigint }[]>`
          WITH "chat_lock" AS MATERIALIZED (SELECT pg_advisory_xact_lock(${chatLock(e.platform, e.chatId)}))
          INSERT INTO "outbox_message" (${columns}) SELECT ${values} FROM "chat_lock" ON CONFLICT DO NOTHING RETURNING "seq"`;
    return rows[0]?.seq;
  }

  async claimLanes(platform: string, holder: string, opts: { now: number; leaseMs: number; limit: number; skip?: readonly string[] }): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ chat_id: string }[]>(claimLanesQuery(platform, holder, opts));
    return rows.map((r) => r.chat_id);
  }

  async renewLane(platform: string, chatId: string, holder: string, opts: { now: number; leaseMs: number }): Promise<boolean> {
    const count = await this.prisma.$executeRaw`
      UPDATE "outbox_lane" SET "lease_until" = ${opts.now + opts.leaseMs}
      WHERE "platform" = ${platform} AND "chat_id" = ${chatId} AND "holder" = ${holder} AND "lease_until" > ${opts.now}`;
    return count === 1;
  }

  async releaseLane(platform: string, chatId: string, holder: string): Promise<void> {
    await this.prisma.$executeRaw`DELETE FROM "outbox_lane" WHERE "platform" = ${platform} AND "chat_id" = ${chatId} AND "holder" = ${holder}`;
  }

  async waiting(platform: string, chatId: string, limit: number): Promise<OutboxEntry[]> {
    const rows = await this.prisma.$queryRaw<Row[]>`
      SELECT "seq", "key", "platform", "chat_id", "kind", "target", "payload", "attempts", "not_before", "put_at", "expires_at", "parts"
      FROM "outbox_message"
      WHERE "platform" = ${platform} AND "chat_id" = ${chatId} AND "state" IN ('waiting', 'sending')
      ORDER BY "seq" LIMIT ${limit}`;
    return rows.map(toEntry);
  }

  async take(seqs: readonly number[]): Promise<OutboxEntry[]> {
    if (seqs.length === 0) return [];
    const rows = await this.prisma.$queryRaw<Row[]>`
      UPDATE "outbox_message" SET "state" = 'sending'
      WHERE "seq" = ANY(${seqs.map(BigInt)}::bigint[]) AND "state" IN ('waiting', 'sending')
      RETURNING "seq", "key", "platform", "chat_id", "kind", "target", "payload", "attempts", "not_before", "put_at", "expires_at", "parts"`;
    return rows.map(toEntry).sort((a, b) => a.seq - b.seq);
  }

  async progress(seq: number, parts: readonly string[]): Promise<void> {
    const ids = z.array(z.string().max(64)).max(1_000).parse(parts);
    await this.prisma.$executeRaw`UPDATE "outbox_message" SET "parts" = ${ids}::text[] WHERE "seq" = ${BigInt(seq)} AND "state" = 'sending'`;
  }

  async finish(seqs: readonly number[], end: OutboxEnd, now: number): Promise<void> {
    if (seqs.length === 0) return;
    const messageId = end.state === 'sent' ? (end.messageId ?? null) : null;
    const error = end.state === 'failed' || end.state === 'expired' ? end.error.slice(0, 500) : null;
    await this.prisma.$executeRaw`
      UPDATE "outbox_message" SET "state" = ${end.state}, "ended_at" = ${now}, "message_id" = ${messageId}, "last_error" = COALESCE(${error}, "last_error")
      WHERE "seq" = ANY(${seqs.map(BigInt)}::bigint[]) AND "state" IN ('waiting', 'sending')`;
  }

  async retryLater(seq: number, opts: { notBefore: number; error: string; countsAsFailure: boolean }): Promise<void> {
    const error = opts.error.slice(0, 500);
    const failed = opts.countsAsFailure ? 1 : 0;
    try {
      await this.prisma.$executeRaw`
        UPDATE "outbox_message" SET "state" = 'waiting', "attempts" = "attempts" + ${failed}, "not_before" = ${opts.notBefore}, "last_error" = ${error}
        WHERE "seq" = ${BigInt(seq)} AND "state" IN ('waiting', 'sending')`;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // A newer edit of the same message (or publish of the key) is waiting already: it carries the latest state.
      await this.prisma.$executeRaw`
        UPDATE "outbox_message" SET "state" = 'merged', "ended_at" = ${opts.notBefore}, "last_error" = ${error} WHERE "seq" = ${BigInt(seq)}`;
      await this.prisma.$executeRaw`
        UPDATE "outbox_message" AS n SET "not_before" = GREATEST(n."not_before", ${opts.notBefore})
        FROM "outbox_message" AS o
        WHERE o."seq" = ${BigInt(seq)} AND n."platform" = o."platform" AND n."chat_id" = o."chat_id" AND n."state" = 'waiting'
          AND n."seq" = (SELECT min("seq") FROM "outbox_message" WHERE "platform" = o."platform" AND "chat_id" = o."chat_id" AND "state" = 'waiting')`;
    }
  }

  async backlog(platform: string): Promise<number> {
    const [row] = await this.prisma.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM "outbox_message" WHERE "platform" = ${platform} AND "state" IN ('waiting', 'sending')`;
    return Number(row?.n ?? 0);
  }

  async prune(before: number): Promise<number> {
    return this.prisma.$executeRaw`DELETE FROM "outbox_message" WHERE "ended_at" IS NOT NULL AND "ended_at" < ${before}`;
  }
}

/**
 * The heads CTE of `claimLanesQuery`: each chat's head (first open row) of the platform, as
 * heads(chat_id, not_before, seq).
 *
 * `SELECT DISTINCT ON ("chat_id") ... ORDER BY "chat_id", "seq"` would read every open row of the platform,
 * thousands per chat in a storm. PostgreSQL has no skip scan, so this is a loose index scan written as a
 * recursive CTE over the partial index `outbox_message_open` (platform, chat_id, seq): each step takes the
 * first open row after the previous chat in (chat_id, seq) order, which is the next chat's head, one index
 * descent per chat, and it stops when no chat is left. A claim so costs O(chats · log rows), not O(open rows);
 * it costs more than reading every row only when chats have few open rows each (below ~8, see BENCHMARKS.md).
 * The conditions on `state` are the index's own predicate (a partial index is used only when the query implies it).
 */
const headsByLooseScan = (platform: string): Prisma.Sql => Prisma.sql`
  heads AS (
    (SELECT "chat_id", "not_before", "seq" FROM "outbox_message"
     WHERE "platform" = ${platform} AND "state" IN ('waiting', 'sending')
     ORDER BY "chat_id", "seq" LIMIT 1)
    UNION ALL
    SELECT n.* FROM heads h CROSS JOIN LATERAL (
      SELECT m."chat_id", m."not_before", m."seq" FROM "outbox_message" m
      WHERE m."platform" = ${platform} AND m."state" IN ('waiting', 'sending') AND m."chat_id" > h."chat_id"
      ORDER BY m."chat_id", m."seq" LIMIT 1) n
  )`;

/**
 * The statement of `claimLanes`: of the chats' heads that may go at `now`, outside `skip` and whose lane no
 * other holder has, the `limit` with the oldest heads, their lanes taken (a lapsed lease is taken over).
 * `heads` is the CTE that finds the heads; bench/outbox-claim.bench.ts passes the DISTINCT ON one it replaced.
 */
export function claimLanesQuery(
  platform: string,
  holder: string,
  opts: { now: number; leaseMs: number; limit: number; skip?: readonly string[] },
  heads: Prisma.Sql = headsByLooseScan(platform),
): Prisma.Sql {
  const skip = [...(opts.skip ?? [])];
  const until = opts.now + opts.leaseMs;
  return Prisma.sql`
    WITH RECURSIVE ${heads}, ready AS (
      SELECT h."chat_id" FROM heads h
      WHERE h."not_before" <= ${opts.now} AND NOT (h."chat_id" = ANY(${skip}::text[]))
        AND NOT EXISTS (
          SELECT 1 FROM "outbox_lane" l
          WHERE l."platform" = ${platform} AND l."chat_id" = h."chat_id" AND l."lease_until" > ${opts.now} AND l."holder" <> ${holder})
      ORDER BY h."seq"
      LIMIT ${opts.limit}
    )
    INSERT INTO "outbox_lane" ("platform", "chat_id", "holder", "lease_until")
    SELECT ${platform}, "chat_id", ${holder}, ${until} FROM ready
    ON CONFLICT ("platform", "chat_id") DO UPDATE SET "holder" = EXCLUDED."holder", "lease_until" = EXCLUDED."lease_until"
      WHERE "outbox_lane"."lease_until" <= ${opts.now} OR "outbox_lane"."holder" = EXCLUDED."holder"
    RETURNING "chat_id"`;
}

function toEntry(r: Row): OutboxEntry {
  const payload = r.payload as Prisma.JsonObject as unknown as OutboxEntry['payload'];
  return {
    seq: Number(r.seq),
    key: r.key,
    platform: r.platform,
    chatId: r.chat_id,
    kind: r.kind as OutboxEntry['kind'],
    ...(r.target === null ? {} : { target: r.target }),
    payload,
    attempts: r.attempts,
    notBefore: Number(r.not_before),
    at: Number(r.put_at),
    expiresAt: Number(r.expires_at),
    ...(r.parts.length === 0 ? {} : { parts: r.parts }),
  };
}

/** PostgreSQL's `deadlock_detected` (40P01), as the driver adapter reports it through Prisma. */
function isDeadlock(err: unknown): boolean {
  const text = err instanceof Error ? `${err.message} ${JSON.stringify((err as { meta?: unknown }).meta ?? {})}` : '';
  return text.includes('40P01');
}
