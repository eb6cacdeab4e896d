import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTelegramAdapter, type TelegramAdapter } from '../../../../src/adapters/telegram/telegram.adapter.js';
import type { InboundEvent } from '../../../../src/core/messages/inbound.js';
import type { Reply } from '../../../../src/core/messages/reply.js';
import { BOT_INFO, TOKEN, commandUpdate } from './bot-api.fake.js';
import { PollingBotApi } from './polling-api.fake.js';
import { RecordingCore, recordingLogger } from './recording-core.js';

/** Long polling against a Bot API over real HTTP: concurrency across chats, order within one, supervision. */

const HTML = { parse_mode: 'HTML', link_preview_options: { is_disabled: true } };
const RETRYING = 'telegram getUpdates failed; retrying';

/** Holds every `/slow` until released, so a test can show who is (not) waiting on it. */
class GatedCore extends RecordingCore {
  private release!: () => void;
  readonly gate = new Promise<void>((resolve) => (this.release = resolve));
  open(): void {
    this.release();
  }
  override async handle(event: InboundEvent): Promise<Reply> {
    if (event.kind === 'command' && event.text === 'slow') {
      this.events.push(event);
      await this.gate;
      return super.handle({ ...event, text: 'slow done' }).finally(() => this.events.pop());
    }
    return super.handle(event);
  }
}

let fake: PollingBotApi;
let core: GatedCore;
let log: ReturnType<typeof recordingLogger>;
let tg: TelegramAdapter | undefined;

beforeEach(async () => {
  fake = new PollingBotApi();
  core = new GatedCore();
  log = recordingLogger();
});

afterEach(async () => {
  core.open();
  await tg?.stop();
  tg = undefined;
  await fake.stop();
});

async function startPolling(): Promise<TelegramAdapter> {
  const apiRoot = await fake.start();
  tg = createTelegramAdapter({
    token: TOKEN,
    apiRoot,
    core,
    logger: log.logger,
    mode: { kind: 'polling' },
    botInfo: BOT_INFO,
    throttle: false,
    polling: { timeoutSeconds: 5, backoff: { initialMs: 5, maxMs: 20 }, random: () => 0.5 },
  });
  await tg.start();
  return tg;
}

/** Waits (bounded) for something the system under test does; never used to show that nothing happened. */
async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; calls: ${fake.calls.map((c) => c.method).join(', ')}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sentTo = (chatId: number) => fake.bodies('sendMessage').filter((b) => b.chat_id === chatId);
const warnings = (msg: string) => log.entries.filter((e) => e.level === 'warn' && e.msg === msg);
const readiness = async (a: TelegramAdapter) => a.readiness.check(new AbortController().signal).then(() => 'ok', (err: Error) => err.message);

describe('telegram long polling: concurrency', () => {
  it("answers a second chat while the first chat's slow command waits, and keeps order within the first chat", async () => {
    // Given: one batch with a slow command in chat 1, a quick one in chat 2, and a second command in chat 1
    fake.push(commandUpdate('/slow', { id: 1, type: 'private' }), commandUpdate('/help', { id: 2, type: 'private' }), commandUpdate('/after', { id: 1, type: 'private' }));
    await startPolling();

    // Then: chat 2 is answered while chat 1's /slow is still held, and chat 1's /after waits behind it
    await until('the reply in chat 2', () => sentTo(2).length === 1);
    expect(sentTo(2)).toEqual([{ chat_id: 2, text: 'You said: help', ...HTML }]);
    expect(sentTo(1)).toEqual([]);
    expect(core.events.map((e) => [e.chatId, e.kind === 'command' && e.text])).toEqual([
      ['1', 'slow'],
      ['2', 'help'],
    ]);

    // When: the slow command finishes, chat 1 gets both answers in the order they were sent
    core.open();
    await until('both replies in chat 1', () => sentTo(1).length === 2);
    expect(sentTo(1).map((b) => b.text)).toEqual(['You said: slow done', 'You said: after']);
    expect(fake.bodies('setMyCommands')).toHaveLength(1);
    expect(fake.bodies('deleteWebhook')).toEqual([{ drop_pending_updates: false }]);
  });

  it('stops gracefully: the held long poll is aborted and the offset confirmed', async () => {
    const first = commandUpdate('/help', { id: 2, type: 'private' });
    fake.push(first);
    const adapter = await startPolling();
    await until('the reply', () => sentTo(2).length === 1);
    // The long poll after the first batch is being held by the fake.
    await until('a long poll', () => fake.bodies('getUpdates').some((b) => b.timeout === 5));
    await adapter.stop();
    tg = undefined;
    expect(fake.bodies('getUpdates').at(-1)).toEqual({ offset: first.update_id + 1, limit: 1, timeout: 0 });
    expect(adapter.status()).toEqual({ state: 'stopped' });
    expect(await readiness(adapter)).toBe('stopped');
  });
});

describe('telegram long polling: updates it cannot handle', () => {
  it('drops a message without chat with one warning, sends nothing for it, and handles the next update', async () => {
    const { chat: _chat, ...chatless } = commandUpdate('/status').message!;
    fake.push({ update_id: 1, message: chatless } as never, commandUpdate('/help', { id: 2, type: 'private' }));
    await startPolling();
    await until('the reply', () => sentTo(2).length === 1);
    expect(fake.bodies('sendMessage')).toEqual([{ chat_id: 2, text: 'You said: help', ...HTML }]);
    expect(log.entries.filter((e) => e.level === 'warn' || e.level === 'error')).toEqual([
      { level: 'warn', obj: { updateId: 1, issues: 'message.chat: Invalid input: expected object, received undefined' }, msg: 'dropping a telegram update that cannot be handled' },
    ]);
  });
});

describe('telegram long polling: supervision', () => {
  it('keeps retrying a 409 Conflict, reports telegram not ready meanwhile, and resumes', async () => {
    fake.failEvery({ status: 409, description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running' });
    const adapter = await startPolling();

    await until('two retries', () => warnings(RETRYING).length >= 2);
    expect(await readiness(adapter)).toBe('retrying: 409 Conflict: terminated by other getUpdates request; make sure that only one bot instance is running');
    expect(warnings(RETRYING)[0]?.obj).toEqual({
      errorCode: 409,
      description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
      retryInMs: 4,
    });

    // When: the other poller goes away
    fake.failEvery(undefined);
    fake.push(commandUpdate('/help', { id: 2, type: 'private' }));
    await until('the reply', () => sentTo(2).length === 1);
    expect(sentTo(2)).toEqual([{ chat_id: 2, text: 'You said: help', ...HTML }]);
    expect(await readiness(adapter)).toBe('ok');
    expect(log.entries).toContainEqual({ level: 'info', obj: {}, msg: 'telegram polling resumed' });
    expect(log.entries.filter((e) => e.level === 'error')).toEqual([]);
  });

  it('rides out a burst of 502s and a dropped connection, backing off, then handles updates again', async () => {
    const adapter = await startPolling();
    await until('polling', () => adapter.status().state === 'polling');
    expect(await readiness(adapter)).toBe('ok');
    // The first long poll must be held before the failures are set, or it would meet them itself.
    await until('a held long poll', () => fake.holding() > 0);

    // Given: a burst of 502s with one dropped connection in it, lasting until the test ends it
    fake.failNext({ status: 502, description: 'Bad Gateway' }, { status: 502, description: 'Bad Gateway' }, 'reset');
    fake.failEvery({ status: 502, description: 'Bad Gateway' });
    // Releases the held long poll so the next getUpdates meets the failures.
    fake.push(commandUpdate('/help', { id: 2, type: 'private' }));
    await until('the first reply', () => sentTo(2).length === 1);
    await until('four retries', () => warnings(RETRYING).length >= 4);
    expect(await readiness(adapter)).toBe('retrying: 502 Bad Gateway');

    // When: the gateway recovers
    fake.failEvery(undefined);
    fake.push(commandUpdate('/status', { id: 2, type: 'private' }));
    await until('the second reply', () => sentTo(2).length === 2);
    expect(sentTo(2).map((b) => b.text)).toEqual(['You said: help', 'You said: status']);
    expect(await readiness(adapter)).toBe('ok');
    const retries = warnings(RETRYING).map((w) => w.obj as { errorCode?: number; description: string; retryInMs: number });
    expect(retries.slice(0, 4).map((r) => r.errorCode)).toEqual([502, 502, undefined, 502]);
    expect(retries[2]?.description).toMatch(/^network error: /);
    // 5 ms doubling to the 20 ms cap, at the pinned jitter (three quarters of each).
    expect(retries.map((r) => r.retryInMs)).toEqual([4, 8, 15, ...retries.slice(3).map(() => 15)]);
    expect(retries.slice(3).every((r) => r.errorCode === 502)).toBe(true);
    expect(log.entries.filter((e) => e.level === 'error')).toEqual([]);
  });

  it('stops on 401 with one clear error and readiness failing', async () => {
    fake.failEvery({ status: 401, description: 'Unauthorized' });
    const adapter = await startPolling();
    await until('the error', () => log.entries.some((e) => e.level === 'error'));
    expect(log.entries.filter((e) => e.level === 'error' || e.level === 'warn')).toEqual([
      { level: 'error', obj: { errorCode: 401, description: 'Unauthorized' }, msg: 'telegram refused the bot token; long polling stopped (check TELEGRAM_BOT_TOKEN)' },
    ]);
    // No retry was scheduled (a retry logs its warning before waiting), and getUpdates was asked once.
    expect(fake.bodies('getUpdates')).toEqual([{ offset: 0, limit: 100, timeout: 0, allowed_updates: ['message', 'callback_query'] }]);
    expect(adapter.status()).toEqual({ state: 'stopped', error: '401 Unauthorized' });
    expect(await readiness(adapter)).toBe('stopped: 401 Unauthorized');
  });
});
