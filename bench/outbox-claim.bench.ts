/**
 * Lane claim benchmark (run: `npm run bench:outbox-claim`; PostgreSQL as for the integration tests, ~15 s).
 *
 * `PrismaOutbox.claimLanes` (its statement, `claimLanesQuery`) against the query it replaced, which found each
 * chat's head row with `DISTINCT ON ("chat_id")` over every open row of the platform. On a fresh test schema,
 * per scenario: OPEN open rows of one platform spread round-robin over CHATS chats (and ended rows and another
 * platform's), a few heads not due yet, a few lanes held by another holder, a few chats in the skip list. Both
 * statements are first run for real (in a transaction rolled back) and must claim the same chats in the same
 * order; then each is run RUNS times, alternating, as `EXPLAIN (ANALYZE, BUFFERS)` in a transaction rolled back
 * (so every run sees the same table): medians of the execution time (server side, planning apart) and of the
 * shared buffers touched, and how the plan reads outbox_message.
 */
import { loadavg } from 'node:os';
import type pg from 'pg';
import { Prisma } from '../src/generated/prisma/client.js';
import { claimLanesQuery } from '../src/adapters/prisma/outbox.repository.js';
import { createTestDatabase } from '../test/support/db.js';
import { machine, median, ms, table } from './bench-stats.js';

const OPEN = Number(process.env.BENCH_OPEN ?? 50_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const SCENARIOS = (process.env.BENCH_CHATS ?? '20,2000,50000').split(',').map(Number);
/** The delivery queue's default lanes per process: a claim's limit when the process has none yet. */
const LIMIT = 128;
const HOLDER = 'bench';
const NOW = 1_800_000_000_000;

/** The heads CTE before the loose index scan: every open row of the platform, the first of each chat kept. */
const headsByDistinctOn = (platform: string): Prisma.Sql => Prisma.sql`
  heads AS (
    SELECT DISTINCT ON ("chat_id") "chat_id", "not_before", "seq"
    FROM "outbox_message"
    WHERE "platform" = ${platform} AND "state" IN ('waiting', 'sending')
    ORDER BY "chat_id", "seq"
  )`;

/** OPEN open rows over `chats` chats (plus a second platform's and ended rows the claim must not see). */
async function seed(c: pg.PoolClient, chats: number): Promise<void> {
  await c.query('TRUNCATE outbox_message, outbox_lane');
  const insert = (platform: string, state: string, n: number, tag: string) =>
    c.query(
      `INSERT INTO outbox_message ("key", "platform", "chat_id", "kind", "payload", "state", "put_at", "expires_at")
       SELECT '${tag}-' || i, $1, (-1000000 - (i % $2))::text, 'send', '{"reply":{"text":"x","blocks":[]}}', $3, $4::bigint, $4::bigint + 3600000
       FROM generate_series(1, $5) AS i`,
      [platform, chats, state, NOW - 60_000, n],
    );
  await insert('telegram', 'waiting', OPEN, 'open');
  await insert('telegram', 'sent', OPEN / 5, 'sent');
  await insert('slack', 'waiting', OPEN / 10, 'slack');
  // About one chat in 40 waits for a retry, one in 20 is another holder's; three are this holder's already (skip).
  await c.query(
    `UPDATE outbox_message SET "not_before" = $1 WHERE "seq" IN (
       SELECT min("seq") FROM outbox_message WHERE "platform" = 'telegram' AND "state" = 'waiting' GROUP BY "chat_id" HAVING abs(hashtext("chat_id") % 20) = 0)`,
    [NOW + 5_000],
  );
  await c.query(
    `INSERT INTO outbox_lane ("platform", "chat_id", "holder", "lease_until")
     SELECT DISTINCT 'telegram', "chat_id", 'other', $1::bigint FROM outbox_message WHERE "platform" = 'telegram' AND abs(hashtext("chat_id") % 20) = 1`,
    [NOW + 10_000],
  );
  await c.query('VACUUM ANALYZE outbox_message');
  await c.query('VACUUM ANALYZE outbox_lane');
}

async function rolledBack<T>(c: pg.PoolClient, q: Prisma.Sql, explain: boolean): Promise<T[]> {
  await c.query('BEGIN');
  try {
    const text = explain ? `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${q.text}` : q.text;
    return (await c.query(text, q.values)).rows as T[];
  } finally {
    await c.query('ROLLBACK');
  }
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  Plans?: PlanNode[];
}

interface Explained {
  'Execution Time': number;
  'Planning Time': number;
  Plan: PlanNode;
}

/** How the plan reads outbox_message (its scan nodes on the table, each once). */
const scans = (n: PlanNode): string[] => [
  ...new Set([...(n['Relation Name'] === 'outbox_message' ? [n['Node Type']] : []), ...(n.Plans ?? []).flatMap(scans)]),
];

const db = await createTestDatabase('bench_outbox_claim');
const c = await db.pool.connect();
const rows = [['open rows', 'chats', 'claimed', 'heads by', 'execution median', 'min', 'max', 'planning median', 'buffers median', 'outbox_message read by', 'ratio']];
const loadAtStart = loadavg();
try {
  for (const chats of SCENARIOS) {
    await seed(c, chats);
    const skip = (await c.query(`SELECT DISTINCT "chat_id" FROM outbox_message WHERE "platform" = 'telegram' ORDER BY 1 LIMIT 3`)).rows.map((r) => r.chat_id as string);
    const opts = { now: NOW, leaseMs: 10_000, limit: LIMIT, skip };
    const variants = [
      { name: 'DISTINCT ON', query: claimLanesQuery('telegram', HOLDER, opts, headsByDistinctOn('telegram')) },
      { name: 'loose index scan', query: claimLanesQuery('telegram', HOLDER, opts) },
    ];
    const results: string[][] = [];
    for (const v of variants) results.push((await rolledBack<{ chat_id: string }>(c, v.query, false)).map((r) => r.chat_id));
    if (JSON.stringify(results[0]) !== JSON.stringify(results[1])) throw new Error(`the two statements claimed different chats at ${chats} chats`);
    const samples = variants.map(() => ({ exec: [] as number[], plan: [] as number[], buffers: [] as number[], scans: new Set<string>() }));
    for (let i = 0; i < RUNS + 2; i++) {
      for (const [k, v] of variants.entries()) {
        const [row] = await rolledBack<{ 'QUERY PLAN': Explained[] }>(c, v.query, true);
        const e = row!['QUERY PLAN'][0]!;
        if (i < 2) continue; // warm-up
        samples[k]!.exec.push(e['Execution Time']);
        samples[k]!.plan.push(e['Planning Time']);
        samples[k]!.buffers.push(e.Plan['Shared Hit Blocks'] + e.Plan['Shared Read Blocks']);
        for (const scan of scans(e.Plan)) samples[k]!.scans.add(scan);
      }
    }
    const before = median(samples[0]!.exec);
    for (const [k, v] of variants.entries()) {
      const s = samples[k]!;
      rows.push([
        String(OPEN), String(chats), String(results[k]!.length), v.name, ms(median(s.exec)), ms(Math.min(...s.exec)), ms(Math.max(...s.exec)),
        ms(median(s.plan)), String(median(s.buffers)), [...s.scans].join(', '), k === 0 ? '' : `${(before / median(s.exec)).toFixed(1)}× as fast`,
      ]);
    }
  }
} finally {
  c.release();
  await db.drop();
}
console.log(`${machine()} · load average at start ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}, at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`claim limit ${LIMIT}, ${RUNS} runs each (after 2 warm-up), alternating; EXPLAIN (ANALYZE, BUFFERS) in a transaction rolled back`);
console.log(table(rows));
