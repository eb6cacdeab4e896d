/**
 * Fan-out across replicas (issue 10): the delivery benchmark of bench/delivery.bench.ts, but delivered by
 * THREE BUILT bot processes sharing one bot token, one PostgreSQL schema (the outbox and its per-chat lanes),
 * one Redis and one QUEUE_PREFIX (the shared rate gate), as a deployment runs them.
 *
 * Run: `npm run build && npm run bench:delivery:replicas` with PostgreSQL and Redis as for the integration
 * tests (DATABASE_URL, REDIS_URL; DOCKER_HOST for the config's host, which nothing is asked of). About 2 min.
 *
 * Per scenario: the three replicas are started (webhook mode, nothing posted to them), then N announcements
 * bound to M chats are written to the outbox by this process through the real DeliveryQueue over PrismaOutbox
 * (its delivery loop is never started here), 16 announcements in flight at a time, while the replicas'
 * delivery workers take the chats' lanes and send. A local fake Bot API (node:http on 127.0.0.1) enforces
 * Telegram's limits on arrival (1 message/s per chat, 20/min per group, 30/s for the bot across all
 * replicas) and answers 429 with retry_after 1 to any call over a limit. Each replica has its own API root
 * path (/r1, /r2, /r3 in front of /bot<token>/…), so the fake can tell who sent what.
 * - achieved / allowed: successful sends in the full seconds after the first one (the partial last second
 *   is left out) ÷ what the limits allow in those seconds (min(M, 30) per s);
 * - lost / duplicated: announcements whose text is in no (more than one) delivered message of a chat;
 * - 429 answered: by the fake, for the chat's limit, the bot's 30/s or at random; busiest 1 s: the most calls
 *   the fake saw arrive within any 1000 ms (sliding), refused ones included;
 * - unhandled: outbox rows that ended failed or expired, or still wait at the end.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { PrismaOutbox } from '../src/adapters/prisma/outbox.repository.js';
import { createTelegramDelivery } from '../src/adapters/telegram/telegram.delivery.js';
import { redisOptions } from '../src/bot/redis-connection.js';
import { ReplyBuilder } from '../src/core/messages/reply-builder.js';
import { silentLogger } from '../src/core/ports/logger.port.js';
import { MemoryPostedMessages } from '../test/fakes/memory-posted-messages.js';
import { createTestDatabase } from '../test/support/db.js';
import { type BotProcess, freePort, requireBuiltBot, serverBotEnv, spawnBot, waitForHttp, within, writeTempConfig } from '../test/support/e2e-bot.js';
import { dockerHostUrl } from '../test/support/podman.js';
import { machine, table } from './bench-stats.js';

const TOKEN = '123456789:AAReplicaFanOutBenchToken_xyz12';
const SECRET = `whsec_${randomBytes(12).toString('hex')}`;
const REPLICAS = 3;
const IN_FLIGHT = 16;

interface Scenario {
  name: string;
  chats: number;
  firstChat: number;
  notifications: number;
  random429: number;
}

/** Fewer than bench/delivery.bench.ts's 600: every push is a PostgreSQL row here, written one at a time. */
const N = process.env.BENCH_N === undefined ? undefined : Number(process.env.BENCH_N);
const SCENARIOS: Scenario[] = [
  { name: '40 private chats (bound: 30/s overall)', chats: 40, firstChat: 2000, notifications: N ?? 200, random429: 0 },
  { name: '10 private chats (bound: 1/s per chat)', chats: 10, firstChat: 3000, notifications: N ?? 400, random429: 0 },
  { name: '10 private chats, 5% random 429s', chats: 10, firstChat: 4000, notifications: N ?? 400, random429: 0.05 },
].filter((s) => !process.env.BENCH_ONLY || s.name.startsWith(process.env.BENCH_ONLY));

/** A Bot API that answers start-up calls and enforces Telegram's limits on every call to a chat. */
function limitEnforcingBotApi(random429: number) {
  const byChat = new Map<string, number[]>();
  const all: number[] = [];
  const delivered = new Map<string, string[]>();
  const sends: { at: number; replica: string }[] = [];
  const limited = { chat: 0, bot: 0, random: 0 };
  /** Every call to a chat as it arrived (ok or refused), for the busiest second seen by the platform. */
  const arrivals: number[] = [];
  let messageId = 1;
  const over = (times: number[], now: number, limit: number, windowMs: number) => times.filter((t) => t > now - windowMs).length >= limit;
  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const match = /^\/(r\d+)\/bot[^/]+\/([A-Za-z]+)$/.exec(req.url ?? '');
    if (!match) return json(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, replica = '', method = ''] = match;
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = (raw === '' ? {} : JSON.parse(raw)) as { chat_id?: number; text?: string };
    if (method === 'getMe') return json(res, 200, { ok: true, result: { id: 7000002, is_bot: true, first_name: 'Deckhand', username: 'deckhand_bench_bot' } });
    if (body.chat_id === undefined) return json(res, 200, { ok: true, result: true }); // setWebhook, setMyCommands…
    const chat = String(body.chat_id);
    const now = performance.now();
    const times = byChat.get(chat) ?? [];
    byChat.set(chat, times);
    const chatTooFast = over(times, now, 1, 1000) || (chat.startsWith('-') && over(times, now, 20, 60_000));
    const botTooFast = over(all, now, 30, 1000);
    times.push(now);
    all.push(now);
    arrivals.push(now);
    const unlucky = !chatTooFast && !botTooFast && Math.random() < random429;
    if (chatTooFast || botTooFast || unlucky) {
      if (chatTooFast) limited.chat += 1;
      else if (botTooFast) limited.bot += 1;
      else limited.random += 1;
      return json(res, 429, { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } });
    }
    if (method !== 'sendMessage') return json(res, 400, { ok: false, error_code: 400, description: `Bad Request: ${method} not expected here` });
    sends.push({ at: now, replica });
    delivered.set(chat, [...(delivered.get(chat) ?? []), String(body.text)]);
    json(res, 200, { ok: true, result: { message_id: messageId++, date: Math.floor(Date.now() / 1000), chat: { id: body.chat_id, type: 'private' }, text: '' } });
  };
  const server = createServer((req, res) => void handle(req, res).catch(() => json(res, 400, { ok: false, error_code: 400, description: 'Bad Request' })));
  return { server, delivered, sends, limited, arrivals };
}

const db = await createTestDatabase('delivery-replicas-bench');
const config = await writeTempConfig(`# written by bench/delivery-replicas.bench.ts
hosts:
  local: { url: "${dockerHostUrl()}" }
projects:
  shop:
    environments:
      prod:
        services:
          web: { host: local, labels: { deckhand.bench: delivery-replicas-none } }
people:
  - { id: alice, name: Alice, telegram: 424242, roles: [{ role: admin, project: shop }] }
`);
const prefixes: string[] = [];
const logs: string[] = [];
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

async function startReplica(apiRoot: string, prefix: string): Promise<BotProcess> {
  const port = await freePort();
  const env = serverBotEnv({ configFile: config.file, databaseUrl: db.url, port, telegram: { token: TOKEN, apiRoot, webhookSecret: SECRET }, queuePrefix: prefix, shutdownTimeoutMs: 10_000 });
  const bot = spawnBot([], env);
  let alive = true;
  void bot.exited.then(() => (alive = false));
  await waitForHttp(`http://127.0.0.1:${port}/readyz`, 200, 30_000, () => alive);
  return bot;
}

async function outboxCounts(chats: string[]): Promise<Record<string, number>> {
  const { rows } = await db.pool.query<{ state: string; n: string }>(`SELECT state, count(*) AS n FROM outbox_message WHERE chat_id = ANY($1) GROUP BY state`, [chats]);
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}

async function run(s: Scenario) {
  const fake = limitEnforcingBotApi(s.random429);
  await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
  const root = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
  const prefix = `bench-fanout-${randomBytes(4).toString('hex')}`;
  prefixes.push(prefix);
  const chats = Array.from({ length: s.chats }, (_, i) => String(s.firstChat + i));
  const bots = await Promise.all(Array.from({ length: REPLICAS }, (_, i) => startReplica(`${root}/r${i + 1}`, prefix)));
  const loadBefore = loadavg()[0]!;
  try {
    // The producer: the real queue's announce over the shared outbox; its own delivery loop never runs.
    const { queue } = createTelegramDelivery({ token: TOKEN, apiRoot: `${root}/producer`, posted: new MemoryPostedMessages(), outbox: new PrismaOutbox(db.prisma), chatsFor: () => chats, logger: silentLogger });
    const writeStarted = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        for (let i = next++; i < s.notifications; i = next++) {
          await queue.announce('shop', new ReplyBuilder('error').header(`ALERT N${i} firing`).text(`HighLatency on web-${i % 17}: p99 > 250 ms`).build());
        }
      }),
    );
    const writeMs = performance.now() - writeStarted;
    const deadline = Date.now() + 180_000;
    for (;;) {
      const counts = await outboxCounts(chats);
      if ((counts.waiting ?? 0) + (counts.sending ?? 0) === 0) break;
      if (Date.now() > deadline) break;
      await sleep(200);
    }
    const counts = await outboxCounts(chats);
    // The busiest 1 s (sliding) of calls as the platform saw them arrive, refused ones included.
    let busiest = 0;
    for (let a = 0, b = 0; b < fake.arrivals.length; b++) {
      while (fake.arrivals[b]! - fake.arrivals[a]! >= 1000) a++;
      busiest = Math.max(busiest, b - a + 1);
    }

    const times = fake.sends.map((x) => x.at).sort((a, b) => a - b);
    const first = times[0] ?? 0;
    const seconds = Math.floor(((times.at(-1) ?? first) - first) / 1000);
    const inFull = times.filter((t) => t < first + seconds * 1000).length;
    const allowed = seconds * Math.min(s.chats, 30);
    let lost = 0;
    let duplicated = 0;
    for (const chat of chats) {
      const text = (fake.delivered.get(chat) ?? []).join('\n');
      for (let i = 0; i < s.notifications; i++) {
        const found = text.split(`ALERT N${i} firing`).length - 1;
        if (found === 0) lost += 1;
        if (found > 1) duplicated += found - 1;
      }
    }
    const perReplica = Array.from({ length: REPLICAS }, (_, i) => fake.sends.filter((x) => x.replica === `r${i + 1}`).length).join('/');
    const unhandled = (counts.failed ?? 0) + (counts.expired ?? 0) + (counts.waiting ?? 0) + (counts.sending ?? 0);
    logs.push(`warnings logged, ${s.name}: ${warnings(bots.map((b) => b.stdout()))}`);
    return [
      s.name, String(s.notifications * s.chats), String(fake.sends.length), perReplica, String(seconds), allowed > 0 ? (inFull / allowed).toFixed(3) : 'n/a',
      String(lost), String(duplicated), `${fake.limited.chat}+${fake.limited.bot}+${fake.limited.random}`, String(busiest), String(unhandled), `${(writeMs / 1000).toFixed(1)} s`, `${loadBefore.toFixed(2)}/${loadavg()[0]!.toFixed(2)}`,
    ];
  } finally {
    for (const b of bots) b.child.kill('SIGTERM');
    await within(Promise.all(bots.map((b) => b.exited)), 20_000, 'replicas exit').catch(() => bots.forEach((b) => b.kill()));
    fake.server.closeAllConnections();
    fake.server.close();
  }
}

try {
  requireBuiltBot();
  console.log(`${machine()} · load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`${REPLICAS} built replicas, one token, one outbox schema, one Redis gate; announcements per scenario: ${SCENARIOS.map((x) => x.notifications).join('/')}, ${IN_FLIGHT} in flight`);
  const rows = [['scenario', 'pushes', 'messages', 'sent by r1/r2/r3', 'full s', 'achieved/allowed', 'lost', 'duplicated', '429 answered (chat+bot+random)', 'busiest 1 s', 'unhandled', 'outbox write', 'load 1m before/after']];
  for (const s of SCENARIOS) {
    rows.push(await run(s));
    process.stderr.write(`done: ${s.name}\n`);
  }
  console.log(table(rows));
  for (const line of logs) console.log(line);
} finally {
  await config.remove();
  await db.drop();
  const redis = new Redis(redisOptions(process.env.REDIS_URL || 'redis://127.0.0.1:6379'));
  try {
    for (const prefix of prefixes) {
      for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 200 })) if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
    }
  } finally {
    redis.disconnect();
  }
}
