import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTelegramAdapter } from '../../../../src/adapters/telegram/telegram.adapter.js';
import { coreHarness } from '../../../support/core-harness.js';
import { silentLogger } from '../../../../src/core/ports/logger.port.js';
import { BOT_INFO, TOKEN, createBotApi } from './bot-api.fake.js';

// The real core with the fixture FAQ behind the real grammY adapter; only the Bot API is intercepted.
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const GROUP = { id: -100500, type: 'supergroup' as const, title: 'shop ops' };
let updateId = 5000;
const user = (id: number, name: string) => ({ id, is_bot: false, first_name: name });
const alice = user(1001, 'Alice');
const bob = user(1002, 'Bob');

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
      message: { message_id: messageId, date: 1_700_000_000, from: { id: BOT_INFO.id, is_bot: true, first_name: 'Deckhand' }, chat: GROUP, text: 'FAQ' },
    },
  };
}

type Keyboard = { text: string; callback_data: string }[][];
const keyboardOf = (body: Record<string, unknown> | undefined): Keyboard => (body!.reply_markup as { inline_keyboard: Keyboard }).inline_keyboard;

function setup() {
  const h = coreHarness({ faqFile: new URL('../../../fixtures/faq/faq.md', import.meta.url) });
  const api = createBotApi();
  server.use(api.handler);
  const { bot } = createTelegramAdapter({ token: TOKEN, core: h.core, logger: silentLogger, mode: { kind: 'polling' }, botInfo: BOT_INFO, throttle: false });
  return { h, api, bot };
}

describe('telegram: faq through the real core', () => {
  it('answers the best three with Yes/No buttons, and a vote counts once per person', async () => {
    const { h, api, bot } = setup();

    // Given Alice asks in the group
    await bot.handleUpdate(command('/faq@deckhand_bot how do I roll back production', alice));
    const [sent] = api.bodies('sendMessage');
    expect(String(sent!.text)).toContain('1. How do I roll back production?');
    const rows = keyboardOf(sent);
    expect(rows.map((r) => r.map((b) => b.text))).toEqual([
      ['1 👍 Yes', '1 👎 No'],
      ['2 👍 Yes', '2 👎 No'],
      ['3 👍 Yes', '3 👎 No'],
    ]);
    const yes = rows[0]![0]!.callback_data;
    expect(yes).toMatch(/^faq\.yes:[A-Za-z0-9_-]{10}$/);
    expect(Buffer.byteLength(yes)).toBeLessThanOrEqual(64);

    // When Alice clicks Yes on the first answer, twice, and Bob clicks No on it
    await bot.handleUpdate(click(yes, alice, 1001));
    await bot.handleUpdate(click(yes, alice, 1001));
    await bot.handleUpdate(click(rows[0]![1]!.callback_data, bob, 1001));

    // Then each click is answered privately (a toast), the message keeps its buttons, and the count is 1 of 2
    expect(api.calls.slice(1).map((c) => [c.method, c.body.text])).toEqual([
      ['answerCallbackQuery', 'Thanks, glad it helped. 1 of 1 found it helpful.'],
      ['answerCallbackQuery', 'You already said "yes" here. 1 of 1 found it helpful.'],
      ['answerCallbackQuery', 'Thanks for saying so. 1 of 2 found it helpful.'],
    ]);
    const entryId = yes.split(':')[1]!;
    expect(await h.faqVotes.tally([entryId])).toEqual(new Map([[entryId, { helpful: 1, notHelpful: 1 }]]));

    // And the next search shows the count
    await bot.handleUpdate(command('/faq roll back production', alice));
    expect(String(api.bodies('sendMessage').at(-1)!.text)).toContain('Did this help? 1 of 2 said yes');
  });

  it('lists categories as buttons; a category click shows its questions in place; a question click answers', async () => {
    const { api, bot } = setup();
    await bot.handleUpdate(command('/faq', alice));
    const categories = keyboardOf(api.bodies('sendMessage')[0]);
    expect(categories.flat().map((b) => b.text)).toEqual(['Deploys', 'Access', 'Logs']);

    await bot.handleUpdate(click(categories[0]![0]!.callback_data, alice, 1001));
    const edit = api.bodies('editMessageText')[0]!;
    expect(edit).toMatchObject({ chat_id: -100500, message_id: 1001 });
    expect(String(edit.text)).toContain('3. How do I see which version runs where?');
    const questions = keyboardOf(edit);
    expect(questions.flat().map((b) => b.text)).toEqual(['1', '2', '3', 'All categories']);
    expect(questions[0]![0]!.callback_data).toMatch(/^faq\.q:/);

    await bot.handleUpdate(click(questions[0]![2]!.callback_data, alice, 1001));
    const answer = api.bodies('sendMessage').at(-1)!;
    expect(String(answer.text)).toContain('How do I see which version runs where?');
    expect(String(answer.text)).toContain('status &lt;project&gt;');
    expect(keyboardOf(answer).flat().map((b) => b.text)).toEqual(['👍 Yes', '👎 No']);

    await bot.handleUpdate(click(questions[1]![0]!.callback_data, alice, 1001));
    expect(keyboardOf(api.bodies('editMessageText').at(-1)).flat().map((b) => b.text)).toEqual(['Deploys', 'Access', 'Logs']);
  });

  it('refuses a stranger and answers a stale button shortly', async () => {
    const { api, bot } = setup();
    await bot.handleUpdate(command('/faq deploy', user(4242, 'Mallory')));
    expect(String(api.bodies('sendMessage')[0]!.text)).toContain('You are not allowed to use Deckhand.');
    await bot.handleUpdate(click('faq.yes:NoSuchEntry', alice, 1001));
    expect(api.calls.at(-1)).toMatchObject({ method: 'answerCallbackQuery', body: { show_alert: true, text: 'This is no longer in the FAQ.\n\nfaq lists what it has now.' } });
  });
});
