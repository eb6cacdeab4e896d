/**
 * A busy week's calendar (60 past deploys, 48 planned ones in conflict with each other and a freeze) is one
 * chat message on each platform: one Telegram sendMessage of at most 4096 characters (grammY's handleUpdate,
 * the Bot API intercepted) and one Slack answer within the block limits (Bolt's receiver, signed requests; the
 * answer has no buttons, so it goes through the slash command's response_url).
 */
import { readFileSync } from 'node:fs';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTelegramAdapter } from '../../../../src/adapters/telegram/telegram.adapter.js';
import { silentLogger } from '../../../../src/core/ports/logger.port.js';
import { pendingIdOf } from '../../../support/actions-stack.js';
import { coreHarness } from '../../../support/core-harness.js';
import { BOT_INFO, TOKEN, createBotApi } from '../../adapters/telegram/bot-api.fake.js';
import { SlackApiRecorder } from '../../adapters/slack/slack-api.recorder.js';
import { pollUntil, serveSlack } from '../../adapters/slack/served-slack.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

async function busyWeek() {
  const h = coreHarness();
  h.runtimes.get('docker-1').add({ name: 'api-s', id: 'api-s-id', labels: { app: 'shop-api', env: 'staging' }, image: 'reg/shop/api:1.4.2', version: '1.4.2' });
  h.runtimes.get('docker-1').add({ name: 'api-1', id: 'api-1-id', labels: { app: 'shop-api', env: 'prod' }, image: 'reg/shop/api:1.4.2', version: '1.4.2' });
  for (let i = 0; i < 60; i++) {
    const start = new Date(Date.parse('2026-11-23T05:00:00Z') + i * 6 * 60_000);
    const d = await h.actions.deployments.start({ actionId: `past${i}`, kind: 'deploy', project: 'shop', env: i % 2 ? 'prod' : 'staging', service: 'api', version: `1.4.${i}`, image: `reg/shop/api:1.4.${i}`, previousVersion: '1.4.0', previousImage: null, requestedBy: 'dave', approvedBy: 'alice', startedAt: start, source: 'deckhand' });
    await h.actions.deployments.finish(d.id, i % 7 ? 'succeeded' : 'rolled_back', new Date(start.getTime() + 120_000));
  }
  // Twelve a day Tuesday to Friday, half an hour apart, in prod (Friday's evening ones in the weekend freeze).
  for (let day = 24; day <= 27; day++) {
    for (let slot = 0; slot < 12; slot++) {
      const at = `${String(10 + slot).padStart(2, '0')}:${slot % 2 ? '30' : '00'}`;
      const r = await h.say(`deploy api prod 1.5.${slot}-release-candidate at 2026-11-${day} ${at}`, { user: '1004' });
      await h.click(r, 'Approve', { user: '1001' });
      if (!pendingIdOf(r)) throw new Error(r.text);
    }
  }
  return h;
}

describe('a busy calendar fits one message', () => {
  it('telegram: one sendMessage ≤ 4096 characters', async () => {
    const h = await busyWeek();
    const api = createBotApi();
    server.use(api.handler);
    const { bot } = createTelegramAdapter({ token: TOKEN, core: h.core, logger: silentLogger, mode: { kind: 'polling' }, botInfo: BOT_INFO, throttle: false });
    const text = '/calendar@deckhand_bot shop';
    await bot.handleUpdate({
      update_id: 1,
      message: { message_id: 5, date: 1_700_000_000, from: { id: 1001, is_bot: false, first_name: 'Alice' }, chat: { id: -100500, type: 'supergroup', title: 'shop' }, text, entities: [{ type: 'bot_command', offset: 0, length: '/calendar@deckhand_bot'.length }] },
    });
    const sent = api.bodies('sendMessage');
    expect(sent).toHaveLength(1);
    const message = String(sent[0]!.text);
    expect(message.length).toBeLessThanOrEqual(4096);
    expect(message).toContain('Calendar: shop');
    expect(message).toContain('60 past deploys (9 failed or not run)');
    for (const day of ['Mon 23 Nov', 'Tue 24 Nov', 'Fri 27 Nov', 'Sun 29 Nov']) expect(message).toContain(day);
    expect(message).toMatch(/Conflicts: \d+/);
    expect(message).toContain('Summarised to fit one message.');
  });

  it('slack: one answer within the block limits (≤ 50 blocks, ≤ 3000 characters a section)', async () => {
    const h = await busyWeek();
    const SECRET = 'calendar-signing-secret-01234567';
    const slack = new SlackApiRecorder();
    server.use(...slack.handlers());
    const served = await serveSlack(h.core, SECRET);
    try {
      const slash = JSON.parse(readFileSync(new URL('../../../fixtures/slack/slash-command.json', import.meta.url), 'utf8')) as Record<string, string>;
      const res = await served.client.command({ ...slash, user_id: 'U0ALICE', channel_id: 'C0SHOP', channel_name: 'shop', text: 'calendar shop' });
      expect(res.status).toBe(200);
      // No buttons: the answer goes through the slash command's response_url, in the channel.
      const posted = await pollUntil(() => slack.traffic().find((c) => c.url.startsWith('https://hooks.slack.com/commands/')), 300);
      expect(slack.traffic()).toHaveLength(1);
      expect(posted.body.response_type).toBe('in_channel');
      const blocks = (typeof posted.body.blocks === 'string' ? JSON.parse(posted.body.blocks) : posted.body.blocks) as { type: string; text?: { text: string }; elements?: { text?: string }[] }[];
      expect(blocks.length).toBeGreaterThan(8);
      expect(blocks.length).toBeLessThanOrEqual(50);
      for (const b of blocks) if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(b.type === 'header' ? 150 : 3000);
      const all = JSON.stringify(blocks);
      expect(all).toContain('Calendar: shop');
      expect(all).toContain('Summarised to fit one message.');
    } finally {
      await served.close();
    }
  });
});
