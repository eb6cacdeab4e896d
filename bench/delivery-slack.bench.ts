/**
 * Slack delivery benchmark (run: `npx tsx bench/delivery-slack.bench.ts`; no services needed, ~40 s).
 *
 * Fan-out of N notifications to M Slack channels through the real DeliveryQueue → SlackDeliveryTarget → the
 * delivery's own @slack/web-api WebClient (no retries of its own, 429s rejected to the queue), against a local
 * fake Web API (node:http on 127.0.0.1) that enforces, on arrival, the limits the delivery is built for
 * (SLACK_LIMITS: 1 message/s per channel, 4/s and 100/min overall); a call over a limit gets HTTP 429 with
 * `Retry-After: 1`. Real time. Figures per scenario, as in bench/delivery.bench.ts:
 * - achieved ÷ allowed rate: successful calls in the full seconds from the first arrival ÷ what the limits
 *   allow in those seconds (min(M, 4) per s, and no more than 100 per minute);
 * - lost: notifications whose text is in no delivered message of a channel they were sent to (target 0);
 * - unhandled 429s: pushes the queue gave up on (target 0); 429s answered by the fake are shown too.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSlackDelivery } from '../src/adapters/slack/slack.delivery.js';
import { systemTimers } from '../src/adapters/notifier/delivery.timers.js';
import { ReplyBuilder } from '../src/core/messages/reply-builder.js';
import { silentLogger } from '../src/core/ports/logger.port.js';
import { MemoryOutbox } from '../test/fakes/memory-outbox.js';
import { MemoryPostedMessages } from '../test/fakes/memory-posted-messages.js';
import { machine, table } from './bench-stats.js';

interface Scenario {
  name: string;
  channels: number;
  notifications: number;
  random429: number;
}

const N = Number(process.env.BENCH_N ?? 400);
const SCENARIOS: Scenario[] = [
  { name: '10 channels (bound: 4/s overall)', channels: 10, notifications: N, random429: 0 },
  { name: '3 channels (bound: 1/s per channel)', channels: 3, notifications: N, random429: 0 },
  { name: '3 channels, 5% random 429s', channels: 3, notifications: N, random429: 0.05 },
];

/** A Slack Web API that enforces the limits on arrival and records the delivered texts per channel. */
function fakeSlackApi(random429: number) {
  const byChannel = new Map<string, number[]>();
  const all: number[] = [];
  const delivered = new Map<string, string[]>();
  const sends: number[] = [];
  let limited = 0;
  let ts = 0;
  const recent = (times: number[], now: number, windowMs: number) => times.filter((t) => t > now - windowMs).length;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    const channel = body.channel ?? '';
    const now = performance.now();
    const times = byChannel.get(channel) ?? [];
    byChannel.set(channel, times);
    const tooFast = recent(times, now, 1000) >= 1 || recent(all, now, 1000) >= 4 || recent(all, now, 60_000) >= 100;
    times.push(now);
    all.push(now);
    res.setHeader('content-type', 'application/json');
    if (tooFast || Math.random() < random429) {
      limited += 1;
      res.writeHead(429, { 'retry-after': '1' });
      return res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
    }
    sends.push(now);
    delivered.set(channel, [...(delivered.get(channel) ?? []), body.text ?? '']);
    res.end(JSON.stringify({ ok: true, channel, ts: `${1_700_000_000 + ++ts}.000100` }));
  };
  const server = createServer((req, res) => void handle(req, res));
  return { server, delivered, sends, limited: () => limited };
}

/** What the limits allow in `seconds` full seconds from the first call. */
function allowed(channels: number, seconds: number): number {
  let total = 0;
  for (let s = 0; s < seconds; s++) total += Math.min(channels, 4, Math.max(0, 100 * (Math.floor(s / 60) + 1) - total));
  return total;
}

async function run(s: Scenario): Promise<string[]> {
  const fake = fakeSlackApi(s.random429);
  await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
  const { port } = fake.server.address() as AddressInfo;
  const channels = Array.from({ length: s.channels }, (_, i) => `C0BENCH${i}`);
  const { queue } = createSlackDelivery({
    token: 'xoxb-bench-token',
    apiUrl: `http://127.0.0.1:${port}/api/`,
    posted: new MemoryPostedMessages(),
    chatsFor: () => channels,
    logger: silentLogger,
    timers: systemTimers,
    outbox: new MemoryOutbox(),
  });
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
  let lost = 0;
  for (const channel of channels) {
    const text = (fake.delivered.get(channel) ?? []).join('\n');
    for (let i = 0; i < s.notifications; i++) if (!text.includes(`ALERT N${i} firing`)) lost += 1;
  }
  const stats = queue.stats();
  const ratio = seconds > 0 ? (inFull / allowed(s.channels, seconds)).toFixed(3) : 'n/a';
  return [s.name, String(s.notifications * s.channels), String(fake.sends.length), String(seconds), ratio, String(lost), String(fake.limited()), String(stats.rateLimited), String(stats.failed)];
}

const rows = [['scenario', 'pushes', 'messages', 'full s', 'achieved/allowed', 'lost', '429 answered', '429 retried', 'unhandled (failed)']];
for (const s of SCENARIOS) rows.push(await run(s));
console.log(machine());
console.log(table(rows));
