import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSlackAdapter, type SlackAdapter } from '../../../../src/adapters/slack/slack.adapter.js';
import { SlackDeliveryTarget } from '../../../../src/adapters/slack/slack.delivery-target.js';
import { ReplyBuilder } from '../../../../src/core/messages/reply-builder.js';
import type { ChartSpec, Reply } from '../../../../src/core/messages/reply.js';
import type { ChatCore } from '../../../../src/core/pipeline/chat-core.js';
import { presentReply } from '../../../../src/core/pipeline/presentation.js';
import { pngFacts } from '../../../support/png.js';
import { recordingLogger } from '../telegram/recording-core.js';
import { API, SlackApiRecorder, type RecordedCall } from './slack-api.recorder.js';
import { SignedSlackClient } from './slack-signed.client.js';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../../../fixtures/slack/${name}`, import.meta.url), 'utf8')) as T;
const slash = fixture<Record<string, string>>('slash-command.json');
const mention = fixture<{ event_id: string; event: Record<string, unknown> }>('app-mention.json');

const CHART: ChartSpec = {
  kind: 'bar',
  title: 'Deploys per week, shop',
  labels: ['10-05', '10-12', '10-19', '10-26', '11-02', '11-09', '11-16', '11-23'],
  series: [{ name: 'succeeded', values: [3, 5, 1, 0, 2, 7, 2, 4] }],
  unit: 'deploys',
};

let reply: Reply = new ReplyBuilder().text('DORA metrics of shop').chart(CHART).build();
const core: ChatCore = {
  handle: async (event) => presentReply(event, reply),
  commands: () => [{ name: 'dora', summary: 'DORA metrics' }],
  attachMessage: async () => {},
};

const api = new SlackApiRecorder();
const msw = setupServer(...api.handlers());
const log = recordingLogger();
let adapter: SlackAdapter;
let server: Server;
let client: SignedSlackClient;
let triggers = 0;
/** The first chart loads Skia and Chart.js: on a loaded machine that takes seconds, not waitFor's default 1 s. */
const DRAWN = { timeout: 20_000 };

beforeAll(async () => {
  msw.listen({ onUnhandledRequest: 'error' });
  adapter = createSlackAdapter({ botToken: 'xoxb-test-token', signingSecret: SECRET, apiUrl: API, core, logger: log.logger, retryConfig: { retries: 0 } });
  const listener = adapter.requestListener!;
  server = createServer((req, res) => void listener(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new SignedSlackClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, SECRET);
  await vi.waitFor(() => expect(api.calls.map((c) => c.url)).toContain(`${API}/auth.test`));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  msw.close();
});
beforeEach(() => {
  api.reset();
  log.entries.length = 0;
  reply = new ReplyBuilder().text('DORA metrics of shop').chart(CHART).build();
});

/** The three calls files.uploadV2 makes for one PNG, checked, and the PNG's bytes. */
function expectUpload(calls: RecordedCall[], complete: Record<string, unknown>): Buffer {
  const [getUrl, upload, done] = calls;
  expect(getUrl!.url).toBe(`${API}/files.getUploadURLExternal`);
  expect(getUrl!.body).toMatchObject({ filename: 'deploys-per-week-shop.png', alt_text: 'Deploys per week, shop: bar chart of succeeded (deploys), 10-05 to 11-23' });
  const bytes = upload!.body.bytes as Buffer;
  expect(upload!.url).toBe('https://files.slack.com/upload/v1/ABC123');
  expect(Number(getUrl!.body.length)).toBe(bytes.length);
  expect(done).toMatchObject({ url: `${API}/files.completeUploadExternal`, body: complete });
  return bytes;
}

describe('slack charts', () => {
  it('uploads the chart as a PNG in the mention’s thread after the message (files.uploadV2)', async () => {
    await client.event({ ...mention, event_id: 'EvChart1', event: { ...mention.event, thread_ts: '1515449000.000001' } });
    await vi.waitFor(() => expect(api.traffic()).toHaveLength(4), DRAWN);
    const [post, ...upload] = api.traffic();
    expect(post!.url).toBe(`${API}/chat.postMessage`);
    expect(post!.body).toMatchObject({ thread_ts: '1515449000.000001', text: 'DORA metrics of shop' });
    const png = pngFacts(
      expectUpload(upload, {
        channel_id: 'C2147483705',
        thread_ts: '1515449000.000001',
        files: JSON.stringify([{ id: 'F0FILE1', title: 'deploys-per-week-shop' }]),
      }),
    );
    expect([png.width, png.height]).toEqual([1200, 675]);
    expect(png.drawn).toBeGreaterThan(20_000);
  });

  it('uploads a slash command’s chart to its channel, and says so privately when the upload fails', async () => {
    await client.command({ ...slash, text: 'dora shop', trigger_id: `${slash.trigger_id}.${++triggers}` });
    await vi.waitFor(() => expect(api.traffic()).toHaveLength(4), DRAWN);
    const [answer, ...upload] = api.traffic();
    expect(answer).toMatchObject({ url: slash.response_url, body: { response_type: 'in_channel', text: 'DORA metrics of shop' } });
    expectUpload(upload, { channel_id: 'C2147483705' });
    expect(upload[2]!.body.thread_ts).toBeUndefined();

    api.reset();
    api.queued.set('files.getUploadURLExternal', [HttpResponse.json({ ok: false, error: 'not_in_channel' })]);
    await client.command({ ...slash, text: 'dora shop', trigger_id: `${slash.trigger_id}.${++triggers}` });
    await vi.waitFor(() => expect(api.traffic()).toHaveLength(3), DRAWN);
    const whisper = api.traffic()[2]!;
    expect(whisper).toMatchObject({ url: slash.response_url, body: { response_type: 'ephemeral', text: 'Could not attach the chart.' } });
    expect(log.entries).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'slack chart upload failed' }));
  });

  it('posts a pushed reply’s text, then uploads its chart to the channel (the delivery target)', async () => {
    const target = new SlackDeliveryTarget({ client: adapter.app.client, logger: log.logger });
    const sent = await target.send('C0PUSH1', new ReplyBuilder().header('Weekly cost').text('shop: $120').chart(CHART).build());
    expect(sent).toEqual({ first: '1700000000.000100' });
    const [post, ...upload] = api.traffic();
    expect(post).toMatchObject({ url: `${API}/chat.postMessage`, body: { channel: 'C0PUSH1' } });
    expect(pngFacts(expectUpload(upload, { channel_id: 'C0PUSH1' })).drawn).toBeGreaterThan(20_000);
  });

  it('posts the text alone, and logs, when the chart cannot be drawn', async () => {
    const target = new SlackDeliveryTarget({ client: adapter.app.client, logger: log.logger });
    await target.send('C0PUSH1', { ...new ReplyBuilder().text('shop: $120').build(), chart: { ...CHART, labels: [] } });
    expect(api.traffic().map((c) => c.url)).toEqual([`${API}/chat.postMessage`]);
    expect(log.entries).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'slack chart upload failed' }));
  });
});
