import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTelegramAdapter } from '../../../../src/adapters/telegram/telegram.adapter.js';
import { coreHarness } from '../../../support/core-harness.js';
import { silentLogger } from '../../../../src/core/ports/logger.port.js';
import { BOT_INFO, TOKEN, createBotApi } from './bot-api.fake.js';

// The real core (in-memory stores) behind the real grammY adapter; only the Bot API is intercepted.
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const GROUP = { id: -100500, type: 'supergroup' as const, title: 'shop ops' };
let updateId = 9000;
const user = (id: number, name: string) => ({ id, is_bot: false, first_name: name });

function command(text: string, from: ReturnType<typeof user>) {
  const word = /^\/\S+/.exec(text)![0];
  return { update_id: ++updateId, message: { message_id: ++updateId, date: 1_700_000_000, from, chat: GROUP, text, entities: [{ type: 'bot_command' as const, offset: 0, length: word.length }] } };
}

function click(data: string, from: ReturnType<typeof user>, messageId: number) {
  return {
    update_id: ++updateId,
    callback_query: {
      id: `cbq-${updateId}`,
      chat_instance: 'ci',
      from,
      data,
      message: { message_id: messageId, date: 1_700_000_000, from: { id: BOT_INFO.id, is_bot: true, first_name: 'Deckhand' }, chat: GROUP, text: 'Deploy' },
    },
  };
}

describe('telegram: the deploy confirm flow through the real core', () => {
  it('keeps the confirm message for refused clicks and edits it once approved by a second operator', async () => {
    const h = coreHarness();
    h.runtimes.get('docker-1').add({ name: 'api-1', labels: { app: 'shop-api', env: 'prod' }, image: 'reg/shop/api:1.4.2', version: '1.4.2' });
    const api = createBotApi();
    server.use(api.handler);
    const { bot } = createTelegramAdapter({ token: TOKEN, core: h.core, logger: silentLogger, mode: { kind: 'polling' }, botInfo: BOT_INFO, throttle: false });
    const alice = user(1001, 'Alice');
    const dave = user(1004, 'Dave');
    const bob = user(1002, 'Bob');

    // Given Alice asks for a production deploy in the shop group
    await bot.handleUpdate(command('/deploy@deckhand_bot api prod 1.5.0', alice));
    const [sent] = api.bodies('sendMessage');
    const keyboard = (sent!.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] }).inline_keyboard[0]!;
    expect(keyboard.map((b) => b.text)).toEqual(['Approve', 'Cancel']);
    const approve = keyboard[0]!.callback_data;
    expect(approve).toMatch(/^act\.confirm:[0-9A-Za-z_-]+$/);
    const pendingId = approve.split(':')[1]!;
    // The fake Bot API numbers sent messages from 1001 upwards: the confirm message is remembered for progress edits.
    expect((await h.actions.pending.get(pendingId))?.message).toEqual({ platform: 'telegram', chatId: '-100500', messageId: '1001' });
    expect(api.calls).toHaveLength(1);

    // When Alice approves her own request and Bob (a viewer) approves, they get alerts and the message stays
    await bot.handleUpdate(click(approve, alice, 1001));
    await bot.handleUpdate(click(approve, bob, 1001));
    expect(api.calls.slice(1).map((c) => [c.method, c.body.show_alert, c.body.text])).toEqual([
      ['answerCallbackQuery', true, 'You cannot approve your own request here: another operator must (four-eyes).'],
      ['answerCallbackQuery', true, 'You need the operator role on shop/prod to approve this.'],
    ]);

    // Then Dave approves: the query is answered, the message edited in place, the job enqueued once
    await bot.handleUpdate(click(approve, dave, 1001));
    expect(api.calls.slice(3).map((c) => c.method)).toEqual(['answerCallbackQuery', 'editMessageText']);
    expect(api.calls[4]!.body).toMatchObject({ chat_id: -100500, message_id: 1001, text: 'Approved by Dave (requested by Alice); running now. Progress follows here.' });
    expect(h.actions.queue.enqueued).toEqual([pendingId]);

    // And a double click only alerts
    await bot.handleUpdate(click(approve, dave, 1001));
    expect(api.calls.at(-1)).toMatchObject({ method: 'answerCallbackQuery', body: { show_alert: true } });
    expect(String(api.calls.at(-1)!.body.text)).toMatch(/^Already approved by Dave/);
    expect(h.actions.queue.enqueued).toEqual([pendingId]);
  });
});
