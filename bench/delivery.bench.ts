/**
 * Delivery benchmark (run: `npx tsx bench/delivery.bench.ts`; no services needed). The Slack counterpart
 * is bench/delivery-slack.bench.ts.
 *
 * Fan-out of N notifications to M Telegram chats through the real DeliveryQueue → TelegramDeliveryTarget →
 * grammY, against a local fake Bot API (node:http on 127.0.0.1) that enforces Telegram's limits on arrival:
 * 1 message/s per chat, 20/min per group, 30/s overall; a call over a limit gets 429 with retry_after.
 * Real time. Figures per scenario:
 * - achieved ÷ allowed rate: successful sends in the full seconds from the first arrival (the partial last
 *   second, when queues drain, is left out) ÷ what the limits allow in those seconds;
 * - lost: notifications whose text is in no delivered message of a chat they were sent to (target 0);
 * - unhandled 429s: pushes the queue gave up on after a 429 (target 0); 429s answered by the fake are shown
 *   too (the limiter should avoid them; a scenario adds 5% random 429s with retry_after 1 on purpose).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTelegramDelivery } from '../src/adapters/telegram/telegram.delivery.js';
import { systemTimers } from '../src/adapters/notifier/delivery.timers.js';
import { ReplyBuilder } from '../src/core/messages/reply-builder.js';
import { silentLogger } from '../src/core/ports/logger.port.js';
import { MemoryOutbox } from '../test/fakes/memory-outbox.js';
import { MemoryPostedMessages } from '../test/fakes/memory-posted-messages.js';
import { machine, table } from './bench-stats.js';

const TOKEN = '123456:BENCH-token';

interface Scenario {
  name: string;
  chats: number;
  notifications: number;
  group: boolean;
  random429: number;
}

const SCENARIOS: Scenario[] = [
  { name: '40 private chats (bound: 30/s overall)', chats: 40, notifications: Number(process.env.BENCH_N ?? 600), group: false, random429: 0 },
  { name: '10 private chats (bound: 1/s per chat)', chats: 10, notifications: Number(process.env.BENCH_N ?? 600), group: false, random429: 0 },
  { name: '10 private chats, 5% random 429s', chats: 10, notifications: Number(process.env.BENCH_N ?? 600), group: false, random429: 0.05 },
];

/** A Bot API that enforces the limits on arrival and records the delivered texts per chat. */
function fakeBotApi(random429: number) {
  const byChat = new Map<string, number[]>();
  const all: number[] = [];
  const delivered = new Map<string, string[]>();
  const sends: number[] = [];
  let limited = 0;
  let messageId = 1;
  const over = (times: number[], now: number, limit: number, windowMs: number) => times.filter((t) => t > now - windowMs).length >= limit;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { chat_id: number; text: string };
    const chat = String(body.chat_id);
    const now = performance.now();
    const times = byChat.get(chat) ?? [];
    byChat.set(chat, times);
    const tooFast = over(times, now, 1, 1000) || (chat.startsWith('-') && over(times, now, 20, 60_000)) || over(all, now, 30, 1000);
    times.push(now);
    all.push(now);
    res.setHeader('content-type', 'application/json');
    if (tooFast || Math.random() < random429) {
      limited += 1;
      res.statusCode = 429;
      return res.end(JSON.stringify({ ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } }));
    }
    sends.push(now);
    delivered.set(chat, [...(delivered.get(chat) ?? []), body.text]);
    res.end(JSON.stringify({ ok: true, result: { message_id: messageId++, date: 0, chat: { id: body.chat_id, type: 'private' }, text: '' } }));
  };
  const server = createServer((req, res) => void handle(req, res));
  return { server, delivered, sends, limited: () => limited };
}

async function run(s: Scenario) {
  const fake = fakeBotApi(s.random429);
  await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
  const { port } = fake.server.address() as AddressInfo;
  const chats = Array.from({ length: s.chats }, (_, i) => String(s.group ? -(1000 + i) : 1000 + i));
  const { queue } = createTelegramDelivery({ token: TOKEN, apiRoot: `http://127.0.0.1:${port}`, posted: new MemoryPostedMessages(), outbox: new MemoryOutbox(), chatsFor: () => chats, logger: silentLogger, timers: systemTimers });
  queue.start();
  for (let i = 0; i < s.notifications; i++) {
    await queue.announce('shop', new ReplyBuilder('error').header(`ALERT N${i} firing`).text(`HighLatency on web-${i % 17}: p99 > 250 ms`).build());
  }
  await queue.drain();
  await queue.stop();
  fake.server.close();

  const first = fake.sends[0] ?? 0;
  const seconds = Math.floor(((fake.sends[fake.sends.length - 1] ?? first) - first) / 1000);
  const inFull = fake.sends.filter((t) => t < first + seconds * 1000).length;
  const allowed = seconds * Math.min(s.chats, 30);
  let lost = 0;
  for (const chat of chats) {
    const text = (fake.delivered.get(chat) ?? []).join('\n');
    for (let i = 0; i < s.notifications; i++) if (!text.includes(`ALERT N${i} firing`)) lost += 1;
  }
  const stats = queue.stats();
  return [s.name, String(s.notifications * s.chats), String(fake.sends.length), String(seconds), (inFull / allowed).toFixed(3), String(lost), String(fake.limited()), String(stats.rateLimited), String(stats.failed)];
}

const rows = [['scenario', 'pushes', 'messages', 'full s', 'achieved/allowed', 'lost', '429 answered', '429 retried', 'unhandled (failed)']];
for (const s of SCENARIOS) rows.push(await run(s));
console.log(machine());
console.log(table(rows));
