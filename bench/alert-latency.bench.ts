/**
 * Alert latency benchmark (run: `npm run bench:alerts`; PostgreSQL as for the integration tests, ~20 s):
 * Alertmanager webhook received → first chat message sent.
 *
 * The real HTTP server (createHttpServer) with the real Alertmanager route (createAlertmanagerWebhookHandler:
 * auth, body, zod, processor) over PrismaIncidentStore on a fresh test schema, publishing through the
 * NotifierRouter to the Telegram delivery queue (rate gate, PrismaPostedMessages, TelegramDeliveryTarget, grammY),
 * which calls a local fake Bot API (node:http on 127.0.0.1, same process). N distinct alert groups are POSTed
 * one after another at a steady pace; each opens an incident and publishes its living message once. Measured
 * per group: from just before the POST to the moment the fake Bot API has the sendMessage for that group.
 *
 * Rate limits are kept, not bypassed: the groups go round-robin to PROJECTS projects, each bound to a private
 * chat of its own, at one POST every INTERVAL ms, so each chat gets one message per PROJECTS × INTERVAL ms
 * (1.5 s by default, under Telegram's 1/s per chat) and the bot 1000 / INTERVAL per second (20, under 30/s):
 * the gate never has to hold a message back, and what is measured is the path, not the limiter.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { ALERTMANAGER_WEBHOOK_PATH, createAlertmanagerWebhookHandler } from '../src/adapters/http/alertmanager.handler.js';
import { createHttpServer } from '../src/adapters/http/http-server.js';
import { createTelegramDelivery } from '../src/adapters/telegram/telegram.delivery.js';
import { createNotifier } from '../src/adapters/notifier/notifier.router.js';
import { prismaUnit } from '../test/support/prisma-unit.js';
import { PrismaAuditLog } from '../src/adapters/prisma/audit.repository.js';
import { PrismaIncidentStore } from '../src/adapters/prisma/incident.repository.js';
import { PrismaOutbox } from '../src/adapters/prisma/outbox.repository.js';
import { PrismaPostedMessages } from '../src/adapters/prisma/posted-message.repository.js';
import { systemClock } from '../src/core/ports/clock.port.js';
import { silentLogger } from '../src/core/ports/logger.port.js';
import { createTestDatabase } from '../test/support/db.js';
import { machine, ms, summarize, table } from './bench-stats.js';

const N = Number(process.env.BENCH_ALERTS ?? 300);
const WARMUP = 30;
const PROJECTS = 30;
const INTERVAL_MS = 50;
const BEARER = 'bench-alertmanager-token';
const BOT_TOKEN = '123456:BENCH-alerts';

/** A Bot API that stamps the arrival of each group's first sendMessage (the group is named in the text). */
function fakeBotApi() {
  const arrivals = new Map<number, number>();
  let messageId = 1;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const at = performance.now();
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { chat_id: number; text?: string };
    const group = /BenchAlert(\d+)/.exec(body.text ?? '')?.[1];
    if (req.url?.endsWith('/sendMessage') && group !== undefined && !arrivals.has(Number(group))) arrivals.set(Number(group), at);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ok: true, result: { message_id: messageId++, date: 0, chat: { id: body.chat_id, type: 'private' }, text: '' } }));
  };
  return { server: createServer((req, res) => void handle(req, res)), arrivals };
}

function payload(i: number) {
  const labels = { alertname: `BenchAlert${i}`, project: `bench${i % PROJECTS}`, service: 'api', severity: 'critical' };
  return {
    version: '4',
    groupKey: `{}:{alertname="BenchAlert${i}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'deckhand',
    groupLabels: { alertname: labels.alertname },
    commonLabels: labels,
    commonAnnotations: { summary: `p99 latency over 250 ms on api (${i})` },
    externalURL: 'http://alertmanager.local',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations: { summary: `p99 latency over 250 ms on api (${i})` },
        startsAt: new Date().toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.local/graph',
        fingerprint: i.toString(16).padStart(16, '0'),
      },
    ],
  };
}

const sleep = (msec: number) => new Promise((r) => setTimeout(r, Math.max(0, msec)));

async function waitFor(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error('timed out waiting for the chat messages');
    await sleep(5);
  }
}

const db = await createTestDatabase('alert_latency');
const bot = fakeBotApi();
await new Promise<void>((resolve) => bot.server.listen(0, '127.0.0.1', resolve));
const apiRoot = `http://127.0.0.1:${(bot.server.address() as AddressInfo).port}`;
const projects = Array.from({ length: PROJECTS }, (_, p) => `bench${p}`);
const chatOf = (project: string) => String(1000 + projects.indexOf(project));
const { queue } = createTelegramDelivery({
  token: BOT_TOKEN,
  apiRoot,
  posted: new PrismaPostedMessages(db.prisma),
  outbox: new PrismaOutbox(db.prisma),
  chatsFor: (project) => (projects.includes(project) ? [chatOf(project)] : []),
  logger: silentLogger,
});
queue.start();
// `settings` and `catalog` feed the alert message's buttons (being added to the processor's deps as this
// bench was written; a variable, not a literal, so the bench compiles with and without them).
const notifier = createNotifier({ telegram: queue }, silentLogger);
const webhookOptions = {
  auth: { bearerToken: BEARER },
  incidents: new PrismaIncidentStore(db.prisma),
  audit: new PrismaAuditLog(db.prisma),
  notifier,
  unit: prismaUnit(db.prisma, notifier, { pushes: 'outbox' }),
  clock: systemClock,
  logger: silentLogger,
  projects: new Set(projects),
  nameOf: (id: string) => id,
  settings: { serviceLabel: 'service', envLabel: 'env', silenceMs: 3_600_000 },
  catalog: { projects: [] },
};
const handler = createAlertmanagerWebhookHandler(webhookOptions);
const http = createHttpServer({ logger: silentLogger, metricsRegistry: new Registry(), routes: [{ method: 'POST', path: ALERTMANAGER_WEBHOOK_PATH, handler }] });
const { port } = await http.listen(0, '127.0.0.1');
const url = `http://127.0.0.1:${port}${ALERTMANAGER_WEBHOOK_PATH}`;

const posted = new Map<number, number>();
try {
  const start = performance.now();
  for (let i = 0; i < WARMUP + N; i++) {
    await sleep(start + i * INTERVAL_MS - performance.now());
    posted.set(i, performance.now());
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${BEARER}`, 'content-type': 'application/json' }, body: JSON.stringify(payload(i)) });
    if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  }
  await waitFor(() => bot.arrivals.size >= WARMUP + N, 30_000);
  await queue.drain();
  await queue.stop();
} finally {
  await http.close();
  bot.server.close();
  await db.drop();
}

const latencies = Array.from({ length: N }, (_, k) => WARMUP + k).map((i) => bot.arrivals.get(i)! - posted.get(i)!);
const s = summarize(latencies);
console.log(machine());
console.log(`alert groups: ${N} measured after ${WARMUP} warm-up, one POST every ${INTERVAL_MS} ms round-robin over ${PROJECTS} projects/chats`);
console.log(
  table([
    ['measure', 'n', 'p50', 'p99', 'min', 'max', 'target', 'met'],
    ['webhook POST → sendMessage at the Bot API', String(s.n), ms(s.median), ms(s.p99), ms(s.min), ms(s.max), 'p99 < 250 ms', s.p99 < 250 ? 'yes' : 'no'],
  ]),
);
const { rateLimited, failed, sends } = queue.stats();
console.log(`delivery: ${sends} sends, ${rateLimited} rate-limited, ${failed} failed`);
