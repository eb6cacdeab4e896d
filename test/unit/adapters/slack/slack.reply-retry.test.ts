import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { http, HttpResponse, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaledTimers } from '../../../../src/adapters/notifier/delivery.timers.js';
import { createSlackAdapter, type SlackAdapter } from '../../../../src/adapters/slack/slack.adapter.js';
import type { InboundEvent } from '../../../../src/core/messages/inbound.js';
import { replies } from '../../../../src/core/messages/reply-builder.js';
import type { Reply } from '../../../../src/core/messages/reply.js';
import type { ChatCore } from '../../../../src/core/pipeline/chat-core.js';
import { presentReply } from '../../../../src/core/pipeline/presentation.js';
import type { Logger } from '../../../../src/core/ports/logger.port.js';
import { API } from './slack-api.recorder.js';
import { SignedSlackClient } from './slack-signed.client.js';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const slash = JSON.parse(readFileSync(new URL('../../../fixtures/slack/slash-command.json', import.meta.url), 'utf8')) as Record<string, string>;
/** Replies run on a clock 25× faster than the wall: Slack's whole-second Retry-After values stay real. */
const timers = scaledTimers(25);

class EchoCore implements ChatCore {
  async attachMessage(): Promise<void> {}
  async handle(event: InboundEvent): Promise<Reply> {
    return presentReply(event, replies.info(`You said: ${event.kind === 'command' ? event.text : event.actionId}`));
  }
  commands() {
    return [{ name: 'status', summary: 'Show service status' }];
  }
}

const entries: { level: string; msg?: string }[] = [];
const logger: Logger = {
  debug: () => {},
  info: (_obj, msg) => void entries.push({ level: 'info', msg }),
  warn: (_obj, msg) => void entries.push({ level: 'warn', msg }),
  error: (_obj, msg) => void entries.push({ level: 'error', msg }),
  child: () => logger,
};

/**
 * response_url answers 429 (Retry-After 3) for the first 20 s, then 502 for 10 s and until the first reply
 * has been tried more than 6 times (a slow machine cannot end the outage before an attempt cap shows), then OK.
 */
const delivered: { channel: string; text: string }[] = [];
const tries = new Map<string, number>();
const msw = setupServer(
  http.all(/^http:\/\/127\.0\.0\.1:\d+\//, () => passthrough()),
  http.post(`${API}/:method`, () => HttpResponse.json({ ok: true })),
  http.post('https://hooks.slack.com/commands/:team/:channel/:key', async ({ request, params }) => {
    const body = (await request.json()) as { text: string };
    tries.set(body.text, (tries.get(body.text) ?? 0) + 1);
    const now = timers.now();
    if (now < 20_000) return new HttpResponse('rate limited', { status: 429, headers: { 'retry-after': '3' } });
    if (now < 30_000 || (tries.get('You said: status a1') ?? 0) <= 7) return new HttpResponse('bad gateway', { status: 502 });
    delivered.push({ channel: String(params.channel), text: body.text });
    return HttpResponse.text('ok');
  }),
);

let adapter: SlackAdapter;
let server: Server;
let client: SignedSlackClient;
const handling: Promise<void>[] = [];

beforeAll(async () => {
  msw.listen({ onUnhandledRequest: 'error' });
  adapter = createSlackAdapter({
    botToken: 'xoxb-test-token',
    signingSecret: SECRET,
    apiUrl: API,
    core: new EchoCore(),
    logger,
    retryConfig: { retries: 0 },
    replies: { timers },
  });
  const listener = adapter.requestListener!;
  server = createServer((req, res) => void handling.push(listener(req, res)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new SignedSlackClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, SECRET);
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  msw.close();
});

describe('slack replies through 429s and 502s', () => {
  it('delivers every slash-command reply exactly once after response_url recovers, in order per channel', async () => {
    const command = (channel: string, text: string, n: number) =>
      client.command({ ...slash, channel_id: channel, text, trigger_id: `${slash.trigger_id}.${n}`, response_url: `https://hooks.slack.com/commands/T0001/${channel}/k${n}` });
    let n = 0;
    for (const text of ['status a1', 'status a2', 'status a3']) {
      expect((await command('C1', text, ++n)).status).toBe(200);
      expect((await command('C2', text.replace(' a', ' b'), ++n)).status).toBe(200);
    }
    await Promise.all(handling);
    await adapter.repliesSettled();

    const texts = (channel: string) => delivered.filter((d) => d.channel === channel).map((d) => d.text);
    expect(texts('C1')).toEqual(['You said: status a1', 'You said: status a2', 'You said: status a3']);
    expect(texts('C2')).toEqual(['You said: status b1', 'You said: status b2', 'You said: status b3']);
    expect(tries.get('You said: status a1')).toBeGreaterThan(6);
    expect(entries.filter((e) => e.level === 'error')).toEqual([]);
    expect(entries.filter((e) => e.msg === 'reply delivered after retrying')).toHaveLength(6);
  });
});
