import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TelegramServer } from 'telegram-test-api/lib/telegramServer.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTelegramAdapter, type TelegramAdapter } from '../../../../src/adapters/telegram/telegram.adapter.js';
import { RecordingCore, recordingLogger } from './recording-core.js';

/**
 * The adapter against the telegram-test-api emulator (a separate Bot API server over real HTTP),
 * in webhook mode. The emulator does not send X-Telegram-Bot-Api-Secret-Token, so the test's HTTP
 * server adds it the way Telegram would; the msw suite covers the secret check and exact payloads.
 */
const TOKEN = '424242:emulator';
const SECRET = 'emu-secret';

let emulator: TelegramServer;
let webhookServer: Server;
let adapter: TelegramAdapter;
const core = new RecordingCore();
const log = recordingLogger();

beforeAll(async () => {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  emulator = new TelegramServer({ port, host: '127.0.0.1' });
  await emulator.start();
  let handler: TelegramAdapter['webhookHandler'] = (_req, res) => res.writeHead(503).end();
  webhookServer = createServer((req, res) => {
    req.headers['x-telegram-bot-api-secret-token'] = SECRET;
    handler(req, res);
  });
  await new Promise<void>((resolve) => webhookServer.listen(0, '127.0.0.1', resolve));
  const { port: hookPort } = webhookServer.address() as AddressInfo;
  adapter = createTelegramAdapter({
    token: TOKEN,
    apiRoot: emulator.config.apiURL,
    core,
    logger: log.logger,
    mode: { kind: 'webhook', url: `http://127.0.0.1:${hookPort}/telegram/webhook`, secretToken: SECRET },
    throttle: false,
    retry: { rethrowInternalServerErrors: true, maxRetryAttempts: 0 },
  });
  handler = adapter.webhookHandler;
  await adapter.start();
});

afterAll(async () => {
  await adapter.stop();
  await new Promise<void>((resolve) => webhookServer.close(() => resolve()));
  await emulator.stop();
});

function botMessages(): { messageId: number; message: Record<string, unknown> }[] {
  // Messages the bot sent carry chat_id; user messages carry from/chat.
  return emulator.getUpdatesHistory(TOKEN).flatMap((u) =>
    'message' in u && 'chat_id' in u.message
      ? [{ messageId: u.messageId, message: u.message as unknown as Record<string, unknown> }]
      : [],
  );
}

describe('telegram adapter against telegram-test-api', () => {
  it('started: used getMe, survived the unsupported setMyCommands, and set the webhook', () => {
    expect(adapter.bot.botInfo.username).toBe('TestNameBot');
    expect(log.entries.some((e) => e.level === 'warn' && e.msg === 'setMyCommands failed')).toBe(true);
  });

  it('answers a command delivered through the webhook', async () => {
    const client = emulator.getClient(TOKEN, { chatId: 31, userId: 31 });
    // The emulator acknowledges the client before calling the webhook, so wait for the bot's answer.
    const answered = emulator.waitBotMessage();
    await client.sendCommand(client.makeCommand('/status shop prod'));
    await answered;
    expect(core.events.at(-1)).toMatchObject({ kind: 'command', text: 'status shop prod', chatId: '31' });
    expect(botMessages().map((m) => [m.message.chat_id, m.message.text, m.message.parse_mode])).toEqual([
      [31, 'You said: status shop prod', 'HTML'],
    ]);
  });

  it('shows buttons, and a click edits that message', async () => {
    const client = emulator.getClient(TOKEN, { chatId: 32, userId: 32 });
    const prompted = emulator.waitBotMessage();
    await client.sendCommand(client.makeCommand('/deploy shop prod'));
    await prompted;
    const prompt = botMessages().find((m) => m.message.chat_id === 32);
    expect(prompt?.message.reply_markup).toEqual({
      inline_keyboard: [[{ text: 'Deploy', callback_data: 'deploy.confirm:p42' }]],
    });
    const edited = emulator.waitBotEdits();
    await client.sendCallback(
      client.makeCallbackQuery('deploy.confirm:p42', { message: { message_id: prompt?.messageId } }),
    );
    await edited;
    expect(core.events.at(-1)).toMatchObject({ kind: 'action', actionId: 'deploy.confirm', pendingId: 'p42' });
    const after = botMessages().find((m) => m.messageId === prompt?.messageId);
    expect(after?.message.text).toBe('Done: deploy.confirm');
  });
});
