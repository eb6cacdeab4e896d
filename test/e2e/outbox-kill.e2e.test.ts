/**
 * The durable outbox across a SIGKILL (issue 10): two replicas of the BUILT bot on one PostgreSQL schema,
 * one Redis and one QUEUE_PREFIX, in webhook mode, with one bot token. A project is bound to 10 private
 * chats; 100 GitHub workflow_run deliveries (HMAC-signed, spread between the replicas) each announce one
 * push to every chat: 1,000 pushes. When half of them have reached the fake Bot API, the replica holding
 * the most chat lanes is killed with SIGKILL; the other one takes its lanes over when their leases lapse
 * (the delivery queue's lane lease) and gets the rest of the deliveries. Each replica calls the fake under
 * its own path, so every message is recorded with the replica that sent it.
 *
 * Then, at the fake Bot API (which enforces Telegram's limits and answers 429 past them): every push's
 * distinctive text appears exactly once in each chat (in a message of its own or inside a grouped one), no
 * chat ever got two messages within a second, no call was answered 429, and every outbox row ended sent.
 * The deliveries are posted one at a time, so none is being handled at the kill: this is about delivery.
 *
 * Exactly once, with one exception no sender can avoid: a message that reached the Bot API while its replica
 * had not yet marked its rows sent (the rows it was sending at the kill). Nothing tells whether Telegram took
 * it, and sendMessage has no idempotency key, so the survivor sends those rows again: a push among them may
 * arrive twice, never more, and no other push may. Any other miss or copy fails and names the messages
 * (their arrival relative to the kill) and the rows; every run prints how long messages stayed unmarked
 * after reaching the fake (at the Bot API→marking begun), which with the marking UPDATE is that window.
 *
 * Why workflow runs: their announcements carry no buttons, so a chat's lane groups every announcement
 * waiting behind the head into one "N notifications (grouped…)" message, and 100 pushes to a private chat
 * (1 message/s) take some 15 to 30 sends. Alertmanager publishes would not do: a publish is keyed (one
 * message per incident, edited later) and is never grouped, so 100 of them per chat would take 100 s at
 * 1/s, plus the lease of the killed replica's chats.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signGitHubPayload } from '../../src/adapters/http/github-webhook.signature.js';
import { redisOptions } from '../../src/bot/redis-connection.js';
import { type BotProcess, freePort, requireBuiltBot, serverBotEnv, spawnBot, waitForHttp, within, writeTempConfig } from '../support/e2e-bot.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { FakeTelegramApi, type RecordedCall } from '../support/e2e-telegram-api.js';
import { dockerHostUrl } from '../support/podman.js';

const TOKEN = '123456789:AAE2eFakeTokenForDeckhandOutboxKill';
const SECRET = `whsec_${randomBytes(12).toString('hex')}`;
const GITHUB_SECRET = `ghsec_${randomBytes(12).toString('hex')}`;
const QUEUE_PREFIX = `e2e-outbox-kill-${randomBytes(4).toString('hex')}`;
const SHUTDOWN_TIMEOUT_MS = 5000;
const REPO = 'acme/shop';
/** Ten private chats bound to the project: every announcement is one push to each. */
const CHATS = Array.from({ length: 10 }, (_, i) => 5_550_101 + i);
const PUSHES = 100;
/** Between two deliveries posted, so that delivery is still going on when the replica is killed. */
const POST_EVERY_MS = 150;
/** Each push's distinctive text: the workflow's name, `push-001` … `push-100`. */
const pushName = (n: number) => `push-${String(n).padStart(3, '0')}`;
const PUSH_TEXT = /push-(\d{3})(?!\d)/g;
const GROUP_HEADER = /(\d+) notifications \(grouped/;

let db: TestDatabase;
let configFile: string;
const cleanups: (() => Promise<void> | void)[] = [];

interface Replica {
  name: string;
  bot: BotProcess;
  base: string;
}

beforeAll(async () => {
  requireBuiltBot();
  db = await createTestDatabase('outbox-kill-e2e');
  const config = await writeTempConfig(`# written by test/e2e/outbox-kill.e2e.test.ts
hosts:
  local: { url: "${dockerHostUrl()}" }
projects:
  shop:
    environments:
      prod:
        services:
          web: { host: local, labels: { deckhand.e2e: ${QUEUE_PREFIX}, deckhand.e2e.app: web } }
chats:
${CHATS.map((id) => `  - { platform: telegram, id: ${id}, projects: [shop] }`).join('\n')}
github:
  repos:
    ${REPO}:
      environments:
        production: { project: shop, env: prod, service: web }
`);
  cleanups.push(() => config.remove());
  configFile = config.file;
});

afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn();
  await db?.drop();
  // The leases and rate windows the replicas kept under their prefix.
  const redis = new Redis(redisOptions(process.env.REDIS_URL || 'redis://127.0.0.1:6379'));
  try {
    for await (const keys of redis.scanStream({ match: `${QUEUE_PREFIX}:*`, count: 200 })) if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
  } finally {
    redis.disconnect();
  }
});

async function startReplica(name: string, apiRoot: string): Promise<Replica> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = serverBotEnv(
    // Its own path under the fake's root: every call it makes is recorded with `via: name`.
    { configFile, databaseUrl: db.url, port, telegram: { token: TOKEN, apiRoot: `${apiRoot}/${name}`, webhookSecret: SECRET }, queuePrefix: QUEUE_PREFIX, shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS },
    { GITHUB_WEBHOOK_SECRET: GITHUB_SECRET },
  );
  const bot = spawnBot([], env);
  cleanups.push(() => bot.kill());
  let alive = true;
  void bot.exited.then(() => (alive = false));
  await waitForHttp(`${base}/readyz`, 200, 30_000, () => alive);
  return { name, bot, base };
}

/** A completed workflow run that deploys nothing, as GitHub posts it: announced in the project's chats. */
async function postWorkflowRun(r: Replica, n: number): Promise<void> {
  const at = new Date().toISOString();
  const body = JSON.stringify({
    action: 'completed',
    workflow_run: {
      id: 90_000 + n,
      name: pushName(n),
      path: '.github/workflows/checks.yml',
      run_attempt: 1,
      status: 'completed',
      conclusion: 'success',
      event: 'push',
      head_branch: 'main',
      head_sha: randomBytes(20).toString('hex'),
      html_url: `https://github.com/${REPO}/actions/runs/${90_000 + n}`,
      created_at: at,
      updated_at: at,
    },
    workflow: { name: pushName(n), path: '.github/workflows/checks.yml' },
    repository: { full_name: REPO },
    sender: { login: 'ci-bot' },
  });
  const res = await fetch(`${r.base}/webhooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'workflow_run',
      'x-github-delivery': `${QUEUE_PREFIX}-${n}`,
      'x-hub-signature-256': signGitHubPayload(GITHUB_SECRET, body),
    },
    body,
    signal: AbortSignal.timeout(15_000),
  });
  expect({ replica: r.name, push: n, status: res.status, body: await res.json() }).toMatchObject({ status: 200, body: { status: 'announced' } });
}

async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const ourChat = (c: RecordedCall) => CHATS.includes(Number(c.payload.chat_id));
const pushesIn = (text: string) => [...text.matchAll(PUSH_TEXT)].map((m) => Number(m[1]));
/**
 * For a failure message: each message that carried a push seen more than once (its arrival relative to the
 * kill and the pushes in it), and the outbox rows of those pushes (state, message id, attempts, end time).
 */
async function explainDuplicates(seen: Map<string, RecordedCall[]>, killedAt: number, replicas: readonly Replica[]): Promise<string> {
  const calls = new Set([...seen.values()].filter((c) => c.length > 1).flat());
  const messages = [...calls].map((c) => {
    const id = (c.result as { message_id: number }).message_id;
    return `  message ${id} to ${String(c.payload.chat_id)} from ${c.via} at kill${c.at - killedAt >= 0 ? '+' : ''}${c.at - killedAt} ms: ${pushesIn(String(c.payload.text)).map(pushName).join(' ')}`;
  });
  const keys = [...seen.entries()].filter(([, c]) => c.length > 1).map(([k]) => {
    const [chat, name] = k.split('/');
    return `ci:github:github-${QUEUE_PREFIX}-${Number(name!.slice('push-'.length))}:telegram:${chat}`;
  });
  const { rows } = await db.pool.query<{ seq: string; key: string; state: string; message_id: string | null; attempts: number; ended_at: string | null }>(
    `SELECT seq, key, state, message_id, attempts, ended_at FROM outbox_message WHERE key = ANY($1::text[]) ORDER BY seq`,
    [keys],
  );
  const rowLines = rows.map((r) => `  row ${r.seq} ${r.key.replace(`ci:github:github-${QUEUE_PREFIX}-`, 'push ')}: ${r.state}, message ${r.message_id}, attempts ${r.attempts}, ended at kill+${Number(r.ended_at) - killedAt} ms`);
  const logs = replicas.map((r) => `  ${r.name} warned: ${JSON.stringify(warnings(r))}`);
  return `\n${[...messages, ...rowLines, ...logs].join('\n')}`;
}

/** A replica's log lines at `level` (pino: 40 warn, 50 error) or above, counted by message. */
function logged(r: Replica, level: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of r.bot.stdout().split('\n')) {
    const m = /^\{"level":(\d+).*"msg":"([^"]*)"/.exec(line);
    if (m && Number(m[1]) >= level) counts[m[2]!] = (counts[m[2]!] ?? 0) + 1;
  }
  return counts;
}
const warnings = (r: Replica) => logged(r, 40);
const errors = (r: Replica) => logged(r, 50);

describe('1,000 pushes to 10 chats while one of two replicas is killed', () => {
  let telegram: FakeTelegramApi;
  let replicas: Replica[];

  beforeAll(async () => {
    telegram = new FakeTelegramApi({ enforceLimits: true });
    const apiRoot = await telegram.start();
    cleanups.push(() => telegram.stop());
    replicas = await Promise.all([startReplica('a', apiRoot), startReplica('b', apiRoot)]);
  }, 40_000);

  it('delivers every push once (a second copy only of what the killed replica had in flight), never faster than 1 message/s per chat, with no 429', async () => {
    const sent = () => telegram.callsOf('sendMessage').filter((c) => ourChat(c) && c.status === 200);
    const delivered = () => sent().reduce((n, c) => n + pushesIn(String(c.payload.text)).length, 0);
    const lanesOf = async (r: Replica) => {
      const { rows } = await db.pool.query<{ chat_id: string }>(`SELECT chat_id FROM outbox_lane WHERE holder LIKE $1 AND lease_until > $2`, [`%:${r.bot.child.pid}:%`, Date.now()]);
      return rows.map((row) => Number(row.chat_id));
    };
    const startedAt = Date.now();

    // Given: 100 deliveries posted one after another, alternately to each replica, while the chats' lanes deliver.
    // When: half of the 1,000 pushes are at the Bot API, the replica holding the most lanes is killed.
    let live = [...replicas];
    let killed: { replica: Replica; at: number; lanes: number[]; otherLanes: number; sending: number; deliveredBefore: number; inFlight: Set<string> } | undefined;
    const kill = async () => {
      let holdings: { replica: Replica; lanes: number[] }[] = [];
      await waitUntil(async () => {
        holdings = await Promise.all(replicas.map(async (replica) => ({ replica, lanes: await lanesOf(replica) })));
        return holdings.some((h) => h.lanes.length > 0);
      }, 5_000, 'a replica holding a chat lane');
      const [victim] = holdings.sort((x, y) => y.lanes.length - x.lanes.length);
      victim!.replica.bot.child.kill('SIGKILL');
      const at = Date.now();
      const deliveredBefore = delivered();
      await within(victim!.replica.bot.exited, 5_000, `${victim!.replica.name} exiting after SIGKILL`);
      // The rows the killed replica was sending: the platform may have taken them before the process died,
      // and nothing can tell, so the survivor sends them again (Telegram has no idempotency key). Only these
      // may reach a chat twice.
      const { rows } = await db.pool.query<{ key: string; chat_id: string }>(`SELECT key, chat_id FROM outbox_message WHERE state = 'sending' AND chat_id = ANY($1::text[])`, [
        victim!.lanes.map(String),
      ]);
      const inFlight = new Set(rows.map((r) => `${r.chat_id}/${pushName(Number(/-(\d+):telegram:/.exec(r.key)?.[1] ?? -1))}`));
      const otherLanes = holdings.filter((h) => h !== victim).reduce((n, h) => n + h.lanes.length, 0);
      killed = { replica: victim!.replica, at, lanes: victim!.lanes, otherLanes, sending: rows.length, deliveredBefore, inFlight };
      live = replicas.filter((r) => r !== victim!.replica);
    };
    for (let n = 1; n <= PUSHES; n++) {
      if (!killed && delivered() >= (PUSHES * CHATS.length) / 2) await kill();
      await postWorkflowRun(live[n % live.length]!, n);
      await new Promise((r) => setTimeout(r, POST_EVERY_MS));
    }
    if (!killed) {
      await waitUntil(() => delivered() >= (PUSHES * CHATS.length) / 2, 30_000, 'half of the pushes delivered');
      await kill();
    }
    const postedAt = Date.now();

    // Then: the survivor takes the killed replica's chats over and the outbox empties.
    const backlog = async () => Number((await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM outbox_message WHERE state IN ('waiting', 'sending')`)).rows[0]!.n);
    await waitUntil(async () => (await backlog()) === 0, 60_000, 'the outbox emptying');
    const doneAt = Date.now();
    const [survivor] = live;

    // Every push exactly once per chat: in a message of its own or inside a grouped one.
    const seen = new Map<string, RecordedCall[]>();
    for (const c of sent()) {
      const text = String(c.payload.text);
      const inIt = pushesIn(text);
      const header = GROUP_HEADER.exec(text);
      expect(header ? Number(header[1]) : 1, `pushes named in message ${(c.result as { message_id: number }).message_id}: ${text.slice(0, 300)}`).toBe(inIt.length);
      for (const n of inIt) {
        const key = `${c.payload.chat_id}/${pushName(n)}`;
        seen.set(key, [...(seen.get(key) ?? []), c]);
      }
    }
    const wrong: string[] = [];
    const resent: string[] = [];
    for (const chat of CHATS) {
      for (let n = 1; n <= PUSHES; n++) {
        const calls = seen.get(`${chat}/${pushName(n)}`) ?? [];
        if (calls.length === 2 && killed?.inFlight.has(`${chat}/${pushName(n)}`)) {
          resent.push(`${chat}/${pushName(n)}`);
          continue;
        }
        if (calls.length !== 1) {
          const times = calls.map((c) => `${c.at - (killed?.at ?? 0)} ms after the kill (message ${(c.result as { message_id: number }).message_id})`);
          wrong.push(`${chat} ${pushName(n)}: ${calls.length}× ${times.join(', ')}`);
        }
      }
    }
    const explain = wrong.length === 0 ? '' : await explainDuplicates(seen, killed?.at ?? 0, replicas);
    // Exactly once, except a second copy of a push the killed replica had in flight (at most one).
    expect(wrong, `pushes not delivered exactly once (kill at ${killed?.at}, ${killed?.sending} rows were 'sending' then)${explain}`).toEqual([]);
    expect(seen.size).toBe(PUSHES * CHATS.length);

    // Never more than 1 message/s in a chat, and nothing refused by the Bot API's limits.
    const limited = telegram.calls.filter((c) => ourChat(c) && ['sendMessage', 'editMessageText', 'editMessageReplyMarkup', 'sendDocument'].includes(c.method));
    const gaps = CHATS.map((chat) => {
      const at = limited.filter((c) => Number(c.payload.chat_id) === chat).map((c) => c.at);
      return { chat, calls: at.length, minGapMs: Math.min(...at.slice(1).map((t, i) => t - at[i]!)) };
    });
    expect(gaps.filter((g) => g.minGapMs < 1000), JSON.stringify(gaps)).toEqual([]);
    expect(telegram.calls.filter((c) => c.status === 429).map((c) => `${c.method} ${String(c.payload.chat_id)} at ${c.at}`)).toEqual([]);
    expect(limited.filter((c) => c.status !== 200).map((c) => `${c.method} ${c.status}`)).toEqual([]);

    // Each of the 1,000 rows ended sent (grouped rows carry the group's message id).
    const { rows: states } = await db.pool.query<{ state: string; n: string }>(`SELECT state, count(*) AS n FROM outbox_message GROUP BY state ORDER BY state`);
    expect(states.map((s) => `${s.state}: ${s.n}`)).toEqual([`sent: ${PUSHES * CHATS.length}`]);

    // The kill mattered: the killed replica held lanes, and their chats got pushes after it died.
    expect(killed!.lanes.length).toBeGreaterThan(0);
    const resumed = killed!.lanes.map((chat) => {
      const after = sent().filter((c) => Number(c.payload.chat_id) === chat && c.at > killed!.at);
      return { chat, firstAfterKillMs: after.length > 0 ? after[0]!.at - killed!.at : undefined, sendsAfterKill: after.length };
    });
    expect(resumed.filter((r) => r.sendsAfterKill === 0)).toEqual([]);
    for (const r of replicas) expect(errors(r), r.name).toEqual({});

    const groupSizes = sent().map((c) => pushesIn(String(c.payload.text)).length);
    // How long a sent message stays unmarked after it reached the Bot API (a SIGKILL then sends it twice):
    // from its arrival at the fake to the moment its replica began to mark its rows sent (the rows' ended_at;
    // the marking UPDATE's own time comes on top).
    const { rows: ends } = await db.pool.query<{ chat_id: string; message_id: string; ended: string }>(
      `SELECT chat_id, message_id, min(ended_at) AS ended FROM outbox_message WHERE state = 'sent' GROUP BY chat_id, message_id`,
    );
    const endOf = new Map(ends.map((e) => [`${e.chat_id}/${e.message_id}`, Number(e.ended)]));
    const unmarked = sent()
      .map((c) => (endOf.get(`${String(c.payload.chat_id)}/${(c.result as { message_id: number }).message_id}`) ?? NaN) - c.at)
      .filter((ms) => Number.isFinite(ms))
      .sort((x, y) => x - y);
    const pct = (q: number) => unmarked[Math.min(unmarked.length - 1, Math.floor(q * unmarked.length))];
    process.stderr.write(
      `outbox-kill e2e: ${replicas.length} replicas, ${PUSHES} deliveries × ${CHATS.length} chats; killed ${killed!.replica.name} ` +
        `${killed!.at - startedAt} ms in with ${killed!.deliveredBefore} pushes delivered, holding ${killed!.lanes.length} lanes (the other ${killed!.otherLanes}) ` +
        `(${killed!.sending} rows 'sending', ${resent.length} of them sent again); takeover first sends after ${resumed.map((r) => r.firstAfterKillMs).join('/')} ms; ` +
        `last delivery posted after ${postedAt - startedAt} ms, outbox empty after ${doneAt - startedAt} ms; ` +
        `${groupSizes.length} messages (largest group ${Math.max(...groupSizes)}), min gap per chat ${Math.min(...gaps.map((g) => g.minGapMs))} ms; ` +
        `at the Bot API→marking begun p50 ${pct(0.5)} p99 ${pct(0.99)} max ${pct(1)} ms; ` +
        `messages sent by ${replicas.map((r) => `${r.name} ${sent().filter((c) => c.via === r.name).length}`).join(', ')} ` +
        `(${sent().filter((c) => c.via === killed!.replica.name && c.at >= killed!.at).length} of ${killed!.replica.name}'s arrived after its SIGKILL); ` +
        `warnings: ${replicas.map((r) => `${r.name} ${JSON.stringify(warnings(r))}`).join(', ')}\n`,
    );

    survivor!.bot.child.kill('SIGTERM');
    expect(await within(survivor!.bot.exited, SHUTDOWN_TIMEOUT_MS + 10_000, 'the survivor exiting after SIGTERM')).toEqual({ code: 0, signal: null });
  }, 150_000);
});
