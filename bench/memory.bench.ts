/**
 * Idle memory and start-up time of the BUILT server (run: `npm run build && npm run bench:memory`; needs
 * PostgreSQL, Redis and Podman as the e2e tests do; ~5 min).
 *
 * Each start spawns dist/app/main.js the way an operator runs it (test/support/e2e-bot.ts), with Telegram
 * in webhook mode against the local fake Bot API and Slack in HTTP mode against a local fake Web API, and
 * measures:
 * - start to ready: from spawn to the first `/readyz` 200 (polled every 20 ms);
 * - idle RSS: VmRSS from /proc/<pid>/status after BENCH_IDLE_MS (default 30 s) of idling once ready, with
 *   VmHWM (the peak) beside it.
 * Median of BENCH_STARTS (default 3) starts per scenario. BENCH_SCENARIOS picks scenarios by name
 * (comma-separated): `telegram+slack` (the target: RSS < 120 MB, ready < 1 s), `telegram`, `slack`.
 * BENCH_BOT_NODE_OPTIONS goes to the bot's NODE_OPTIONS only (e.g. `--heap-prof` to attribute the heap);
 * BUILT_MAIN_OVERRIDE runs another build (e.g. an older commit's, built in a worktree) to compare the two.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { freePort, requireBuiltBot, serverBotEnv, spawnBot, waitForHttp, writeTempConfig } from '../test/support/e2e-bot.js';
import { createE2eWorld } from '../test/support/e2e-fixture.js';
import { FakeTelegramApi } from '../test/support/e2e-telegram-api.js';
import { machine, median, table } from './bench-stats.js';

const STARTS = Number(process.env.BENCH_STARTS ?? 3);
// 10 s after ready RSS is still the start-up's peak; V8 gives memory back once the process has idled a while
// longer (155 MB at 10 s, 113-122 MB at 30 s, Telegram and Slack configured: BENCHMARKS.md).
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 30_000);
const TOKEN = '123456789:AAMemoryBenchFakeTokenForDeckhand_xyz';

interface Scenario {
  name: string;
  telegram: boolean;
  slack: boolean;
}

const ALL: Scenario[] = [
  { name: 'telegram+slack', telegram: true, slack: true },
  { name: 'telegram', telegram: true, slack: false },
  { name: 'slack', telegram: false, slack: true },
];
const picked = process.env.BENCH_SCENARIOS?.split(',').map((s) => s.trim());
const SCENARIOS = picked ? ALL.filter((s) => picked.includes(s.name)) : ALL;

/** Enough of the Slack Web API for a bot to start: auth.test, and `ok` for anything else. */
async function fakeSlackApi(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req: IncomingMessage, res) => {
    req.resume();
    req.once('end', () => {
      const method = req.url?.split('?')[0]?.split('/').pop() ?? '';
      const body = method === 'auth.test' ? { ok: true, url: 'https://bench.slack.test/', team: 'bench', user: 'deckhand', team_id: 'T0BENCH', user_id: 'U0BENCH', bot_id: 'B0BENCH' } : { ok: true };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function procStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  if (!line) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(line.split(/\s+/)[1]);
}

const mb = (kb: number) => (kb / 1024).toFixed(1);

requireBuiltBot();
const world = await createE2eWorld('memory-bench');
const config = await writeTempConfig(world.configYaml());
const telegram = new FakeTelegramApi();
const apiRoot = await telegram.start();
const slack = await fakeSlackApi();

async function once(s: Scenario): Promise<{ readyMs: number; rssKb: number; hwmKb: number }> {
  const port = await freePort();
  const env = serverBotEnv({ configFile: config.file, databaseUrl: world.db.url, port, telegram: { token: TOKEN, apiRoot, webhookSecret: `whsec_${randomBytes(8).toString('hex')}` }, shutdownTimeoutMs: 3000 });
  if (!s.telegram) for (const key of Object.keys(env)) if (key.startsWith('TELEGRAM_')) delete env[key];
  if (s.slack) Object.assign(env, { SLACK_BOT_TOKEN: 'xoxb-memory-bench', SLACK_SIGNING_SECRET: 'bench-signing-secret', SLACK_API_URL: slack.url });
  if (process.env.BENCH_BOT_NODE_OPTIONS) env.NODE_OPTIONS = process.env.BENCH_BOT_NODE_OPTIONS;
  const started = performance.now();
  const bot = spawnBot([], env);
  let alive = true;
  void bot.exited.then(() => (alive = false));
  try {
    await waitForHttp(`http://127.0.0.1:${port}/readyz`, 200, 30_000, () => alive);
    const readyMs = performance.now() - started;
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const pid = bot.child.pid!;
    return { readyMs, rssKb: procStatusKb(pid, 'VmRSS'), hwmKb: procStatusKb(pid, 'VmHWM') };
  } finally {
    bot.child.kill('SIGTERM');
    await Promise.race([bot.exited, new Promise((r) => setTimeout(r, 5000))]);
    bot.kill();
  }
}

const rows = [['scenario', 'starts', 'idle RSS median (MB)', 'RSS min–max', 'peak RSS median', 'start→ready median (ms)', 'ready min–max']];
try {
  for (const s of SCENARIOS) {
    const runs = [];
    for (let i = 0; i < STARTS; i++) runs.push(await once(s));
    const rss = runs.map((r) => r.rssKb);
    const ready = runs.map((r) => r.readyMs);
    rows.push([
      s.name,
      String(runs.length),
      mb(median(rss)),
      `${mb(Math.min(...rss))}–${mb(Math.max(...rss))}`,
      mb(median(runs.map((r) => r.hwmKb))),
      median(ready).toFixed(0),
      `${Math.min(...ready).toFixed(0)}–${Math.max(...ready).toFixed(0)}`,
    ]);
  }
} finally {
  await telegram.stop();
  await slack.close();
  await config.remove();
  await world.cleanup();
}
console.log(machine());
console.log(`nproc ${cpus().length} · load ${loadavg().map((l) => l.toFixed(2)).join(' ')} · idle ${IDLE_MS} ms before reading RSS`);
console.log(table(rows));
