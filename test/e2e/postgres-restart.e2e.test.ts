/**
 * PostgreSQL restarted under the BUILT bot (issue 10): the bot runs on a private cluster the test starts
 * (test/support/private-postgres.ts), which is stopped for about 10 s and started again while commands and a
 * Confirm click arrive as Telegram updates (webhook mode, local fake Bot API; an update answered with a
 * non-2xx status is posted again, as Telegram re-sends it).
 *
 * While the database is away, what needs it is answered with the outage sentence, what does not is answered
 * as usual, and the Confirm is refused with the sentence in the clicker's alert. Afterwards: audit_log holds
 * one row per command and click sent, those of the outage with the time they arrived (spooled in Redis
 * meanwhile, nothing counted twice), the clicked action is still pending, and clicking Confirm again runs it.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { type BotProcess, freePort, requireBuiltBot, serverBotEnv, spawnBot, waitForHttp, within, writeTempConfig } from '../support/e2e-bot.js';
import { TELEGRAM_USER_ID } from '../support/e2e-fixture.js';
import { FAKE_BOT, FakeTelegramApi, type RecordedCall } from '../support/e2e-telegram-api.js';
import { dockerHostUrl, PodmanFixture, requireEngine } from '../support/podman.js';
import { type PrivatePostgres, startPrivatePostgres } from '../support/private-postgres.js';
import { migrateDeploy } from '../../scripts/db/migrate-commands.js';
import { redisOptions } from '../../src/bot/redis-connection.js';

const TOKEN = '123456789:AAE2eFakeTokenForDeckhandPgRestart_xyz';
const SECRET = `whsec_${randomBytes(12).toString('hex')}`;
const SHUTDOWN_TIMEOUT_MS = 5000;
const QUEUE_PREFIX = `e2e-pg-restart-${randomBytes(4).toString('hex')}`;
const OUTAGE_MS = 10_000;
const DATABASE_UNAVAILABLE = 'Deckhand cannot reach its database right now; nothing was changed. Try again in a minute.';
const ALICE = { id: TELEGRAM_USER_ID, is_bot: false, first_name: 'Alice', username: 'alice_e2e' };
const PRIVATE_CHAT = { id: TELEGRAM_USER_ID, type: 'private', first_name: 'Alice' };

let database: PrivatePostgres;
let rows: pg.Pool;
let podman: PodmanFixture;
let telegram: FakeTelegramApi;
let bot: BotProcess;
let base: string;
const quick: string[] = [];
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  requireBuiltBot();
  podman = new PodmanFixture(await requireEngine(), 'pg-restart-e2e');
  cleanups.push(() => podman.cleanup());
  database = await startPrivatePostgres();
  cleanups.push(() => database.destroy());
  await migrateDeploy({ url: database.url });
  rows = new pg.Pool({ connectionString: database.url, max: 1 });
  rows.on('error', () => {}); // its idle connection dies with the server
  cleanups.push(() => rows.end());
  // Containers that stop at once on SIGTERM and print a line at every start, so the restart can be seen.
  for (const n of [1, 2]) {
    const name = podman.name(`quick-${n}`);
    await podman.create({
      name,
      labels: { 'deckhand.e2e': podman.runId, 'deckhand.e2e.app': 'quick' },
      Cmd: ['sh', '-c', "echo deckhand-e2e-boot; trap 'exit 0' TERM; sleep 3600 & wait"],
      StopTimeout: 2,
    });
    quick.push(name);
  }
  const config = await writeTempConfig(`# written by test/e2e/postgres-restart.e2e.test.ts
hosts:
  local: { url: "${dockerHostUrl()}" }
projects:
  shop:
    environments:
      prod:
        services:
          quick: { host: local, labels: { deckhand.e2e: ${podman.runId}, deckhand.e2e.app: quick } }
people:
  - id: alice
    name: Alice E2E
    telegram: ${TELEGRAM_USER_ID}
    roles: [{ role: admin, project: shop }]
actions:
  healthGrace: 1s
`);
  cleanups.push(() => config.remove());
  telegram = new FakeTelegramApi();
  const apiRoot = await telegram.start();
  cleanups.push(() => telegram.stop());
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  bot = spawnBot(
    [],
    serverBotEnv({ configFile: config.file, databaseUrl: database.url, port, telegram: { token: TOKEN, apiRoot, webhookSecret: SECRET }, queuePrefix: QUEUE_PREFIX, shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS }),
  );
  cleanups.push(() => bot.kill());
  let alive = true;
  void bot.exited.then(() => (alive = false));
  await waitForHttp(`${base}/readyz`, 200, 30_000, () => alive);
}, 120_000);

afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn();
  // The queues, spool and outage records the bot kept under its prefix.
  const redis = new Redis(redisOptions(process.env.REDIS_URL || 'redis://127.0.0.1:6379'));
  try {
    for await (const keys of redis.scanStream({ match: `${QUEUE_PREFIX}:*`, count: 200 })) if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
  } finally {
    redis.disconnect();
  }
}, 120_000);

let updateId = 840_000;
/** Commands and clicks posted (each is one audit row). */
let sent = 0;

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
    callback_query: { id: `cbq-${id}`, from: ALICE, chat_instance: '-5550004', data, message: { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: PRIVATE_CHAT, from: FAKE_BOT, text: 'Restart' } },
  };
}

/** Webhook answers other than 200 seen (each made Telegram post the update again). */
const redelivered: number[] = [];

/** Posts an update as Telegram does: again (after a short pause) while the webhook answers a non-2xx status. */
async function postUpdate(update: { update_id: number }): Promise<void> {
  sent++;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await fetch(`${base}/telegram/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
      body: JSON.stringify(update),
      signal: AbortSignal.timeout(15_000),
    });
    await res.body?.cancel();
    if (res.status === 200) return;
    redelivered.push(res.status);
    if (Date.now() > deadline) throw new Error(`update ${update.update_id} still answered ${res.status} after 60 s`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** Sends a command and waits for its reply in the chat (the message the bot sent after it). */
async function say(text: string): Promise<string> {
  const from = telegram.calls.length;
  await postUpdate(command(text));
  const reply = await telegram.waitForCall('sendMessage', (c) => Number(c.payload.chat_id) === TELEGRAM_USER_ID && c.status === 200, { from, timeoutMs: 15_000 });
  return String(reply.payload.text);
}

/** Clicks a button and waits for the answer to the click. */
async function press(messageId: number, data: string): Promise<RecordedCall> {
  const from = telegram.calls.length;
  const update = click(messageId, data);
  await postUpdate(update);
  return telegram.waitForCall('answerCallbackQuery', (c) => c.payload.callback_query_id === update.callback_query.id && c.status === 200, { from, timeoutMs: 15_000 });
}

const buttonsOf = (markup: unknown) => (markup as { inline_keyboard?: { text: string; callback_data: string }[][] } | undefined)?.inline_keyboard?.flat() ?? [];
const count = async (sql: string, params: unknown[] = []) => Number((await rows.query<{ n: string }>(sql, params)).rows[0]!.n);
/** Audit rows of what Alice sent (the action's own run is audited as the bot, `deckhand`). */
const ALICES = `audit_log WHERE platform_user_id = '${TELEGRAM_USER_ID}'`;
const readiness = async () => (await (await fetch(`${base}/readyz`)).json()) as { checks: { name: string; ok: boolean }[] };
const databaseOk = async () => (await readiness()).checks.find((c) => c.name === 'database')?.ok;

async function waitUntil(cond: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** How often the container was started: its command prints one line per start into its (kept) log. */
async function startsOf(name: string): Promise<number> {
  const logs = await podman.docker.getContainer(name).logs({ stdout: true, stderr: true, follow: false });
  return String(logs).split('deckhand-e2e-boot').length - 1;
}

describe('PostgreSQL stopped for 10 s under the bot, and started again', () => {
  it('answers what needs it with the outage sentence, audits every command and click once, and the refused Confirm works afterwards', async () => {
    onTestFailed(() => void process.stderr.write(`postgres restart e2e: the bot's log:\n${bot.stdout().slice(-20_000)}\n${bot.stderr().slice(-5_000)}\n`));
    // Given: a restart request waiting for Confirm, and a command, while the database is up.
    const from = telegram.calls.length;
    await postUpdate(command('/restart quick prod'));
    const asked = await telegram.waitForCall('sendMessage', (c) => buttonsOf(c.payload.reply_markup).some((b) => b.text === 'Confirm'), { from });
    const confirm = buttonsOf(asked.payload.reply_markup).find((b) => b.text === 'Confirm')!.callback_data;
    const pendingId = /^act\.confirm:(\S+)$/.exec(confirm)?.[1] ?? '';
    expect(pendingId).not.toBe('');
    const askedId = (asked.result as { message_id: number }).message_id;
    expect(await say('/whoami')).toContain('Alice E2E');
    await waitUntil(async () => (await count(`SELECT count(*) AS n FROM ${ALICES}`)) === sent, 10_000, 'the audit rows of the commands before the outage');
    const before = sent;

    // When: PostgreSQL stops (the bot's readiness says so)…
    await database.stop();
    const down = new Date();
    await waitUntil(async () => (await databaseOk()) === false, 10_000, '/readyz reporting the database down');

    // …and commands and the Confirm click arrive while it is away.
    const outage: Record<string, string> = {};
    for (const text of ['/status', '/deploys shop', '/lock shop prod release', '/whoami', '/restart quick prod']) outage[text] = await say(text);
    const refusedClick = await press(askedId, confirm);
    const during = sent - before;
    const waited = Date.now() - down.getTime();
    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - waited)));
    await database.start();
    const up = new Date();

    // Then, during the outage: what needed the database got the sentence, the rest its usual answer.
    for (const text of ['/deploys shop', '/lock shop prod release', '/restart quick prod']) expect(outage[text], text).toContain(DATABASE_UNAVAILABLE);
    expect(outage['/status']).toMatch(/2 running/);
    expect(outage['/whoami']).toContain('Alice E2E');
    expect(refusedClick.payload).toMatchObject({ show_alert: true, text: DATABASE_UNAVAILABLE });

    // After recovery: the spooled audit entries are flushed with their original times, each once.
    await waitForHttp(`${base}/readyz`, 200, 20_000);
    await waitUntil(async () => (await count(`SELECT count(*) AS n FROM ${ALICES}`)) >= sent, 20_000, 'the spooled audit entries reaching audit_log');
    expect(await count(`SELECT count(*) AS n FROM ${ALICES} AND at >= $1 AND at <= $2`, [down, up])).toBe(during);
    expect(await count(`SELECT count(*) AS n FROM audit_log WHERE detail = 'database unavailable' AND outcome = 'error'`)).toBe(4);
    // The Confirm clicked during the outage did not expire the request: it is still pending…
    expect((await rows.query('SELECT status FROM pending_action WHERE id = $1', [pendingId])).rows).toEqual([{ status: 'pending' }]);
    expect(await Promise.all(quick.map(startsOf))).toEqual([1, 1]);

    // …and clicking Confirm again runs the restart, once.
    const editsFrom = telegram.calls.length;
    const confirmed = await press(askedId, confirm);
    expect(confirmed.payload.show_alert, String(confirmed.payload.text)).toBeUndefined();
    const isOurs = (c: RecordedCall) => Number(c.payload.chat_id) === TELEGRAM_USER_ID && Number(c.payload.message_id) === askedId;
    const done = await telegram.waitForCall('editMessageText', (c) => isOurs(c) && String(c.payload.text).includes('(succeeded)'), { from: editsFrom, timeoutMs: 30_000 });
    expect(done.payload.text).toContain('Restarted 2 containers, all healthy.');
    expect((await rows.query('SELECT status, claimed_by FROM pending_action WHERE id = $1', [pendingId])).rows).toEqual([{ status: 'succeeded', claimed_by: 'alice' }]);
    expect(await Promise.all(quick.map(startsOf))).toEqual([2, 2]);

    // The quiet point: a graceful exit flushes whatever audit entries are still spooled.
    bot.child.kill('SIGTERM');
    expect(await within(bot.exited, SHUTDOWN_TIMEOUT_MS + 10_000, 'the bot exiting after SIGTERM')).toEqual({ code: 0, signal: null });
    expect(await count(`SELECT count(*) AS n FROM ${ALICES}`)).toBe(sent);
    expect(await count(`SELECT count(DISTINCT entry_key) AS n FROM ${ALICES}`)).toBe(sent);
    const { rows: ran } = await rows.query(`SELECT intent, outcome FROM audit_log WHERE platform_user_id = 'deckhand'`);
    expect(ran).toEqual([{ intent: 'restart.ran', outcome: 'ok' }]);
    expect(await count(`SELECT count(*) AS n FROM audit_log WHERE intent = 'action' AND detail = 'database unavailable'`)).toBe(1);
    process.stderr.write(
      `postgres restart e2e: ${sent} commands and clicks (${during} during a ${up.getTime() - down.getTime()} ms outage), ${redelivered.length} webhook answers other than 200 (${[...new Set(redelivered)].join(', ') || 'none'})\n`,
    );
  }, 90_000);
});
