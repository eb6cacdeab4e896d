/**
 * Webhook load benchmark (issue 10): how fast the BUILT bot answers Telegram's webhook under load, with one
 * replica and with two replicas of one deployment (one PostgreSQL schema, one Redis, one QUEUE_PREFIX, one
 * bot token, as test/e2e/replicas.e2e.test.ts runs them).
 *
 * Run: `npm run build && npm run bench:webhook` with PostgreSQL, Redis and Podman as for the integration tests
 * (DATABASE_URL, REDIS_URL, DOCKER_HOST). About 2 minutes.
 *
 * Per scenario: signed updates (`x-telegram-bot-api-secret-token`) are POSTed open-loop at BENCH_RATE (20/s)
 * for BENCH_SECONDS (30 s), each from one of 16 people in their private chat (chosen at random), to a replica
 * chosen at random. Nine in ten are `/whoami` (identity, audit, no runtime call), one in ten is
 * `/status shop prod` (the Docker host of test/support/e2e-fixture.ts on Podman, 3 containers). Measured per
 * update: from just before the POST to the end of the webhook's answer. Then the bench waits until the fake
 * Bot API has received a reply for every update and reports lost and duplicated replies per chat and the
 * smallest gap between two messages to one chat (Telegram allows 1/s per chat).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { redisOptions } from '../src/bot/redis-connection.js';
import { type BotProcess, freePort, requireBuiltBot, serverBotEnv, spawnBot, waitForHttp, within, writeTempConfig } from '../test/support/e2e-bot.js';
import { baseDatabaseUrl } from '../test/support/db.js';
import { createE2eWorld } from '../test/support/e2e-fixture.js';
import { FakeTelegramApi } from '../test/support/e2e-telegram-api.js';
import { dockerHostUrl } from '../test/support/podman.js';
import { machine, ms, percentile, table } from './bench-stats.js';

const RATE = Number(process.env.BENCH_RATE ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const CHATS = 16;
const STATUS_EVERY = 10;
/**
 * "1,2" runs one replica, then two; "1,2,2,1" alternates to even out drift on a noisy machine. A trailing
 * "a" ("1a") runs that scenario with the replicas committing asynchronously (see ASYNC_ROLE).
 */
const ORDER = (process.env.BENCH_ORDER ?? '1,2').split(',').map((o) => ({ replicas: Number.parseInt(o, 10), asyncCommit: o.endsWith('a') }));
const TARGET_P99_MS = 500;
/** What every /status shop prod reply says of the fixture's containers. */
const STATUS_REPLY = /web/;
const TOKEN = '123456789:AAWebhookLoadBenchToken_xyz123';
const SECRET = `whsec_${randomBytes(12).toString('hex')}`;
/** BENCH_PROFILE=1 loads bench/profile.preload.mjs into each replica: what its webhook requests wait for. */
const PROFILE = process.env.BENCH_PROFILE === '1';
/**
 * Scenarios marked "a" in BENCH_ORDER: the replicas connect as a role of their own whose sessions commit
 * without waiting for the WAL flush (synchronous_commit off, set on that role only, so nobody else's sessions
 * change), to see what the flushes of the webhook's commits cost. An experiment: a bot must not run like that.
 */
const ASYNC_COMMIT = ORDER.some((o) => o.asyncCommit);
const ASYNC_ROLE = 'deckhand_bench_async_commit';
const PRELOAD = fileURLToPath(new URL('./profile.preload.mjs', import.meta.url));
const PEOPLE = Array.from({ length: CHATS }, (_, i) => ({ id: `load-${String(i + 1).padStart(2, '0')}`, telegram: 5_100_001 + i }));

interface Sample {
  kind: 'whoami' | 'status';
  chat: number;
  /** ms from just before the POST to the end of the answer. */
  latency: number;
  status: number;
  /** How late the POST left against its schedule (the bench's own event loop). */
  lateBy: number;
}

interface Replica {
  bot: BotProcess;
  base: string;
  profileOut: string;
}

const world = await createE2eWorld('webhook-load-bench');
const selector = (app: string) => `{ host: local, labels: { deckhand.e2e: ${world.tag}, deckhand.e2e.app: ${app} } }`;
const config = await writeTempConfig(`# written by bench/webhook-load.bench.ts
hosts:
  local: { url: "${dockerHostUrl()}" }
projects:
  shop:
    environments:
      prod:
        services:
          web: ${selector('web')}
          api: ${selector('api')}
people:
${PEOPLE.map((p) => `  - { id: ${p.id}, name: Load ${p.id}, telegram: ${p.telegram}, roles: [{ role: admin, project: shop }] }`).join('\n')}
`);
await world.db.pool.query('CREATE TABLE bench_probe (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())');
let asyncDatabaseUrl = world.db.url;
if (ASYNC_COMMIT) {
  const schema = `"${world.db.schema}"`;
  await world.db.pool.query(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${ASYNC_ROLE}') THEN CREATE ROLE ${ASYNC_ROLE} LOGIN; END IF; END $$`);
  await world.db.pool.query(`ALTER ROLE ${ASYNC_ROLE} SET synchronous_commit = off`);
  await world.db.pool.query(`GRANT USAGE ON SCHEMA ${schema} TO ${ASYNC_ROLE}`);
  await world.db.pool.query(`GRANT ALL ON ALL TABLES IN SCHEMA ${schema} TO ${ASYNC_ROLE}`);
  await world.db.pool.query(`GRANT ALL ON ALL SEQUENCES IN SCHEMA ${schema} TO ${ASYNC_ROLE}`);
  const url = new URL(world.db.url);
  url.username = ASYNC_ROLE;
  asyncDatabaseUrl = url.toString();
}
const prefixes: string[] = [];
let updateId = 9_000_000;

async function startReplica(apiRoot: string, prefix: string, asyncCommit: boolean): Promise<Replica> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const profileOut = join(tmpdir(), `deckhand-profile-${randomBytes(4).toString('hex')}.json`);
  const profile: Record<string, string> = PROFILE ? { NODE_OPTIONS: `--import ${PRELOAD}`, DECKHAND_PROFILE_OUT: profileOut } : {};
  const env = serverBotEnv({ configFile: config.file, databaseUrl: asyncCommit ? asyncDatabaseUrl : world.db.url, port, telegram: { token: TOKEN, apiRoot, webhookSecret: SECRET }, queuePrefix: prefix, shutdownTimeoutMs: 10_000 }, profile);
  const bot = spawnBot([], env);
  let alive = true;
  void bot.exited.then(() => (alive = false));
  await waitForHttp(`${base}/readyz`, 200, 30_000, () => alive);
  return { bot, base, profileOut };
}

function update(person: (typeof PEOPLE)[number], text: string) {
  const id = ++updateId;
  const from = { id: person.telegram, is_bot: false, first_name: person.id, username: person.id.replace('-', '_') };
  return {
    update_id: id,
    message: { message_id: id, date: Math.floor(Date.now() / 1000), chat: { id: person.telegram, type: 'private', first_name: person.id }, from, text, entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }] },
  };
}

async function post(replica: Replica, body: unknown): Promise<number> {
  const res = await fetch(`${replica.base}/telegram/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  await res.text();
  return res.status;
}

/** CPU time (user + system) a process has used, in ms, from /proc/<pid>/stat (clock ticks of 10 ms). */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Warnings and errors the bot logged (pino JSON lines, level ≥ 40), counted by message. */
function warnings(stdout: string[]): string {
  const counts = new Map<string, number>();
  for (const line of stdout.flatMap((o) => o.split('\n'))) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string };
      if ((entry.level ?? 0) >= 40) counts.set(entry.msg ?? '?', (counts.get(entry.msg ?? '?') ?? 0) + 1);
    } catch {
      // not a log line
    }
  }
  return counts.size === 0 ? 'none' : [...counts].map(([msg, n]) => `${n}× ${msg}`).join('; ');
}

const sleep = (msTime: number) => new Promise((r) => setTimeout(r, msTime));

async function scenario(replicaCount: number, asyncCommit: boolean) {
  const telegram = new FakeTelegramApi();
  const apiRoot = await telegram.start();
  const prefix = `bench-webhook-${randomBytes(4).toString('hex')}`;
  prefixes.push(prefix);
  const replicas = await Promise.all(Array.from({ length: replicaCount }, () => startReplica(apiRoot, prefix, asyncCommit)));
  try {
    // Warm-up: every person once through each replica (first Prisma queries, JIT), not measured.
    for (const r of replicas) await Promise.all(PEOPLE.map((p, i) => post(r, update(p, i % 2 === 0 ? '/whoami' : '/status shop prod'))));
    const warm = replicaCount * PEOPLE.length;
    await telegram.waitForCalls('sendMessage', warm, 60_000);
    await sleep(1500); // the chats' 1 s windows of the warm-up replies pass
    const from = telegram.calls.length;
    const loadBefore = loadavg()[0]!;

    const total = RATE * SECONDS;
    const samples: Sample[] = [];
    const expected = new Map<number, { whoami: number; status: number }>();
    const inFlight: Promise<void>[] = [];
    if (PROFILE) for (const r of replicas) r.bot.child.kill('SIGUSR2');
    // PostgreSQL seen from outside the bot during the load: one single-row INSERT (a commit) every 100 ms.
    const probe: number[] = [];
    let probing = true;
    const probed = (async () => {
      while (probing) {
        const at = performance.now();
        await world.db.pool.query('INSERT INTO bench_probe DEFAULT VALUES');
        probe.push(performance.now() - at);
        await sleep(100);
      }
    })();
    const cpuBefore = replicas.map((r) => cpuMs(r.bot.child.pid));
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const person = PEOPLE[Math.floor(Math.random() * PEOPLE.length)]!;
      const kind = i % STATUS_EVERY === STATUS_EVERY - 1 ? 'status' : 'whoami';
      const e = expected.get(person.telegram) ?? { whoami: 0, status: 0 };
      e[kind] += 1;
      expected.set(person.telegram, e);
      const replica = replicas[Math.floor(Math.random() * replicas.length)]!;
      const body = update(person, kind === 'status' ? '/status shop prod' : '/whoami');
      const started = performance.now();
      const lateBy = started - due;
      inFlight.push(
        post(replica, body).then(
          (status) => void samples.push({ kind, chat: person.telegram, latency: performance.now() - started, status, lateBy }),
          () => void samples.push({ kind, chat: person.telegram, latency: performance.now() - started, status: 0, lateBy }),
        ),
      );
    }
    await Promise.all(inFlight);
    const cpuDuring = replicas.map((r, k) => cpuMs(r.bot.child.pid) - cpuBefore[k]!);
    const wallDuring = performance.now() - t0;
    probing = false;
    await probed;
    const sendingDone = Date.now();
    if (PROFILE) for (const r of replicas) r.bot.child.kill('SIGUSR2');
    const loadAfter = loadavg()[0]!;

    // Every update's reply at the fake Bot API (the chats' 1/s limit makes them trail the load by a few s).
    const replies = () => telegram.calls.slice(from).filter((c) => c.method === 'sendMessage' && c.status === 200);
    const deadline = Date.now() + 120_000;
    while (replies().length < total && Date.now() < deadline) await sleep(100);
    await sleep(2000); // late duplicates, if any, would show up here
    const drainedAfterMs = Math.max(...replies().map((c) => c.at)) - sendingDone;

    let lost = 0;
    let unrecognised = 0;
    let duplicated = 0;
    let minGap = Number.POSITIVE_INFINITY;
    for (const person of PEOPLE) {
      const got = replies().filter((c) => Number(c.payload.chat_id) === person.telegram);
      const want = expected.get(person.telegram) ?? { whoami: 0, status: 0 };
      // A whoami reply names the person; a status reply names the services it found.
      const whoami = got.filter((c) => String(c.payload.text).includes(`Load ${person.id}`)).length;
      const status = got.filter((c) => !String(c.payload.text).includes(`Load ${person.id}`) && STATUS_REPLY.test(String(c.payload.text))).length;
      unrecognised += got.length - whoami - status;
      for (const [have, need] of [[whoami, want.whoami], [status, want.status]] as const) {
        lost += Math.max(0, need - have);
        duplicated += Math.max(0, have - need);
      }
      const times = got.map((c) => c.at).sort((a, b) => a - b);
      for (let k = 1; k < times.length; k++) minGap = Math.min(minGap, times[k]! - times[k - 1]!);
    }
    if (process.env.BENCH_SHOW_REPLIES) for (const c of replies().slice(0, 3)) process.stderr.write(`reply: ${String(c.payload.text)}\n---\n`);
    const profiles = PROFILE ? replicas.map((r) => (existsSync(r.profileOut) ? (JSON.parse(readFileSync(r.profileOut, 'utf8')) as unknown) : 'no profile written')) : [];
    for (const r of replicas) rmSync(r.profileOut, { force: true });
    const other = telegram.calls.slice(from).filter((c) => c.method !== 'sendMessage' || c.status !== 200).map((c) => `${c.method} ${c.status}`);
    const stillRunning = replicas.reduce((n, r) => n + r.bot.stdout().split('\n').filter((l) => l.includes('telegram update still running')).length, 0);
    const directSends = replicas.reduce((n, r) => n + r.bot.stdout().split('\n').filter((l) => l.includes('outbox not writable')).length, 0);
    return { replicaCount, label: `${replicaCount}${asyncCommit ? ' (async commit)' : ''}`, logged: warnings(replicas.map((r) => r.bot.stdout())), profiles, probe, cpu: cpuDuring.map((c) => `${Math.round(c / (total / replicas.length))} ms/update, ${(c / wallDuring).toFixed(2)} cores`).join(' | '), samples, total, replies: replies().length, lost, duplicated, unrecognised, minGap, other, drainedAfterMs, stillRunning, directSends, loadBefore, loadAfter, maxLate: Math.max(...samples.map((s) => s.lateBy)) };
  } finally {
    for (const r of replicas) r.bot.child.kill('SIGTERM');
    await within(Promise.all(replicas.map((r) => r.bot.exited)), 20_000, 'replicas exit').catch(() => replicas.forEach((r) => r.bot.kill()));
    await telegram.stop();
  }
}

const fmt = (v: number) => ms(v);

try {
  requireBuiltBot();
  console.log(`${machine()} · load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')} · ${cpus().length} cpus`);
  if (ASYNC_COMMIT) console.log(`EXPERIMENT: in "async commit" scenarios the replicas commit with synchronous_commit off (role ${ASYNC_ROLE}); the bench's probe still waits for the flush`);
  console.log(`${RATE} updates/s for ${SECONDS} s over ${CHATS} private chats; 1 in ${STATUS_EVERY} is /status shop prod, the rest /whoami; order ${ORDER.map((o) => `${o.replicas}${o.asyncCommit ? 'a' : ''}`).join(',')}`);
  const results: Awaited<ReturnType<typeof scenario>>[] = [];
  for (const o of ORDER) {
    const r = await scenario(o.replicas, o.asyncCommit);
    results.push(r);
    process.stderr.write(`done: ${r.label} replica(s)\n`);
  }
  const rows = [['replicas', 'kind', 'n', 'p50', 'p99', 'max', 'non-200', `p99 < ${TARGET_P99_MS} ms`]];
  const extra = [['replicas', 'bot CPU during load (per replica)', 'pg INSERT p50/p99/max (bench probe)', 'replies', 'lost', 'duplicated', 'unrecognised', 'min gap/chat', 'other calls', 'answered at timeout', 'sent inline', 'last reply after load', 'bench late max', 'load 1m before/after']];
  for (const r of results) {
    for (const kind of ['all', 'whoami', 'status'] as const) {
      const lat = r.samples.filter((s) => kind === 'all' || s.kind === kind).map((s) => s.latency);
      const p99 = percentile(lat, 99);
      rows.push([r.label, kind, String(lat.length), fmt(percentile(lat, 50)), fmt(p99), fmt(Math.max(...lat)), String(r.samples.filter((s) => (kind === 'all' || s.kind === kind) && s.status !== 200).length), kind === 'all' ? (p99 < TARGET_P99_MS ? 'yes' : 'no') : '']);
    }
    extra.push([r.label, r.cpu, [50, 99, 100].map((p) => percentile(r.probe, p).toFixed(1)).join('/') + ' ms', `${r.replies}/${r.total}`, String(r.lost), String(r.duplicated), String(r.unrecognised), fmt(r.minGap), r.other.length === 0 ? 'none' : [...new Set(r.other)].join(' '), String(r.stillRunning), String(r.directSends), fmt(r.drainedAfterMs), fmt(r.maxLate), `${r.loadBefore.toFixed(2)}/${r.loadAfter.toFixed(2)}`]);
  }
  for (const r of results) console.log(`warnings logged, ${r.label} replica(s): ${r.logged}`);
  if (PROFILE) for (const r of results) for (const p of r.profiles) console.log(`profile, ${r.label} replica(s): ${JSON.stringify(p)}`);
  const byN = (n: number) => results.filter((r) => r.replicaCount === n && !r.label.includes('async')).flatMap((r) => r.samples.map((s) => s.latency));
  console.log(table(rows));
  console.log(table(extra));
  if (byN(1).length > 0 && byN(2).length > 0) {
    console.log(`ratio two/one replicas: p50 ${(percentile(byN(2), 50) / percentile(byN(1), 50)).toFixed(3)}, p99 ${(percentile(byN(2), 99) / percentile(byN(1), 99)).toFixed(3)}`);
  }
  const async = results.filter((r) => r.label.includes('async')).flatMap((r) => r.samples.map((s) => s.latency));
  const flushed = results.filter((r) => !r.label.includes('async')).flatMap((r) => r.samples.map((s) => s.latency));
  if (async.length > 0 && flushed.length > 0) {
    console.log(`ratio async/synchronous commit: p50 ${(percentile(async, 50) / percentile(flushed, 50)).toFixed(3)}, p99 ${(percentile(async, 99) / percentile(flushed, 99)).toFixed(3)}`);
  }
} finally {
  await config.remove();
  await world.cleanup();
  if (ASYNC_COMMIT) {
    const admin = new pg.Client({ connectionString: baseDatabaseUrl() });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${ASYNC_ROLE}`).finally(() => admin.end());
  }
  const redis = new Redis(redisOptions(process.env.REDIS_URL || 'redis://127.0.0.1:6379'));
  try {
    for (const prefix of prefixes) {
      for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 200 })) if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
    }
  } finally {
    redis.disconnect();
  }
}
