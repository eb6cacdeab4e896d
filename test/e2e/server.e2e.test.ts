/**
 * The built bot in server mode: Telegram in webhook mode against a local fake Bot API, real PostgreSQL,
 * Redis and Podman. Asserts on HTTP answers, the Bot API calls the bot made, and how it shuts down.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotProcess, freePort, requireBuiltBot, serverBotEnv, spawnBot, waitForHttp, within, writeTempConfig } from '../support/e2e-bot.js';
import { createE2eWorld, type E2eWorld, PLANTED_SECRET, TELEGRAM_USER_ID } from '../support/e2e-fixture.js';
import { FakeTelegramApi } from '../support/e2e-telegram-api.js';

const TOKEN = '123456789:AAE2eFakeTokenForDeckhandTests_xyz';
const SECRET = `whsec_${randomBytes(12).toString('hex')}`;
const SHUTDOWN_TIMEOUT_MS = 3000;

let world: E2eWorld;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  requireBuiltBot();
  world = await createE2eWorld('server-e2e');
});

afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn();
  await world?.cleanup();
});

interface RunningServer {
  bot: BotProcess;
  base: string;
  telegram: FakeTelegramApi;
}

async function startServer(yaml: string, expectReady = true): Promise<RunningServer> {
  const config = await writeTempConfig(yaml);
  cleanups.push(() => config.remove());
  const telegram = new FakeTelegramApi();
  const apiRoot = await telegram.start();
  cleanups.push(() => telegram.stop());
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const bot = spawnBot(
    [],
    serverBotEnv({ configFile: config.file, databaseUrl: world.db.url, port, telegram: { token: TOKEN, apiRoot, webhookSecret: SECRET }, shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS }),
  );
  cleanups.push(() => bot.kill());
  let alive = true;
  void bot.exited.then(() => (alive = false));
  await waitForHttp(`${base}/healthz`, 200, 20_000, () => alive);
  if (expectReady) await waitForHttp(`${base}/readyz`, 200, 20_000, () => alive);
  return { bot, base, telegram };
}

function statusUpdate(updateId: number, text = '/status') {
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: TELEGRAM_USER_ID, type: 'private', first_name: 'Alice' },
      from: { id: TELEGRAM_USER_ID, is_bot: false, first_name: 'Alice', username: 'alice_e2e' },
      text,
      entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }],
    },
  };
}

function postUpdate(base: string, update: unknown, secret: string | undefined) {
  return fetch(`${base}/telegram/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
    body: JSON.stringify(update),
    signal: AbortSignal.timeout(15_000),
  });
}

describe('deckhand server (built), Telegram webhook mode', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer(world.configYaml());
  });

  it('registers itself with the Bot API at start-up: getMe, setMyCommands, setWebhook with the secret', () => {
    const { telegram } = server;
    expect(telegram.calls.every((c) => c.token === TOKEN)).toBe(true);
    expect(telegram.callsOf('getMe')).toHaveLength(1);
    const commands = telegram.callsOf('setMyCommands')[0]?.payload.commands as { command: string }[];
    expect(commands.map((c) => c.command)).toEqual(expect.arrayContaining(['help', 'status', 'logs', 'env']));
    expect(telegram.callsOf('setWebhook')).toEqual([
      expect.objectContaining({ payload: expect.objectContaining({ url: `${server.base}/telegram/webhook`, secret_token: SECRET }) }),
    ]);
  });

  it('/healthz 200 and /readyz 200 with database, redis, docker and telegram checks ok', async () => {
    expect((await fetch(`${server.base}/healthz`)).status).toBe(200);
    const res = await fetch(`${server.base}/readyz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; checks: { name: string; ok: boolean }[] };
    expect(body.status).toBe('ready');
    expect(body.checks.map((c) => [c.name, c.ok])).toEqual([
      ['database', true],
      ['redis', true],
      ['docker:local', true],
      ['telegram', true],
    ]);
  });

  it('a /status update with the right secret → the bot sends the status to the chat', async () => {
    const before = server.telegram.callsOf('sendMessage').length;
    const res = await postUpdate(server.base, statusUpdate(900001), SECRET);
    expect(res.status).toBe(200);
    const sent = (await server.telegram.waitForCalls('sendMessage', before + 1)).slice(before);
    expect(sent).toHaveLength(1);
    const payload = sent[0]!.payload as { chat_id: number; text: string; parse_mode?: string };
    expect(payload.chat_id).toBe(TELEGRAM_USER_ID);
    expect(payload.parse_mode).toBe('HTML');
    expect(payload.text).toContain('3 running · 1 need attention');
    expect(payload.text).toContain(`web-1-${world.tag}`);
    expect(payload.text).toContain(`web-2-${world.tag}`);
    expect(payload.text).toMatch(/worker[\s\S]*missing/);
    expect(payload.text).not.toContain(PLANTED_SECRET);
  });

  it('the same update delivered again is not answered twice', async () => {
    const before = server.telegram.callsOf('sendMessage').length;
    expect((await postUpdate(server.base, statusUpdate(900001), SECRET)).status).toBe(200);
    expect((await postUpdate(server.base, statusUpdate(900002, '/help'), SECRET)).status).toBe(200);
    const sent = (await server.telegram.waitForCalls('sendMessage', before + 1)).slice(before);
    expect(sent).toHaveLength(1);
    expect(String(sent[0]!.payload.text)).toContain('status');
  });

  it('a wrong or missing secret → 401 and nothing is sent', async () => {
    const before = server.telegram.calls.length;
    expect((await postUpdate(server.base, statusUpdate(900010), 'wrong-secret-0123456789')).status).toBe(401);
    expect((await postUpdate(server.base, statusUpdate(900011), undefined)).status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(server.telegram.calls.slice(before)).toEqual([]);
  });

  it('/metrics counts the status command and the audit log has it', async () => {
    const res = await fetch(`${server.base}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^deckhand_commands_total\{intent="status",outcome="ok"\} 1$/m);
    expect(text).toMatch(/^deckhand_command_duration_seconds_count\{intent="status"\} 1$/m);
    // The gauge is there; and once the replies are out (a reply of the test before may still be on its way
    // under load), nothing waits in the outbox.
    expect(text).toMatch(/^deckhand_outbox_waiting\{platform="telegram"\} \d+$/m);
    const waiting = async () => /^deckhand_outbox_waiting\{platform="telegram"\} (\d+)$/m.exec(await (await fetch(`${server.base}/metrics`)).text())?.[1];
    for (let tries = 0; (await waiting()) !== '0' && tries < 50; tries++) await new Promise((r) => setTimeout(r, 100));
    expect(await waiting()).toBe('0');
    const { rows } = await world.db.pool.query<{ platform: string; person_id: string; intent: string; outcome: string }>(
      "SELECT platform, person_id, intent, outcome FROM audit_log WHERE platform = 'telegram' ORDER BY id",
    );
    expect(rows).toEqual([
      { platform: 'telegram', person_id: 'alice', intent: 'status', outcome: 'ok' },
      { platform: 'telegram', person_id: 'alice', intent: 'help', outcome: 'ok' },
    ]);
  });

  it('SIGTERM → exits 0 within the shutdown timeout', async () => {
    const started = Date.now();
    server.bot.child.kill('SIGTERM');
    const exit = await within(server.bot.exited, SHUTDOWN_TIMEOUT_MS + 2000, 'exit after SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    expect(server.bot.stderr()).not.toMatch(/\n\s+at /);
  });
});

describe('deckhand server (built) with an unreachable second Docker host', () => {
  it('/readyz 503 naming that host’s check; the others stay ok', async () => {
    const nowhere = `unix:///tmp/deckhand-e2e-nowhere-${randomBytes(4).toString('hex')}.sock`;
    const { base, bot } = await startServer(world.configYaml({ edge: nowhere }), false);
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; checks: { name: string; ok: boolean; error?: string }[] };
    expect(body.status).toBe('not_ready');
    const byName = Object.fromEntries(body.checks.map((c) => [c.name, c]));
    expect(byName['docker:edge']).toMatchObject({ ok: false, error: expect.any(String) });
    expect(byName['docker:local']?.ok).toBe(true);
    expect(byName['database']?.ok).toBe(true);
    expect(byName['redis']?.ok).toBe(true);
    expect(JSON.stringify(body)).not.toContain('/tmp/deckhand-e2e-nowhere');
    bot.child.kill('SIGTERM');
    expect(await within(bot.exited, SHUTDOWN_TIMEOUT_MS + 2000, 'exit after SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
