/**
 * Two replicas of the BUILT bot as one deployment (issue 10): one PostgreSQL schema, one Redis, one
 * QUEUE_PREFIX, one bot token, driven from outside. Telegram is the local fake Bot API; Alertmanager's
 * webhook is posted by the test itself (with the bearer token), as each Alertmanager peer would post it.
 *
 * 1. Webhook mode: a restart asked at replica A and confirmed at replica B runs once (one claim, one
 *    deployment row, each container restarted once) and its progress edits reach the confirm message.
 * 2. One Alertmanager notification posted to both replicas at the same moment opens one incident and posts
 *    one FIRING message; the quiet point is both replicas' graceful exit, which drains their delivery queues.
 * 3. Long polling: a fake that answers 409 to a second concurrent getUpdates sees one poller at a time, and
 *    after SIGKILL of the poller the other replica takes the lease over and answers a command within 15 s.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotProcess, freePort, requireBuiltBot, serverBotEnv, spawnBot, waitForHttp, within, writeTempConfig } from '../support/e2e-bot.js';
import { createE2eWorld, type E2eWorld, TELEGRAM_USER_ID } from '../support/e2e-fixture.js';
import { FAKE_BOT, FakeTelegramApi, type RecordedCall } from '../support/e2e-telegram-api.js';
import { dockerHostUrl } from '../support/podman.js';
import { redisOptions } from '../../src/bot/redis-connection.js';

const TOKEN = '123456789:AAE2eFakeTokenForDeckhandReplicas_xyz';
const SECRET = `whsec_${randomBytes(12).toString('hex')}`;
const AM_TOKEN = `am-e2e-${randomBytes(12).toString('hex')}`;
const GROUP_CHAT = -1001234500099;
const SHUTDOWN_TIMEOUT_MS = 5000;
/** Both replicas of each pair share it, as one deployment does; other e2e files use their own. */
const QUEUE_PREFIX = `e2e-replicas-${randomBytes(4).toString('hex')}`;
const ALICE = { id: TELEGRAM_USER_ID, is_bot: false, first_name: 'Alice', username: 'alice_e2e' };
const PRIVATE_CHAT = { id: TELEGRAM_USER_ID, type: 'private', first_name: 'Alice' };

let world: E2eWorld;
let configFile: string;
const quick: string[] = [];
const cleanups: (() => Promise<void> | void)[] = [];

interface Replica {
  name: string;
  bot: BotProcess;
  base: string;
}

beforeAll(async () => {
  requireBuiltBot();
  world = await createE2eWorld('replicas-e2e');
  // Containers that stop at once on SIGTERM and print a line at every start, so restarts can be counted.
  for (const n of [1, 2]) {
    const name = world.podman.name(`quick-${n}`);
    await world.podman.create({
      name,
      labels: { 'deckhand.e2e': world.tag, 'deckhand.e2e.app': 'quick' },
      Cmd: ['sh', '-c', "echo deckhand-e2e-boot; trap 'exit 0' TERM; sleep 3600 & wait"],
      StopTimeout: 2,
    });
    quick.push(name);
  }
  const config = await writeTempConfig(`# written by test/e2e/replicas.e2e.test.ts
hosts:
  local: { url: "${dockerHostUrl()}" }
projects:
  shop:
    environments:
      prod:
        services:
          quick: { host: local, labels: { deckhand.e2e: ${world.tag}, deckhand.e2e.app: quick } }
people:
  - id: alice
    name: Alice E2E
    telegram: ${TELEGRAM_USER_ID}
    roles: [{ role: admin, project: shop }]
chats:
  - { platform: telegram, id: ${GROUP_CHAT}, projects: [shop] }
actions:
  healthGrace: 1s
`);
  cleanups.push(() => config.remove());
  configFile = config.file;
});

afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn();
  await world?.cleanup();
  // The queues, leases and rate windows the replicas kept under their prefix.
  const redis = new Redis(redisOptions(process.env.REDIS_URL || 'redis://127.0.0.1:6379'));
  try {
    for await (const keys of redis.scanStream({ match: `${QUEUE_PREFIX}:*`, count: 200 })) if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
  } finally {
    redis.disconnect();
  }
});

async function startReplica(name: string, apiRoot: string, polling: boolean): Promise<Replica> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = serverBotEnv(
    { configFile, databaseUrl: world.db.url, port, telegram: { token: TOKEN, apiRoot, webhookSecret: SECRET }, queuePrefix: QUEUE_PREFIX, shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS },
    // Unset and blank are the same: without a webhook URL the bot long-polls.
    { ALERTMANAGER_WEBHOOK_TOKEN: AM_TOKEN, ...(polling ? { TELEGRAM_WEBHOOK_URL: '', TELEGRAM_WEBHOOK_SECRET: '' } : {}) },
  );
  const bot = spawnBot([], env);
  cleanups.push(() => bot.kill());
  let alive = true;
  void bot.exited.then(() => (alive = false));
  await waitForHttp(`${base}/readyz`, 200, 30_000, () => alive);
  return { name, bot, base };
}

async function waitUntil(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let updateId = 810_000;

function command(text: string) {
  const id = ++updateId;
  return {
    update_id: id,
    message: { message_id: id, date: Math.floor(Date.now() / 1000), chat: PRIVATE_CHAT, from: ALICE, text, entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }] },
  };
}

function click(messageId: number, data: string) {
  const id = ++updateId;
  return {
    update_id: id,
    callback_query: { id: `cbq-${id}`, from: ALICE, chat_instance: '-5550002', data, message: { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: PRIVATE_CHAT, from: FAKE_BOT, text: 'Restart' } },
  };
}

async function postUpdate(replica: Replica, update: unknown): Promise<void> {
  const res = await fetch(`${replica.base}/telegram/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
    body: JSON.stringify(update),
    signal: AbortSignal.timeout(15_000),
  });
  expect(res.status, `${replica.name} webhook answer`).toBe(200);
}

/** How often the container was started: its command prints one line per start into its (kept) log. */
async function startsOf(name: string): Promise<number> {
  const logs = await world.podman.docker.getContainer(name).logs({ stdout: true, stderr: true, follow: false });
  return String(logs).split('deckhand-e2e-boot').length - 1;
}

const buttonsOf = (markup: unknown) => (markup as { inline_keyboard?: { text: string; callback_data: string }[][] } | undefined)?.inline_keyboard?.flat() ?? [];
const logLines = (r: Replica, msg: string) => r.bot.stdout().split('\n').filter((l) => l.includes(`"msg":"${msg}"`));

describe('two replicas in webhook mode', () => {
  let telegram: FakeTelegramApi;
  let a: Replica;
  let b: Replica;

  beforeAll(async () => {
    telegram = new FakeTelegramApi();
    const apiRoot = await telegram.start();
    cleanups.push(() => telegram.stop());
    [a, b] = await Promise.all([startReplica('a', apiRoot, false), startReplica('b', apiRoot, false)]);
  }, 40_000);

  it('a restart asked at replica A and confirmed at replica B runs once, and its progress reaches the confirm message', async () => {
    expect(await Promise.all(quick.map(startsOf))).toEqual([1, 1]);

    // Given: the request answered by replica A with a Confirm button.
    let from = telegram.calls.length;
    await postUpdate(a, command('/restart quick prod'));
    const asked = await telegram.waitForCall('sendMessage', (c) => buttonsOf(c.payload.reply_markup).some((btn) => btn.text === 'Confirm'), { from });
    const confirm = buttonsOf(asked.payload.reply_markup).find((btn) => btn.text === 'Confirm')!.callback_data;
    const pendingId = /^act\.confirm:(\S+)$/.exec(confirm)?.[1] ?? '';
    expect(pendingId).not.toBe('');
    const messageId = (asked.result as { message_id: number }).message_id;

    // When: the click reaches replica B, and a second click of the same button reaches replica A.
    from = telegram.calls.length;
    const first = click(messageId, confirm);
    await postUpdate(b, first);
    const answer = await telegram.waitForCall('answerCallbackQuery', (c) => c.payload.callback_query_id === first.callback_query.id, { from });
    expect(answer.payload.show_alert, String(answer.payload.text)).toBeUndefined();
    const again = click(messageId, confirm);
    await postUpdate(a, again);
    const refused = await telegram.waitForCall('answerCallbackQuery', (c) => c.payload.callback_query_id === again.callback_query.id, { from });
    expect(refused.payload).toMatchObject({ show_alert: true, text: expect.stringMatching(/^(Already confirmed by Alice E2E|This already ran \(succeeded\))/) });

    // Then: the confirm message is edited while it runs and ends succeeded.
    const isOurs = (c: RecordedCall) => Number(c.payload.chat_id) === TELEGRAM_USER_ID && Number(c.payload.message_id) === messageId;
    const done = await telegram.waitForCall('editMessageText', (c) => isOurs(c) && String(c.payload.text).includes('(succeeded)'), { from, timeoutMs: 30_000 });
    expect(done.payload.text).toContain('Restarted 2 containers, all healthy.');
    const edits = telegram.callsOf('editMessageText').filter(isOurs).map((c) => String(c.payload.text));
    expect(edits.some((t) => t.includes('(running)')), edits.join('\n---\n')).toBe(true);
    expect(edits.filter((t) => t.includes('(succeeded)'))).toHaveLength(1);

    // One execution: one claim by Alice, one deployment row, each container started once more.
    const { rows: actions } = await world.db.pool.query<{ status: string; claimed_by: string }>('SELECT status, claimed_by FROM pending_action WHERE id = $1', [pendingId]);
    expect(actions).toEqual([{ status: 'succeeded', claimed_by: 'alice' }]);
    const { rows: deployments } = await world.db.pool.query<{ kind: string; service: string; status: string }>('SELECT kind, service, status FROM deployment WHERE action_id = $1', [pendingId]);
    expect(deployments).toEqual([{ kind: 'restart', service: 'quick', status: 'succeeded' }]);
    expect(await Promise.all(quick.map(startsOf))).toEqual([2, 2]);
    const ran = [a, b].map((r) => `${r.name}: ${logLines(r, 'action finished').length}`).join(', ');
    process.stderr.write(`replicas e2e: restart requested at a, confirmed at b; ran once (finished log lines ${ran})\n`);
  }, 45_000);

  it('one Alertmanager notification posted to both replicas at once opens one incident and posts one FIRING message', async () => {
    const alertname = `DeckhandReplicas${randomBytes(4).toString('hex')}`;
    const groupKey = `{}:{alertname="${alertname}"}`;
    const labels = { alertname, project: 'shop', service: 'quick', env: 'prod' };
    const payload = JSON.stringify({
      version: '4',
      groupKey,
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'deckhand',
      groupLabels: { alertname },
      commonLabels: labels,
      commonAnnotations: { summary: 'quick is slow' },
      externalURL: 'http://alertmanager.invalid:9093',
      alerts: [{ status: 'firing', labels, annotations: { summary: 'quick is slow' }, startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: '0001-01-01T00:00:00Z', fingerprint: randomBytes(8).toString('hex') }],
    });
    const post = (r: Replica) =>
      fetch(`${r.base}/webhooks/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${AM_TOKEN}` }, body: payload, signal: AbortSignal.timeout(15_000) });

    // When: the same notification reaches both replicas at the same moment.
    const answers = await Promise.all([post(a), post(b)]);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    const outcomes = (await Promise.all(answers.map((r) => r.json()))) as { incidents: { id: string; change: string }[] }[];
    const changes = outcomes.flatMap((o) => o.incidents);
    expect(changes.map((c) => c.change).sort()).toEqual(['opened', 'unchanged']);
    expect(changes[0]!.id).toBe(changes[1]!.id);

    // Then: one open incident for the group, and its message in the group chat.
    const { rows } = await world.db.pool.query<{ id: string; status: string }>('SELECT id, status FROM incident WHERE group_key = $1', [groupKey]);
    expect(rows).toEqual([{ id: changes[0]!.id, status: expect.any(String) }]);
    const firing = () => telegram.callsOf('sendMessage').filter((c) => Number(c.payload.chat_id) === GROUP_CHAT && String(c.payload.text).includes(`FIRING (1): ${alertname}`));
    await telegram.waitForCall('sendMessage', (c) => firing().includes(c), { timeoutMs: 15_000 });

    // The quiet point: both replicas stop gracefully, which sends (or reports) whatever they still had queued.
    for (const r of [a, b]) r.bot.child.kill('SIGTERM');
    const exits = await within(Promise.all([a, b].map((r) => r.bot.exited)), SHUTDOWN_TIMEOUT_MS + 10_000, 'both replicas exit');
    expect(exits).toEqual([{ code: 0, signal: null }, { code: 0, signal: null }]);
    for (const r of [a, b]) expect(logLines(r, 'pushes still queued at shutdown were dropped'), r.name).toEqual([]);
    expect(firing()).toHaveLength(1);
  }, 40_000);
});

describe('two replicas in long-polling mode', () => {
  it('poll one at a time, and the other takes over within 15 s after the poller is killed', async () => {
    // Given: a Bot API that refuses a second concurrent getUpdates, and two replicas long-polling it.
    const telegram = new FakeTelegramApi({ polling: true });
    const apiRoot = await telegram.start();
    cleanups.push(() => telegram.stop());
    const replicas = await Promise.all([startReplica('p1', apiRoot, true), startReplica('p2', apiRoot, true)]);
    const holders = () => replicas.filter((r) => logLines(r, 'telegram polling lease taken').length > 0);
    await waitUntil(() => holders().length > 0, 15_000, 'a replica taking the polling lease');
    const [poller] = holders();
    const standby = replicas.find((r) => r !== poller)!;

    const replies = () => telegram.callsOf('sendMessage').filter((c) => Number(c.payload.chat_id) === TELEGRAM_USER_ID);
    const status = command('/status');
    telegram.pushUpdate(status);
    await waitUntil(() => replies().length >= 1, 15_000, 'the reply to /status through long polling');
    expect(String(replies()[0]!.payload.text)).toContain('2 running');
    // The poller asked past that update (it is confirmed), so a later poller does not get it again.
    await telegram.waitForCall('getUpdates', (c) => Number(c.payload.offset) > status.update_id);
    expect(holders()).toEqual([poller]);
    expect(telegram.conflicts).toBe(0);

    // When: the poller is killed, and a command waits at the Bot API.
    const killedAt = Date.now();
    poller!.bot.child.kill('SIGKILL');
    await within(poller!.bot.exited, 5_000, 'the poller exiting after SIGKILL');
    telegram.pushUpdate(command('/status'));

    // Then: the standby takes the lease within 15 s (the first getUpdates it makes as the poller, at the Bot
    // API), answers the waiting command, and no two getUpdates ever overlapped. The answer's own time (handle,
    // outbox, lane, send) comes on top of the takeover and is bounded separately: on a loaded CI machine it
    // once pushed the whole past 16 s.
    const pollsBefore = telegram.callsOf('getUpdates').length;
    await waitUntil(() => logLines(standby, 'telegram polling lease taken').length > 0 && telegram.callsOf('getUpdates').length > pollsBefore, 15_000, 'the standby taking the polling lease and polling');
    const tookOverMs = Date.now() - killedAt;
    expect(tookOverMs).toBeLessThan(15_000);
    await waitUntil(() => replies().length >= 2, 15_000, 'the standby answering after the takeover');
    const answeredMs = Date.now() - killedAt;
    expect(logLines(standby, 'telegram polling lease taken')).toHaveLength(1);
    expect(replies()).toHaveLength(2);
    expect(telegram.conflicts).toBe(0);
    expect((await fetch(`${standby.base}/readyz`)).status).toBe(200);
    process.stderr.write(`replicas e2e: ${standby.name} took over ${tookOverMs} ms and answered ${answeredMs} ms after ${poller!.name} was killed\n`);

    standby.bot.child.kill('SIGTERM');
    expect(await within(standby.bot.exited, SHUTDOWN_TIMEOUT_MS + 5_000, 'the standby exiting after SIGTERM')).toEqual({ code: 0, signal: null });
  }, 60_000);
});
