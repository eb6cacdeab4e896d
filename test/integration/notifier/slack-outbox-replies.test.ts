/**
 * Slack replies in the PostgreSQL outbox: the listener writes the reply as a row of the shared outbox before
 * it acknowledges the request, so a reply survives the replica that took the request, and a request that
 * reaches a second replica is answered once. Bolt and the WebClient are real; only Slack's HTTP endpoints
 * are intercepted (msw).
 */
import { readFileSync } from 'node:fs';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemTimers } from '../../../src/adapters/notifier/delivery.timers.js';
import { PrismaOutbox } from '../../../src/adapters/prisma/outbox.repository.js';
import { createPrismaClient, type PrismaClient } from '../../../src/adapters/prisma/prisma-client.js';
import { ReplyBuilder } from '../../../src/core/messages/reply-builder.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { recordingLogger } from '../../unit/adapters/telegram/recording-core.js';
import { API, SlackApiRecorder } from '../../unit/adapters/slack/slack-api.recorder.js';
import { OutboxCore, slackReplica, type SlackReplica } from '../../unit/adapters/slack/slack-outbox.replica.js';

const slash = JSON.parse(readFileSync(new URL('../../fixtures/slack/slash-command.json', import.meta.url), 'utf8')) as Record<string, string>;
const RESPONSE_URL = slash.response_url!;

const api = new SlackApiRecorder();
const msw = setupServer(...api.handlers());
let db: TestDatabase;
const clients: PrismaClient[] = [];
const replicas: SlackReplica[] = [];
let core: OutboxCore;
let log: ReturnType<typeof recordingLogger>;

beforeAll(async () => {
  msw.listen({ onUnhandledRequest: 'error' });
  db = await createTestDatabase('slack_outbox_replies');
});
beforeEach(async () => {
  api.reset();
  core = new OutboxCore();
  log = recordingLogger();
  await db.pool.query('TRUNCATE outbox_message, outbox_lane');
});
afterEach(async () => {
  msw.resetHandlers();
  await Promise.all(replicas.map((r) => r.close()));
  replicas.length = 0;
});
afterAll(async () => {
  msw.close();
  await Promise.all(clients.map((c) => c.$disconnect()));
  await db?.drop();
});

/** A replica with a PostgreSQL connection of its own, as another process would have. */
async function replica(holder: string): Promise<SlackReplica> {
  const prisma = createPrismaClient(db.url, { poolMax: 2 });
  clients.push(prisma);
  const r = await slackReplica({ core, outbox: new PrismaOutbox(prisma), logger: log.logger, timers: systemTimers, holder });
  replicas.push(r);
  return r;
}

const rows = async () =>
  (await db.pool.query(`SELECT key, kind, state, payload FROM outbox_message WHERE platform = 'slack' ORDER BY seq`)).rows as { key: string; kind: string; state: string; payload: Record<string, unknown> }[];

describe('slack replies in the PostgreSQL outbox', () => {
  it('answers a slash command once, across two replicas that both got it, and attaches its buttons', async () => {
    core.reply = new ReplyBuilder('warning')
      .text('Deploy shop:1.2.3 to prod?')
      .block({ type: 'buttons', buttons: [{ label: 'Confirm', actionId: 'deploy.confirm', pendingId: 'pend_7' }] })
      .build();
    const [a, b] = [await replica('replica-a'), await replica('replica-b')];
    const command = { ...slash, trigger_id: 'trig.pg.1' };
    const res = await a.client.command(command);
    expect(res.status).toBe(200);
    // Durably accepted before the answer: the row is in PostgreSQL by the time Slack has its 200.
    expect((await rows()).map((r) => r.key)).toEqual(['reply:slack-req:trig.pg.1:slack:C2147483705']);
    expect((await b.client.command(command)).status).toBe(200);
    await Promise.all([...a.handling, ...b.handling]);
    await vi.waitFor(async () => expect((await rows()).map((r) => r.state)).toEqual(['sent']), { timeout: 10_000 });

    expect(core.events).toHaveLength(2);
    // A message with buttons is posted with chat.postMessage (its ts is what progress edits), once.
    expect(api.traffic().map((c) => [c.url, c.body.channel])).toEqual([[`${API}/chat.postMessage`, 'C2147483705']]);
    await vi.waitFor(() => expect(core.attached).toEqual([{ pendingId: 'pend_7', ref: { platform: 'slack', chatId: 'C2147483705', messageId: '1700000000.000100' } }]));
  });

  it('delivers a reply whose replica stopped while Slack was failing: the next replica sends it, once', async () => {
    let calls = 0;
    msw.use(http.post(RESPONSE_URL, () => (++calls === 1 ? new HttpResponse('unavailable', { status: 503 }) : undefined)));
    const a = await replica('replica-a');
    expect((await a.client.command({ ...slash, trigger_id: 'trig.pg.2' })).status).toBe(200);
    await Promise.all(a.handling);
    await vi.waitFor(() => expect(calls).toBe(1), { timeout: 10_000 });
    await a.queue.stop();
    await a.close();
    expect((await rows()).map((r) => r.state)).toEqual(['waiting']);

    const b = await replica('replica-b');
    await vi.waitFor(async () => expect((await rows()).map((r) => r.state)).toEqual(['sent']), { timeout: 10_000 });
    expect(calls).toBe(2);
    expect(api.traffic().filter((c) => c.url === RESPONSE_URL).map((c) => c.body.response_type)).toEqual(['in_channel']);
    expect(b.queue.stats().delivered).toBe(1);
    expect(a.queue.stats().delivered).toBe(0);
  });
});
