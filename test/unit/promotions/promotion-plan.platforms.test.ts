/**
 * The plan of a ten-service promotion, with ten commits each, configuration diffs and a warning per
 * service, fits one chat message: one Telegram sendMessage of at most 4096 characters (grammY's handleUpdate,
 * the Bot API intercepted) and one Slack chat.postMessage within the block limits (Bolt's receiver, signed
 * requests). GitHub's compare API is intercepted at the network too. No configuration value is ever sent.
 */
import { readFileSync } from 'node:fs';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTelegramAdapter } from '../../../src/adapters/telegram/telegram.adapter.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import { githubTen, SECRET_VALUES, SERVICES, tenServiceHarness } from '../../support/promotion-world.js';
import { BOT_INFO, TOKEN, createBotApi } from '../adapters/telegram/bot-api.fake.js';
import { SlackApiRecorder } from '../adapters/slack/slack-api.recorder.js';
import { pollUntil, serveSlack } from '../adapters/slack/served-slack.js';

const server = setupServer(githubTen.handler);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const noSecret = (body: unknown) => {
  const text = JSON.stringify(body);
  for (const v of SECRET_VALUES) expect(text).not.toContain(v);
};

describe('a ten-service promotion plan fits one message', () => {
  it('telegram: one sendMessage ≤ 4096 characters with Promote now / Cancel', async () => {
    const h = tenServiceHarness();
    const api = createBotApi();
    server.use(api.handler);
    const { bot } = createTelegramAdapter({ token: TOKEN, core: h.core, logger: silentLogger, mode: { kind: 'polling' }, botInfo: BOT_INFO, throttle: false });
    const alice = { id: 1001, is_bot: false, first_name: 'Alice' };
    const text = '/promote@deckhand_bot payments staging prod --force';
    await bot.handleUpdate({
      update_id: 1,
      message: { message_id: 5, date: 1_700_000_000, from: alice, chat: { id: -100500, type: 'supergroup', title: 'payments' }, text, entities: [{ type: 'bot_command', offset: 0, length: '/promote@deckhand_bot'.length }] },
    });

    const sent = api.bodies('sendMessage');
    expect(sent).toHaveLength(1);
    const body = sent[0]!;
    const message = String(body.text);
    expect(message.length).toBeLessThanOrEqual(4096);
    const keyboard = (body.reply_markup as { inline_keyboard: { text: string }[][] }).inline_keyboard[0]!;
    expect(keyboard.map((b) => b.text)).toEqual(['Promote now', 'Cancel']);
    // Every service, the commits, the configuration keys and each soak warning are in that one message.
    for (const s of SERVICES) expect(message).toContain(s);
    expect(message).toMatch(/14 commits/);
    expect(message).toMatch(/payments-reconciliation-01:\n  missing in prod: FEATURE_RECONCILIATION_V2, NEW_LIMIT_0_A, NEW_LIMIT_0_B, NEW_LIMIT_0_C \+2\n  only in prod: LEGACY_RECONCILIATION_MODE_0/);
    expect(message).toMatch(/values differ: DATABASE_PASSWORD/);
    expect(message).toMatch(/⚠️ payments-reconciliation-01: running for 30 min in staging, soak is 2 h/);
    noSecret(api.calls);
    expect(githubTen.calls.length).toBeGreaterThanOrEqual(10);
  });

  it('slack: one chat.postMessage within the block limits (≤ 50 blocks, ≤ 3000 characters a section)', async () => {
    const h = tenServiceHarness();
    const SECRET = 'promotion-signing-secret-0123456';
    const slack = new SlackApiRecorder();
    server.use(...slack.handlers());
    const served = await serveSlack(h.core, SECRET);
    try {
      const { client } = served;
      const slash = JSON.parse(readFileSync(new URL('../../fixtures/slack/slash-command.json', import.meta.url), 'utf8')) as Record<string, string>;
      const res = await client.command({ ...slash, user_id: 'U0ALICE', channel_id: 'C0SHOP', channel_name: 'payments', text: 'promote payments staging prod --force' });
      expect(res.status).toBe(200);
      const posted = await until(() => slack.traffic().find((c) => c.url.endsWith('/chat.postMessage')));
      expect(slack.traffic().filter((c) => c.url.endsWith('/chat.postMessage'))).toHaveLength(1);
      const blocks = JSON.parse(String(posted.body.blocks)) as { type: string; text?: { text: string }; elements?: { action_id?: string; text?: { text: string } | string }[]; fields?: { text: string }[] }[];
      expect(blocks.length).toBeLessThanOrEqual(50);
      for (const b of blocks) {
        if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(b.type === 'header' ? 150 : 3000);
        for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(2000);
      }
      const buttons = blocks.find((b) => b.type === 'actions')!.elements!;
      expect(buttons.map((b) => b.action_id)).toEqual(['act.confirm', 'act.cancel']);
      const all = JSON.stringify(blocks);
      for (const s of SERVICES) expect(all).toContain(s);
      expect(all).toMatch(/values differ: DATABASE_PASSWORD/);
      noSecret(slack.calls);
    } finally {
      await served.close();
    }
  });
});

/** Waits up to 3 s. */
const until = <T>(what: () => T | undefined) => pollUntil(what, 300);
