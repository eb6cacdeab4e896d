import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSlackAdapter, type SlackAdapter } from '../../../../src/adapters/slack/slack.adapter.js';
import type { InboundEvent } from '../../../../src/core/messages/inbound.js';
import { ReplyBuilder } from '../../../../src/core/messages/reply-builder.js';
import type { Reply } from '../../../../src/core/messages/reply.js';
import type { ChatCore } from '../../../../src/core/pipeline/chat-core.js';
import type { Logger } from '../../../../src/core/ports/logger.port.js';
import { MemoryProcessedEvents } from '../../../fakes/memory-processed-events.js';
import { recordingLogger } from '../telegram/recording-core.js';
import { API, SlackApiRecorder } from './slack-api.recorder.js';
import { SignedSlackClient } from './slack-signed.client.js';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../../../fixtures/slack/${name}`, import.meta.url), 'utf8')) as T;
const slash = fixture<Record<string, string>>('slash-command.json');
const blockActions = fixture<Record<string, unknown>>('block-actions.json');
const SLASH_URL = 'https://hooks.slack.com/commands/T0001/1234567890/abcdefXYZ';
const ACTION_URL = 'https://hooks.slack.com/actions/T0001/6666666666/aaaaBBBBccccDDDD';
const FORM = 'application/x-www-form-urlencoded';

class RecordingCore implements ChatCore {
  events: InboundEvent[] = [];
  reply: Reply = new ReplyBuilder('success').text('web running').build();
  async attachMessage(): Promise<void> {}
  async handle(event: InboundEvent): Promise<Reply> {
    this.events.push(event);
    return this.reply;
  }
  commands() {
    return [{ name: 'status', summary: 'Show service status' }];
  }
}

const api = new SlackApiRecorder();
const msw = setupServer(...api.handlers());
const core = new RecordingCore();
const store = new MemoryProcessedEvents();
let log = recordingLogger();
/** Two replicas of the bot sharing one processed-events store, as they share the PostgreSQL table. */
const replicas: { adapter: SlackAdapter; server: Server; client: SignedSlackClient }[] = [];
let failStore = false;
let hangStore = false;

/** Forwards to the current test's recording logger (the adapter takes its children once, at creation). */
function forward(): Logger {
  return { debug: (o, m) => log.logger.debug(o, m), info: (o, m) => log.logger.info(o, m), warn: (o, m) => log.logger.warn(o, m), error: (o, m) => log.logger.error(o, m), child: () => forward() };
}

async function replica(): Promise<{ adapter: SlackAdapter; server: Server; client: SignedSlackClient }> {
  const adapter = createSlackAdapter({
    botToken: 'xoxb-test-token',
    signingSecret: SECRET,
    apiUrl: API,
    core,
    logger: forward(),
    retryConfig: { retries: 0 },
    isFirstSeen: (id) => (hangStore ? new Promise<boolean>(() => undefined) : failStore ? Promise.reject(new Error('connection refused')) : store.firstSeen('slack', id)),
  });
  const server = createServer(adapter.requestListener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { adapter, server, client: new SignedSlackClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, SECRET) };
}

beforeAll(async () => {
  msw.listen({ onUnhandledRequest: 'error' });
  replicas.push(await replica(), await replica());
});

afterAll(async () => {
  await Promise.all(replicas.map(({ server }) => new Promise((resolve) => server.close(resolve))));
  msw.close();
});

beforeEach(() => {
  api.reset();
  core.events = [];
  store.seen.clear();
  failStore = false;
  hangStore = false;
  log = recordingLogger();
});

const [a, b] = [() => replicas[0]!.client, () => replicas[1]!.client];
const dropped = () => log.entries.filter((e) => e.msg === 'dropped a repeated slack request');
const now = () => Math.floor(Date.now() / 1000);

describe('repeated signed requests', () => {
  it('answers a slash command sent twice (same timestamp and signature, then X-Slack-Retry-Num: 1) once, across replicas', async () => {
    // Given one signed slash command
    const timestamp = now();
    const body = { ...slash, trigger_id: '1111.2222.slash-replayed' };

    // When it reaches one replica, and the very same signed request reaches the other as a retry
    expect((await a().command(body, { timestamp })).status).toBe(200);
    const retry = await b().command(body, { timestamp, headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });

    // Then the retry is acknowledged and dropped, and exactly one answer reaches the response_url
    expect(retry).toEqual({ status: 200, body: '' });
    await vi.waitFor(() => expect(dropped()).toHaveLength(1));
    expect(dropped()[0]).toMatchObject({ level: 'info', obj: { key: 'slack-req:1111.2222.slash-replayed', retryNum: 1, retryReason: 'http_timeout' } });
    await vi.waitFor(() => expect(api.traffic()).toHaveLength(1));
    expect(api.traffic()[0]!.url).toBe(SLASH_URL);
    expect(core.events).toHaveLength(1);
    expect(store.has('slack', 'slack-req:1111.2222.slash-replayed')).toBe(true);
  });

  it('executes the same interaction payload sent twice once', async () => {
    const timestamp = now();
    const click = { ...blockActions, trigger_id: '3333.4444.click-replayed' };

    expect((await a().interaction(click, { timestamp })).status).toBe(200);
    expect((await b().interaction(click, { timestamp: timestamp + 1, headers: { 'x-slack-retry-num': '1' } })).status).toBe(200);

    await vi.waitFor(() => expect(dropped()).toHaveLength(1));
    await vi.waitFor(() => expect(api.traffic()).toHaveLength(1));
    expect(api.traffic()[0]!.url).toBe(ACTION_URL);
    expect(core.events).toHaveLength(1);
    expect(core.events[0]).toMatchObject({ kind: 'action', eventId: '3333.4444.click-replayed' });
  });

  it('recognises a request without a trigger_id by its timestamp and signature', async () => {
    const timestamp = now();
    const { trigger_id: _none, ...noTrigger } = slash;

    await a().command(noTrigger, { timestamp });
    await b().command(noTrigger, { timestamp });
    await vi.waitFor(() => expect(dropped()).toHaveLength(1));
    expect(String((dropped()[0]!.obj as { key: string }).key)).toMatch(/^slack-sig:[0-9a-f]{64}$/);

    // The same text typed again later is a new command, signed anew: it is answered.
    await a().command(noTrigger, { timestamp: timestamp + 2 });
    await vi.waitFor(() => expect(api.traffic()).toHaveLength(2));
    expect(core.events).toHaveLength(2);
  });

  it('handles the request when the dedupe store is unavailable, with a warning', async () => {
    failStore = true;
    await a().command({ ...slash, trigger_id: '5555.store-down' });
    await vi.waitFor(() => expect(api.traffic()).toHaveLength(1));
    expect(log.entries).toContainEqual({
      level: 'warn',
      obj: { err: { message: 'connection refused' }, key: 'slack-req:5555.store-down' },
      msg: 'slack dedupe store unavailable; handling the request',
    });
  });
});

describe('bounded waits and reformatted replays', () => {
  it('answers within Slack\'s 3 s when the dedupe store hangs, treating it as unavailable', async () => {
    hangStore = true;
    const started = Date.now();
    expect((await a().command({ ...slash, trigger_id: '6666.store-hangs' })).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(3_000);
    await vi.waitFor(() => expect(api.traffic()).toHaveLength(1));
    expect(log.entries).toContainEqual({
      level: 'warn',
      obj: { err: { message: 'no answer within 1500 ms' }, key: 'slack-req:6666.store-hangs' },
      msg: 'slack dedupe store unavailable; handling the request',
    });
  });

  it('recognises a replay whose timestamp and signature headers were reformatted', async () => {
    const timestamp = now();
    const { trigger_id: _none, ...noTrigger } = slash;
    const raw = new URLSearchParams(noTrigger).toString();
    const signed = a().sign(raw, timestamp);

    await a().post(raw, 'application/x-www-form-urlencoded', { timestamp });
    const replay = await b().post(raw, 'application/x-www-form-urlencoded', {
      headers: { 'x-slack-request-timestamp': `0${timestamp}`, 'x-slack-signature': `${signed['x-slack-signature']}=x` },
    });

    expect(replay.status).toBe(200);
    await vi.waitFor(() => expect(dropped()).toHaveLength(1));
    await vi.waitFor(() => expect(api.traffic()).toHaveLength(1));
    expect(core.events).toHaveLength(1);
  });

  it('refuses a chunked body over the limit with 413 before reading it all', async () => {
    const port = (replicas[0]!.server.address() as AddressInfo).port;
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/slack/events', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (r) => {
        let body = '';
        r.on('data', (d: Buffer) => (body += d.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      for (let i = 0; i < 32; i++) req.write(chunk); // 2 MiB, no Content-Length
      req.end();
    });
    expect(res).toEqual({ status: 413, body: '{"error":"payload too large"}' });
    expect(core.events).toHaveLength(0);
  });
});

describe('malformed signed requests', () => {
  const cases: [string, number, () => Promise<{ status: number }>][] = [
    ['payload=null', 400, () => a().post('payload=null', FORM)],
    ['payload that is not JSON', 400, () => a().post('payload=%7Bnot-json', FORM)],
    ['events body that is not JSON', 400, () => a().post('{"type":', 'application/json')],
    ['events body that is JSON null', 400, () => a().post('null', 'application/json')],
    ['events body that is an array', 400, () => a().post('[]', 'application/json')],
    ['interaction payload {}', 200, () => a().interaction({})],
    ['block_actions without actions', 200, () => a().interaction({ type: 'block_actions', user: { id: 'U1' } })],
    ['block_actions with an empty actions list', 200, () => a().interaction({ type: 'block_actions', user: { id: 'U1' }, actions: [] })],
    ['block_actions whose actions is a string', 200, () => a().interaction({ type: 'block_actions', actions: 'x' })],
    ['view_submission without a view', 200, () => a().interaction({ type: 'view_submission' })],
    ['shortcut without fields', 200, () => a().interaction({ type: 'shortcut' })],
    ['event_callback without an event', 200, () => a().event({ type: 'event_callback', event_id: 'EvNoEvent' })],
    ['event_callback whose event is null', 200, () => a().event({ type: 'event_callback', event_id: 'EvNull', event: null })],
    ['slash command without user or channel', 200, () => a().command({ command: '/deckhand', text: 'status', trigger_id: '9.no-user' })],
    ['interaction whose type is "constructor"', 200, () => a().interaction({ type: 'constructor' })],
  ];

  it.each(cases)('answers %s with %i, never 5xx, and executes nothing', async (name, status, send) => {
    const res = await send();
    expect(res.status).toBe(status);

    // A valid command afterwards is answered: the receiver is alive, and it is the only thing executed.
    await a().command({ ...slash, trigger_id: `after.${name}` });
    await vi.waitFor(() => expect(api.traffic()).toHaveLength(1));
    expect(core.events).toHaveLength(1);
    expect(core.events[0]).toMatchObject({ kind: 'command', eventId: `after.${name}` });

    // One warning, without a stack, and no error lines
    const warnings = log.entries.filter((e) => e.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0])).not.toMatch(/stack|\n\s+at /);
    expect(log.entries.filter((e) => e.level === 'error')).toEqual([]);
  });

  it('acknowledges a slash command it does not serve at once (no 3-second timeout)', async () => {
    const started = Date.now();
    const res = await a().command({ ...slash, command: '/other', trigger_id: 'other.1' });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(core.events).toEqual([]);
  });
});
