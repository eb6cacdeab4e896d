/**
 * Alert buttons through the real grammY adapter and the real core: the alert (the incident's living
 * message) is never edited by a click's answer; a Restart's confirm prompt arrives as a new message whose
 * buttons work and which progress will edit.
 */
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTelegramAdapter } from '../../../../src/adapters/telegram/telegram.adapter.js';
import { silentLogger } from '../../../../src/core/ports/logger.port.js';
import { coreHarness, NOW } from '../../../support/core-harness.js';
import { BOT_INFO, TOKEN, createBotApi } from './bot-api.fake.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const GROUP = { id: -100500, type: 'supergroup' as const, title: 'shop ops' };
/** Where the notifier posted the alert message. */
const ALERT_MESSAGE = 77;
let updateId = 5000;
const user = (id: number, name: string) => ({ id, is_bot: false, first_name: name });

function click(data: string, from: ReturnType<typeof user>, messageId: number) {
  return {
    update_id: ++updateId,
    callback_query: {
      id: `cbq-${updateId}`,
      chat_instance: 'ci',
      from,
      data,
      message: { message_id: messageId, date: 1_700_000_000, from: { id: BOT_INFO.id, is_bot: true, first_name: 'Deckhand' }, chat: GROUP, text: 'FIRING' },
    },
  };
}

async function setup() {
  const h = coreHarness();
  h.runtimes.get('docker-1').add({ name: 'api-1', labels: { app: 'shop-api', env: 'prod' }, image: 'reg/shop/api:1.4.2', version: '1.4.2' });
  const labels = { alertname: 'HighErrorRate', project: 'shop', service: 'api', env: 'prod' };
  const at = new Date(NOW);
  const incident = await h.incidents.store.open({
    project: 'shop',
    groupKey: 'g',
    title: 'HighErrorRate',
    openedAt: at,
    alerts: [{ fingerprint: 'f1', name: 'HighErrorRate', status: 'firing', summary: '', startsAt: at, endsAt: null, labels }],
    timeline: [],
  });
  const api = createBotApi();
  server.use(api.handler);
  const { bot } = createTelegramAdapter({ token: TOKEN, core: h.core, logger: silentLogger, mode: { kind: 'polling' }, botInfo: BOT_INFO, throttle: false });
  return { h, api, bot, incident };
}

describe('telegram: alert buttons', () => {
  it('sends the Restart confirm prompt as a new message with working buttons and leaves the alert alone', async () => {
    const { h, api, bot, incident } = await setup();
    const dave = user(1004, 'Dave');
    const alice = user(1001, 'Alice');

    await bot.handleUpdate(click(`incident.restart:${incident.id}`, dave, ALERT_MESSAGE));
    expect(api.calls.map((c) => c.method)).toEqual(['answerCallbackQuery', 'sendMessage']);
    const prompt = api.calls[1]!.body;
    expect(prompt.chat_id).toBe(-100500);
    expect(String(prompt.text)).toContain('Restart shop/prod: api');
    const keyboard = (prompt.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] }).inline_keyboard[0]!;
    expect(keyboard.map((b) => b.text)).toEqual(['Approve', 'Cancel']);
    const pendingId = keyboard[0]!.callback_data.split(':')[1]!;
    // The fake Bot API numbers its answers from 1001 (the prompt is the second call): progress will edit the
    // prompt, not the alert.
    expect((await h.actions.pending.get(pendingId))?.message).toEqual({ platform: 'telegram', chatId: '-100500', messageId: '1002' });

    await bot.handleUpdate(click(keyboard[0]!.callback_data, alice, 1002));
    expect(api.calls.slice(2).map((c) => [c.method, c.body.message_id])).toEqual([
      ['answerCallbackQuery', undefined],
      ['editMessageText', 1002],
    ]);
    expect(h.actions.queue.enqueued).toEqual([pendingId]);
    expect(api.calls.some((c) => c.body.message_id === ALERT_MESSAGE)).toBe(false);
  });

  it('answers Acknowledge with a new message, and a refused click with an alert only', async () => {
    const { h, api, bot, incident } = await setup();
    await bot.handleUpdate(click(`incident.ack:${incident.id}`, user(1002, 'Bob'), ALERT_MESSAGE));
    expect(api.calls).toEqual([
      { method: 'answerCallbackQuery', body: expect.objectContaining({ show_alert: true, text: 'You need the operator role on shop/prod to acknowledge this incident.' }) },
    ]);

    await bot.handleUpdate(click(`incident.ack:${incident.id}`, user(1004, 'Dave'), ALERT_MESSAGE));
    expect(api.calls.slice(1).map((c) => [c.method, c.body.text])).toEqual([
      ['answerCallbackQuery', undefined],
      ['sendMessage', 'Acknowledged by Dave; escalation stopped.'],
    ]);
    expect(api.calls.some((c) => c.body.message_id === ALERT_MESSAGE)).toBe(false);
    // The alert message itself is updated by the notifier (published under the incident's key).
    expect(h.actions.notifier.published(`incident:${incident.id}`)).toHaveLength(1);
  });
});
