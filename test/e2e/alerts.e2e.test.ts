/**
 * Alerting end to end: a real Alertmanager (a private instance, test/support/e2e-alertmanager.ts) sends its
 * webhook to the BUILT bot, which posts the alert group to the project's Telegram group (a local fake Bot
 * API); the operator's clicks on Silence and Acknowledge arrive as Telegram updates (webhook mode). Asserts
 * on the Bot API calls the bot made and on the silence Alertmanager itself reports.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotProcess, freePort, requireBuiltBot, serverBotEnv, spawnBot, waitForHttp, within, writeTempConfig } from '../support/e2e-bot.js';
import { type PrivateAlertmanager, startPrivateAlertmanager } from '../support/e2e-alertmanager.js';
import { createE2eWorld, type E2eWorld, TELEGRAM_USER_ID } from '../support/e2e-fixture.js';
import { FAKE_BOT, FakeTelegramApi, type RecordedCall } from '../support/e2e-telegram-api.js';
import { dockerHostUrl } from '../support/podman.js';

const TOKEN = '123456789:AAE2eFakeTokenForDeckhandAlerts_xyz';
const SECRET = `whsec_${randomBytes(12).toString('hex')}`;
const AM_TOKEN = `am-e2e-${randomBytes(12).toString('hex')}`;
const GROUP_CHAT = -1001234500042;
const OPERATOR = { id: TELEGRAM_USER_ID, is_bot: false, first_name: 'Olga', username: 'olga_e2e' };
const SHUTDOWN_TIMEOUT_MS = 3000;
/** Alertmanager flushes groups after 1 s (group_wait, group_interval); delivery paces edits at 1/s per chat. */
const WAIT_MS = 15_000;

let world: E2eWorld;
let telegram: FakeTelegramApi;
let alertmanager: PrivateAlertmanager;
let bot: BotProcess;
let base: string;
const cleanups: (() => Promise<void> | void)[] = [];

function configYaml(tag: string, alertmanagerUrl: string): string {
  const selector = (app: string) => `{ host: local, labels: { deckhand.e2e: ${tag}, deckhand.e2e.app: ${app} } }`;
  return `# written by test/e2e/alerts.e2e.test.ts
hosts:
  local: { url: "${dockerHostUrl()}" }
projects:
  shop:
    environments:
      prod:
        services:
          api: ${selector('api')}
          web: ${selector('web')}
people:
  - id: olga
    name: Olga Operator
    telegram: ${TELEGRAM_USER_ID}
    roles: [{ role: operator, project: shop }]
chats:
  - { platform: telegram, id: ${GROUP_CHAT}, projects: [shop] }
rotations:
  - { project: shop, timezone: UTC, handoff: "09:00", period: weekly, start: 2024-01-01, members: [olga] }
alertmanager:
  url: ${alertmanagerUrl}
  escalateAfter: 30m
`;
}

beforeAll(async () => {
  requireBuiltBot();
  world = await createE2eWorld('alerts-e2e');
  telegram = new FakeTelegramApi();
  const apiRoot = await telegram.start();
  cleanups.push(() => telegram.stop());
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  alertmanager = await startPrivateAlertmanager(`${base}/webhooks/alertmanager`, AM_TOKEN);
  cleanups.push(() => alertmanager.stop());
  const config = await writeTempConfig(configYaml(world.tag, alertmanager.url));
  cleanups.push(() => config.remove());
  bot = spawnBot(
    [],
    serverBotEnv(
      { configFile: config.file, databaseUrl: world.db.url, port, telegram: { token: TOKEN, apiRoot, webhookSecret: SECRET }, shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS },
      { ALERTMANAGER_WEBHOOK_TOKEN: AM_TOKEN },
    ),
  );
  cleanups.push(() => bot.kill());
  let alive = true;
  void bot.exited.then(() => (alive = false));
  await waitForHttp(`${base}/readyz`, 200, 20_000, () => alive);
});

afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn();
  await world?.cleanup();
});

interface Keyboard {
  inline_keyboard: { text: string; callback_data: string }[][];
}

const buttonsOf = (markup: unknown): { text: string; callback_data: string }[] => (markup as Keyboard | undefined)?.inline_keyboard.flat() ?? [];

const inGroup = (c: RecordedCall) => Number(c.payload.chat_id) === GROUP_CHAT;

/** The update Telegram sends when the operator clicks `data` on the group message `messageId`. */
function click(updateId: number, messageId: number, data: string) {
  return {
    update_id: updateId,
    callback_query: {
      id: `cbq-${updateId}`,
      from: OPERATOR,
      chat_instance: '-5550001',
      data,
      message: { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: { id: GROUP_CHAT, type: 'group', title: 'E2E group' }, from: FAKE_BOT, text: 'alert' },
    },
  };
}

/** Delivers the click through the bot's webhook and waits for its answerCallbackQuery; returns the call index before it. */
async function deliverClick(update: ReturnType<typeof click>): Promise<number> {
  const from = telegram.calls.length;
  const res = await fetch(`${base}/telegram/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
    body: JSON.stringify(update),
    signal: AbortSignal.timeout(15_000),
  });
  expect(res.status).toBe(200);
  const answer = await telegram.waitForCall('answerCallbackQuery', (c) => c.payload.callback_query_id === update.callback_query.id, { from, timeoutMs: WAIT_MS });
  // A refused click is answered with an alert to the clicker only.
  expect(answer.payload.show_alert, String(answer.payload.text)).toBeUndefined();
  return from;
}

describe('Alertmanager → built bot → Telegram group, Silence and Acknowledge', () => {
  const alertname = `DeckhandE2E${randomBytes(4).toString('hex')}`;
  const labels = { alertname, project: 'shop', service: 'api', env: 'prod' };
  const startsAt = new Date(Date.now() - 60_000).toISOString();
  const annotations = { summary: 'api 5xx above 5%' };
  let messageId: number;
  let incidentId: string;
  let silenceId: string;
  let updateId = 700_000;

  const editsOfAlert = (from: number, needle: string) =>
    telegram.waitForCall('editMessageText', (c) => inGroup(c) && Number(c.payload.message_id) === messageId && String(c.payload.text).includes(needle), { from, timeoutMs: WAIT_MS });

  it('a firing alert → one message in the group with Acknowledge, Silence 1h and Restart api', async () => {
    const started = Date.now();
    await alertmanager.postAlerts([{ labels, annotations, startsAt }]);
    const sent = await telegram.waitForCall('sendMessage', (c) => inGroup(c) && String(c.payload.text).includes(alertname), { timeoutMs: WAIT_MS });
    process.stderr.write(`e2e alerts: Alertmanager POST → group message in ${Date.now() - started} ms\n`);
    expect(sent.payload.text).toContain(`FIRING (1): ${alertname} — shop`);
    expect(sent.payload.text).toContain('api 5xx above 5%');
    const buttons = buttonsOf(sent.payload.reply_markup);
    expect(buttons.map((b) => b.text)).toEqual(['Acknowledge', 'Silence 1h', 'Restart api']);
    incidentId = /^incident\.ack:(\S+)$/.exec(buttons[0]!.callback_data)?.[1] ?? '';
    expect(incidentId).not.toBe('');
    expect(buttons.map((b) => b.callback_data)).toEqual([`incident.ack:${incidentId}`, `incident.silence:${incidentId}`, `incident.restart:${incidentId}`]);
    expect(sent.payload.text).toContain(incidentId);
    messageId = (sent.result as { message_id: number }).message_id;
    expect(telegram.calls.filter((c) => c.method === 'sendMessage' && inGroup(c) && String(c.payload.text).includes(alertname))).toHaveLength(1);
  });

  it('Silence 1h → an active silence in Alertmanager naming the incident, and the message edited in place', async () => {
    const data = buttonsOf(telegram.message(GROUP_CHAT, messageId)?.replyMarkup).find((b) => b.text === 'Silence 1h')!.callback_data;
    const from = await deliverClick(click(++updateId, messageId, data));

    // The click's answer is a new message (the alert message stays the incident's living message).
    const answer = await telegram.waitForCall('sendMessage', (c) => inGroup(c) && String(c.payload.text).includes('Silenced until'), { from, timeoutMs: WAIT_MS });
    expect(answer.payload.text).toContain('by Olga Operator');
    silenceId = /\(silence ([0-9a-f-]{36})\)/.exec(String(answer.payload.text))?.[1] ?? '';
    expect(silenceId).not.toBe('');

    const silences = await alertmanager.silences(`alertname="${alertname}"`);
    const silence = silences.find((s) => s.id === silenceId);
    expect(silence).toBeDefined();
    expect(silence!.status.state).toBe('active');
    expect(silence!.comment).toBe(`Deckhand incident ${incidentId}: ${alertname}`);
    expect(silence!.createdBy).toBe('Olga Operator');
    expect(silence!.matchers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'alertname', value: alertname, isRegex: false }),
        expect.objectContaining({ name: 'project', value: 'shop', isRegex: false }),
      ]),
    );
    const hour = new Date(silence!.endsAt).getTime() - new Date(silence!.startsAt).getTime();
    expect(Math.abs(hour - 3_600_000)).toBeLessThan(5_000);

    const edit = await editsOfAlert(from, 'Silenced until');
    expect(edit.payload.text).toContain(`(silence ${silenceId})`);
    expect(buttonsOf(edit.payload.reply_markup).map((b) => b.text)).toEqual(['Acknowledge', 'Restart api']);
  });

  it('Acknowledge → the same message edited to say who acknowledged', async () => {
    const data = buttonsOf(telegram.message(GROUP_CHAT, messageId)?.replyMarkup).find((b) => b.text === 'Acknowledge')!.callback_data;
    expect(data).toBe(`incident.ack:${incidentId}`);
    const from = await deliverClick(click(++updateId, messageId, data));
    const edit = await editsOfAlert(from, 'Acknowledged by Olga Operator');
    expect(edit.payload.text).toContain('Silenced until');
    expect(buttonsOf(edit.payload.reply_markup).map((b) => b.text)).toEqual(['Restart api']);
    await telegram.waitForCall('sendMessage', (c) => inGroup(c) && String(c.payload.text).includes('escalation stopped'), { from, timeoutMs: WAIT_MS });
  });

  it('resolved → the message edited to RESOLVED without buttons, and a postmortem draft posted', async () => {
    // Alertmanager mutes resolved notifications of silenced alerts (and then forgets them), so the
    // silence ends first, as an operator would end it once the fix is out.
    await alertmanager.expireSilence(silenceId);
    expect((await alertmanager.silences(`alertname="${alertname}"`)).find((s) => s.id === silenceId)?.status.state).toBe('expired');
    const from = telegram.calls.length;
    await alertmanager.postAlerts([{ labels, annotations, startsAt, endsAt: new Date(Date.now() - 1_000).toISOString() }]);

    const edit = await editsOfAlert(from, `RESOLVED: ${alertname} — shop`);
    expect(edit.payload.reply_markup).toBeUndefined();
    const postmortem = await telegram.waitForCall('sendMessage', (c) => inGroup(c) && String(c.payload.text).includes(`Postmortem draft: incident ${incidentId}`), { from, timeoutMs: WAIT_MS });
    expect(postmortem.payload.text).toContain(`${alertname} in shop lasted`);
    expect(postmortem.payload.text).toMatch(/Acknowledged by[\s\S]*Olga Operator/);
    expect(postmortem.payload.text).toContain(`silence ${silenceId}`);

    // Every change went into the one living message: it was posted once and now reads RESOLVED, no keyboard.
    const posts = telegram.callsOf('sendMessage').filter((c) => inGroup(c) && String(c.payload.text).includes(`: ${alertname} — shop`));
    expect(posts).toHaveLength(1);
    expect(telegram.message(GROUP_CHAT, messageId)).toMatchObject({ text: expect.stringContaining(`RESOLVED: ${alertname} — shop`), replyMarkup: undefined });
  });

  it('SIGTERM → the bot exits 0 and logged no stack trace', async () => {
    bot.child.kill('SIGTERM');
    expect(await within(bot.exited, SHUTDOWN_TIMEOUT_MS + 5_000, 'exit after SIGTERM')).toEqual({ code: 0, signal: null });
    expect(bot.stderr()).not.toMatch(/\n\s+at /);
    expect(bot.stdout()).not.toMatch(/"level":(50|60)/);
  });
});
