import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scaledTimers } from '../../../../src/adapters/notifier/delivery.timers.js';
import type { NewOutboxEntry, PutOutcome } from '../../../../src/adapters/notifier/outbox.port.js';
import { createTelegramAdapter } from '../../../../src/adapters/telegram/telegram.adapter.js';
import { TelegramDeliveryTarget } from '../../../../src/adapters/telegram/telegram.delivery-target.js';
import type { InboundEvent, Platform } from '../../../../src/core/messages/inbound.js';
import { ReplyBuilder } from '../../../../src/core/messages/reply-builder.js';
import type { ChartSpec, Reply } from '../../../../src/core/messages/reply.js';
import type { ChatCore } from '../../../../src/core/pipeline/chat-core.js';
import { presentReply } from '../../../../src/core/pipeline/presentation.js';
import { MemoryOutbox } from '../../../fakes/memory-outbox.js';
import { MemoryPostedMessages } from '../../../fakes/memory-posted-messages.js';
import { testTelegramDelivery } from '../../../support/started-delivery.js';
import { pngFacts } from '../../../support/png.js';
import { BOT_INFO, TOKEN, commandUpdate, createBotApi, type UploadedFile } from './bot-api.fake.js';
import { recordingLogger } from './recording-core.js';
import { Api } from 'grammy';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const CHART: ChartSpec = {
  kind: 'bar',
  title: 'Deploys per week, shop',
  labels: ['10-05', '10-12', '10-19', '10-26', '11-02', '11-09', '11-16', '11-23'],
  series: [{ name: 'succeeded', values: [3, 5, 1, 0, 2, 7, 2, 4] }],
  unit: 'deploys',
};

const short = () => new ReplyBuilder().header('DORA metrics of shop, last 30 days').fields([{ label: 'Deployment frequency', value: '24 deploys (0.8/day)' }]).chart(CHART).build();
/** One message of text (under 4096) but past a caption's 1024 characters. */
const long = () => new ReplyBuilder().header('Cost of shop & co').text('x'.repeat(1500)).chart(CHART).build();

/** Answers `dora` and `cost` with a chart reply, anything else with a chart spec no renderer accepts. */
class ChartCore implements ChatCore {
  async attachMessage(_pendingId: string, _ref: { platform: Platform; chatId: string; messageId: string }): Promise<void> {}
  async handle(event: InboundEvent): Promise<Reply> {
    const name = event.kind === 'command' ? event.text.split(' ')[0] : '';
    const reply = name === 'dora' ? short() : name === 'cost' ? long() : { ...short(), chart: { ...CHART, kind: 'pie' } as unknown as ChartSpec };
    return presentReply(event, reply);
  }
  commands() {
    return [{ name: 'dora', summary: 'DORA metrics' }];
  }
}

/** An outbox that keeps what a jsonb column would: the payload as JSON, read back as JSON. */
class JsonOutbox extends MemoryOutbox {
  readonly stored: string[] = [];
  override async put(entry: NewOutboxEntry): Promise<PutOutcome> {
    const json = JSON.stringify(entry.payload);
    this.stored.push(json);
    return super.put({ ...entry, payload: JSON.parse(json) as NewOutboxEntry['payload'] });
  }
}

let api: ReturnType<typeof createBotApi>;
beforeEach(() => {
  api = createBotApi();
  server.use(api.handler);
});

function wired() {
  const log = recordingLogger();
  const outbox = new JsonOutbox();
  const timers = scaledTimers(25);
  const core = new ChartCore();
  const { queue } = testTelegramDelivery({ token: TOKEN, posted: new MemoryPostedMessages(), outbox, chatsFor: () => [], logger: log.logger, timers });
  const tg = createTelegramAdapter({ token: TOKEN, core, logger: log.logger, mode: { kind: 'polling' }, botInfo: BOT_INFO, throttle: false, outbox: queue, replies: { timers } });
  return { tg, queue, outbox, log };
}

/** The file part that the `photo` field names (grammY sends `attach://<id>` and the file under `<id>`). */
function photoOf(body: Record<string, unknown>): UploadedFile {
  const ref = /^attach:\/\/(\w+)$/.exec(String(body.photo))?.[1];
  const file = ref === undefined ? undefined : body[ref];
  if (!file) throw new Error(`no photo file in ${JSON.stringify(Object.keys(body))}`);
  return file as UploadedFile;
}

describe('telegram charts', () => {
  it('sends a short reply as one photo with the reply as its HTML caption, through the outbox that holds the spec only', async () => {
    const { tg, queue, outbox } = wired();
    await tg.bot.handleUpdate(commandUpdate('/dora shop'));
    await queue.drain();

    expect(api.calls.map((c) => c.method)).toEqual(['sendPhoto']);
    const [body] = api.bodies('sendPhoto');
    expect(body).toMatchObject({
      chat_id: '777',
      photo: expect.stringMatching(/^attach:\/\/\w+$/),
      caption: '<b>DORA metrics of shop, last 30 days</b>\n\n<b>Deployment frequency:</b> 24 deploys (0.8/day)',
      parse_mode: 'HTML',
    });
    const photo = photoOf(body!);
    expect(photo.filename).toBe('deploys-per-week-shop.png');
    const png = pngFacts(photo.bytes);
    expect([png.width, png.height]).toEqual([1200, 675]);
    expect(png.drawn).toBeGreaterThan(20_000);
    // The row kept the chart as data: drawn at send time by whichever replica sends it.
    expect(outbox.stored).toHaveLength(1);
    expect(JSON.parse(outbox.stored[0]!).reply.chart).toEqual(CHART);
    expect(outbox.stored[0]!.length).toBeLessThan(2_000);
  });

  it('sends a reply longer than a caption as its text first, then the photo without a caption', async () => {
    const { tg, queue } = wired();
    await tg.bot.handleUpdate(commandUpdate('/cost shop'));
    await queue.drain();

    expect(api.calls.map((c) => c.method)).toEqual(['sendMessage', 'sendPhoto']);
    const [text] = api.bodies('sendMessage');
    expect(text!.text).toBe(`<b>Cost of shop &amp; co</b>\n\n${'x'.repeat(1500)}`);
    const [photo] = api.bodies('sendPhoto');
    expect(photo!.caption).toBeUndefined();
    expect(pngFacts(photoOf(photo!).bytes).drawn).toBeGreaterThan(20_000);
  });

  it('sends the text alone, and logs, when the chart cannot be drawn', async () => {
    const { tg, queue, log } = wired();
    await tg.bot.handleUpdate(commandUpdate('/broken'));
    await queue.drain();
    expect(api.calls.map((c) => c.method)).toEqual(['sendMessage']);
    expect(api.bodies('sendMessage')[0]!.text).toContain('<b>DORA metrics of shop, last 30 days</b>');
    expect(log.entries).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'chart could not be drawn; sending the text alone' }));
    expect(log.entries.filter((e) => e.level === 'error')).toEqual([]);
  });

  it('counts a caption as Telegram does: after the HTML is parsed', async () => {
    // 700 escaped ampersands are 3500 characters of HTML but 700 as read; a bold header's tags count nothing.
    const amp = new ReplyBuilder().text('&'.repeat(700)).chart(CHART).build();
    const target = new TelegramDeliveryTarget({ api: new Api(TOKEN), logger: recordingLogger().logger });
    await target.send('-100200', amp);
    expect(api.calls.map((c) => c.method)).toEqual(['sendPhoto']);
    expect(api.bodies('sendPhoto')[0]!.caption).toBe('&amp;'.repeat(700));
    await target.send('-100200', new ReplyBuilder().header('a'.repeat(1020)).chart(CHART).build());
    expect(api.calls.map((c) => c.method)).toEqual(['sendPhoto', 'sendPhoto']);
    await target.send('-100200', new ReplyBuilder().text('a'.repeat(1025)).chart(CHART).build());
    expect(api.calls.map((c) => c.method)).toEqual(['sendPhoto', 'sendPhoto', 'sendMessage', 'sendPhoto']);
  });

  it('keeps buttons on a text message (progress edits it later) and sends the chart after it', async () => {
    const withButtons = new ReplyBuilder().text('Cost is up 60% this week').block({ type: 'buttons', buttons: [{ label: 'Details', actionId: 'cost.details', pendingId: 'p1' }] }).chart(CHART).build();
    const target = new TelegramDeliveryTarget({ api: new Api(TOKEN), logger: recordingLogger().logger });
    const sent = await target.send('-100200', withButtons);
    expect(api.calls.map((c) => c.method)).toEqual(['sendMessage', 'sendPhoto']);
    expect(api.bodies('sendMessage')[0]!.reply_markup).toEqual({ inline_keyboard: [[{ text: 'Details', callback_data: 'cost.details:p1' }]] });
    expect(sent).toEqual({ first: '1001', buttons: '1001' });
  });
});
