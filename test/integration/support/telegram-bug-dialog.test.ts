/**
 * The bug dialog on Telegram end to end inside one test: the real grammY adapter (handleUpdate), the real
 * core, the dialog and reports in PostgreSQL, GitHub's REST API and the Bot API intercepted by msw. The
 * bot is replaced by a new instance (new core, new database client) in the middle of the dialog, as a
 * restart or another replica would, and the dialog continues.
 */
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GitHubIssues } from '../../../src/adapters/github/github-issues.js';
import { PrismaBugDialogStore, PrismaBugReportStore } from '../../../src/adapters/prisma/bug-report.repository.js';
import { createPrismaClient, type PrismaClient } from '../../../src/adapters/prisma/prisma-client.js';
import { createTelegramAdapter } from '../../../src/adapters/telegram/telegram.adapter.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { DEFAULT_DIALOG_TTL_MS } from '../../../src/core/support/bug-services.js';
import { coreHarness } from '../../support/core-harness.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { BOT_INFO, TOKEN, createBotApi } from '../../unit/adapters/telegram/bot-api.fake.js';

const server = setupServer();
let db: TestDatabase;
const clients: PrismaClient[] = [];
beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  db = await createTestDatabase('telegram_bug_dialog');
});
afterEach(() => server.resetHandlers());
afterAll(async () => {
  server.close();
  await Promise.all(clients.map((c) => c.$disconnect()));
  await db?.drop();
});

const ALICE = { id: 1001, is_bot: false, first_name: 'Alice' };
const CHAT = { id: 1001, type: 'private' as const, first_name: 'Alice' };
let updateId = 7000;
let messageId = 300;

const text = (t: string) => ({
  update_id: ++updateId,
  message: { message_id: ++messageId, date: 1_700_000_000, from: ALICE, chat: CHAT, text: t, ...(t.startsWith('/') ? { entities: [{ type: 'bot_command' as const, offset: 0, length: t.split(' ')[0]!.length }] } : {}) },
});
const photo = (fileId: string) => ({
  update_id: ++updateId,
  message: {
    message_id: ++messageId,
    date: 1_700_000_000,
    from: ALICE,
    chat: CHAT,
    photo: [
      { file_id: `${fileId}-small`, file_unique_id: 'u1', width: 90, height: 60 },
      { file_id: fileId, file_unique_id: 'u2', width: 1280, height: 853 },
    ],
  },
});
const click = (data: string, onMessage: number) => ({
  update_id: ++updateId,
  callback_query: { id: `cbq-${updateId}`, chat_instance: 'ci', from: ALICE, data, message: { message_id: onMessage, date: 1_700_000_000, from: { id: BOT_INFO.id, is_bot: true, first_name: 'Deckhand' }, chat: CHAT, text: 'q' } },
});

/** One bot process: its own core and database client over the shared schema. */
function startBot() {
  const prisma = createPrismaClient(db.url, { poolMax: 2 });
  clients.push(prisma);
  const h = coreHarness({
    bugs: {
      dialogs: new PrismaBugDialogStore(prisma),
      reports: new PrismaBugReportStore(prisma),
      tracker: new GitHubIssues({ token: 'ghp_testtoken0000000000000000', logger: silentLogger }),
      repoOf: (p) => (p === 'shop' ? 'acme/shop' : undefined),
      dialogTtlMs: DEFAULT_DIALOG_TTL_MS,
    },
  });
  const { bot } = createTelegramAdapter({ token: TOKEN, core: h.core, logger: silentLogger, mode: { kind: 'polling' }, botInfo: BOT_INFO, throttle: false });
  return { h, bot };
}

type Keyboard = { inline_keyboard: { text: string; callback_data: string }[][] };
const keys = (body: Record<string, unknown> | undefined) => ((body?.reply_markup as Keyboard | undefined)?.inline_keyboard ?? []).flat();
const dataOf = (body: Record<string, unknown> | undefined, label: string) => {
  const key = keys(body).find((k) => k.text === label);
  if (!key) throw new Error(`no ${label} button in ${JSON.stringify(body)}`);
  return key.callback_data;
};

describe('telegram: the bug dialog over PostgreSQL, surviving a restart', () => {
  it('asks question by question, continues on a new bot instance, and files a GitHub issue', async () => {
    const api = createBotApi();
    const issues: { auth: string | null; body: Record<string, unknown> }[] = [];
    server.use(
      api.handler,
      http.post('https://api.github.com/repos/acme/shop/issues', async ({ request }) => {
        issues.push({ auth: request.headers.get('authorization'), body: (await request.json()) as Record<string, unknown> });
        // Shaped like GitHub's answer to "create an issue" (the fields Deckhand reads, and a few it does not).
        return HttpResponse.json(
          { id: 1, node_id: 'I_kwDOA', number: 1347, title: 'Checkout says 500', state: 'open', html_url: 'https://github.com/acme/shop/issues/1347', url: 'https://api.github.com/repos/acme/shop/issues/1347', labels: [{ name: 'bug' }, { name: 'high' }] },
          { status: 201 },
        );
      }),
    );
    const first = startBot();

    // Given Alice starts a report and answers the first two questions
    await first.bot.handleUpdate(text('/bug shop'));
    const asked = api.bodies('sendMessage');
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ chat_id: 1001 });
    expect(String(asked[0]!.text)).toContain('What were you doing?');
    expect(keys(asked[0]).map((k) => k.text)).toEqual(['Cancel']);
    await first.bot.handleUpdate(text('Paying with a saved card'));
    await first.bot.handleUpdate(text('A receipt'));
    expect(String(api.bodies('sendMessage').at(-1)!.text)).toContain('What happened instead?');

    // And a second report is refused while this one is open
    await first.bot.handleUpdate(text('/bug'));
    expect(String(api.bodies('sendMessage').at(-1)!.text)).toContain('You already have a bug report open (shop');

    // When the bot is replaced by a new instance over the same database
    const second = startBot();
    const before = api.calls.length;
    await second.bot.handleUpdate(text('Checkout says 500'));
    const priority = api.bodies('sendMessage').at(-1)!;
    expect(String(priority.text)).toContain('How urgent is it?');
    expect(keys(priority).map((k) => k.text)).toEqual(['critical', 'high', 'medium', 'low', 'Back', 'Cancel']);

    // Then its buttons work there: Back shows the previous question in place, answered again it moves on
    const priorityMessage = 1000 + api.calls.slice(0, before + 1).filter((c) => c.method === 'sendMessage').length;
    await second.bot.handleUpdate(click(dataOf(priority, 'Back'), priorityMessage));
    expect(api.calls.slice(-2).map((c) => c.method)).toEqual(['answerCallbackQuery', 'editMessageText']);
    expect(api.calls.at(-1)!.body).toMatchObject({ chat_id: 1001, message_id: priorityMessage });
    expect(String(api.calls.at(-1)!.body.text)).toContain('Before: Checkout says 500');
    await second.bot.handleUpdate(text('Checkout says 500'));
    const again = api.bodies('sendMessage').at(-1)!;
    await second.bot.handleUpdate(click(dataOf(again, 'high'), 1010));
    const screenshot = api.calls.at(-1)!.body;
    expect(String(screenshot.text)).toContain('Send a screenshot as a photo');
    expect(keys(screenshot).map((k) => k.text)).toEqual(['Skip', 'Back', 'Cancel']);

    // And the photo files the report as a GitHub issue with the labels, its number and link sent back
    await second.bot.handleUpdate(photo('AgACAgQAAxkBAAIBZ2'));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.auth).toBe('Bearer ghp_testtoken0000000000000000');
    expect(issues[0]!.body).toMatchObject({ title: 'Checkout says 500', labels: ['bug', 'high'] });
    expect(String(issues[0]!.body.body)).toContain('### What were you doing?\nPaying with a saved card');
    const thanks = String(api.bodies('sendMessage').at(-1)!.text);
    expect(thanks).toContain('Filed as acme/shop#1347');
    expect(thanks).toContain('https://github.com/acme/shop/issues/1347');
    const { rows } = await db.pool.query('SELECT reporter_id, platform, chat_id, status, github_number, screenshot FROM bug_report');
    expect(rows).toEqual([{ reporter_id: 'alice', platform: 'telegram', chat_id: '1001', status: 'open', github_number: 1347, screenshot: { platform: 'telegram', ref: 'AgACAgQAAxkBAAIBZ2' } }]);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM bug_dialog')).rows[0].n).toBe(0);

    // And once it is filed, plain chatter is not taken for an answer: nothing is sent
    const calls = api.calls.length;
    await second.bot.handleUpdate(text('thanks!'));
    expect(api.calls).toHaveLength(calls);
  });
});
