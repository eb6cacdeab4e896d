/**
 * Foundation benchmark (run: `npm run bench`, i.e. `tsx bench/status.bench.ts`).
 *
 * 1. `/status` of a project with 20 running containers (4 services × 5 replicas) through the whole stack:
 *    a real Telegram Update → grammY `bot.handleUpdate` → Telegram adapter (redelivery check in PostgreSQL,
 *    command parser) → real core from the composition root (buildApp: audit to PostgreSQL, the real
 *    DockerRuntimeRegistry) → Podman's Docker API → renderTelegram → sendMessage, captured by an in-process
 *    API transformer instead of the network. Interleaved with the raw dockerode calls status needs.
 * 2. Idle RSS and start-to-ready time of the built server (dist/src/bot/main.js; run `npm run build` first).
 *
 * Needs PostgreSQL, Redis and Podman (as for the integration tests). Removes its containers at the end.
 */
import type { Update, UserFromGetMe } from 'grammy/types';
import type Docker from 'dockerode';
import { createPrismaClient } from '../src/adapters/prisma/prisma-client.js';
import { PrismaProcessedEvents } from '../src/adapters/prisma/processed-event.repository.js';
import { createTelegramAdapter, type TelegramAdapter } from '../src/adapters/telegram/telegram.adapter.js';
import { parseConfig } from '../src/bot/config.js';
import { buildApp } from '../src/bot/container.js';
import { readEnv } from '../src/bot/env.js';
import { asCoreLogger, createLogger } from '../src/bot/logger.js';
import { createTestDatabase, type TestDatabase } from '../test/support/db.js';
import { requireBuiltBot, writeTempConfig } from '../test/support/e2e-bot.js';
import { dockerHostUrl, PodmanFixture, requireEngine } from '../test/support/podman.js';
import { measureServer, summarizeServer } from './bench-server.js';
import { machine, ms, summarize, table } from './bench-stats.js';

const SERVICES = 4;
const REPLICAS = 5;
const WARMUP = 20;
const RUNS = Number(process.env.BENCH_RUNS ?? 300);
const USER_ID = 515151;
const BOT_INFO: UserFromGetMe = {
  id: 7000002, is_bot: true, first_name: 'Deckhand', username: 'deckhand_bench_bot',
  can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false,
  can_connect_to_business: false, has_main_web_app: false,
} as UserFromGetMe;
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

function configYaml(tag: string): string {
  const services = Array.from({ length: SERVICES }, (_, i) => `          svc-${i}: { host: local, labels: { deckhand.bench: ${tag}, deckhand.bench.svc: svc-${i} } }`);
  return [
    'hosts:', `  local: { url: "${dockerHostUrl()}" }`,
    'projects:', '  shop:', '    environments:', '      prod:', '        services:', ...services,
    'people:', '  - id: alice', `    telegram: ${USER_ID}`, '    roles: [{ role: admin, project: shop }]', '',
  ].join('\n');
}

async function createContainers(podman: PodmanFixture): Promise<void> {
  for (let s = 0; s < SERVICES; s++) {
    await Promise.all(Array.from({ length: REPLICAS }, (_, r) =>
      podman.create({ name: podman.name(`svc-${s}-${r}`), labels: { 'deckhand.bench': podman.runId, 'deckhand.bench.svc': `svc-${s}` }, Cmd: ['sleep', '3600'] })));
  }
}

function statusUpdate(updateId: number): Update {
  return {
    update_id: updateId,
    message: {
      message_id: updateId, date: Math.floor(Date.now() / 1000),
      chat: { id: USER_ID, type: 'private', first_name: 'Alice' },
      from: { id: USER_ID, is_bot: false, first_name: 'Alice' },
      text: '/status', entities: [{ type: 'bot_command', offset: 0, length: 7 }],
    },
  } as Update;
}

/** The adapter with sendMessage captured in-process (the last installed transformer runs first). */
function captureSends(adapter: TelegramAdapter, sent: string[]): void {
  adapter.bot.api.config.use(async (_prev, method, payload) => {
    if (method !== 'sendMessage') throw new Error(`unexpected Bot API call ${method}`);
    sent.push((payload as { text: string }).text);
    const result = { message_id: sent.length, date: Math.floor(Date.now() / 1000), chat: { id: USER_ID, type: 'private' }, text: '' };
    return { ok: true, result } as never;
  });
}

async function rawStatusCalls(docker: Docker, tag: string): Promise<number> {
  const list = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`deckhand.bench=${tag}`] }) });
  await Promise.all(list.map((c) => docker.getContainer(c.Id).inspect()));
  return list.length;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function benchStatus(db: TestDatabase, docker: Docker, tag: string, configFile: string) {
  const env = readEnv({ DATABASE_URL: db.url, DECKHAND_CONFIG: configFile, REDIS_URL, LOG_LEVEL: 'silent' });
  const logger = createLogger({ level: 'silent' });
  const app = await buildApp(env, parseConfig(configYaml(tag), configFile), logger, { shellOnly: true });
  const prisma = createPrismaClient(db.url, { poolMax: 5 });
  const processed = new PrismaProcessedEvents(prisma);
  const adapter = createTelegramAdapter({
    token: '123456789:AABenchTokenNotUsedOnAnyNetwork_0', core: app.core, logger: asCoreLogger(logger),
    mode: { kind: 'polling' }, botInfo: BOT_INFO, throttle: false,
    isFirstSeen: (id) => processed.firstSeen('telegram', String(id)),
  });
  const sent: string[] = [];
  captureSends(adapter, sent);
  let updateId = 1;
  const full = async () => {
    const before = sent.length;
    await adapter.bot.handleUpdate(statusUpdate(updateId++));
    if (sent.length !== before + 1 || !sent[before]!.includes(`${SERVICES * REPLICAS} running`)) {
      throw new Error(`status reply is not what the bench expects:\n${sent.slice(before).join('\n---\n')}`);
    }
  };
  // The core alone (no Telegram adapter, no redelivery check, no rendering): splits the overhead.
  const core = async () => {
    const reply = await app.core.handle({ kind: 'command', platform: 'telegram', platformUserId: String(USER_ID), chatId: String(USER_ID), chatType: 'private', text: 'status', receivedAt: new Date() });
    if (reply.tone === 'error') throw new Error(`core status failed: ${reply.text}`);
  };
  const raw = async () => {
    const n = await rawStatusCalls(docker, tag);
    if (n !== SERVICES * REPLICAS) throw new Error(`raw list found ${n} containers`);
  };
  try {
    for (let i = 0; i < WARMUP; i++) {
      await full();
      await raw();
      await core();
    }
    const fullMs: number[] = [];
    const rawMs: number[] = [];
    const coreMs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      // Alternate which goes first so neither always runs on a warmer engine.
      if (i % 2 === 0) { fullMs.push(await timed(full)); rawMs.push(await timed(raw)); coreMs.push(await timed(core)); }
      else { coreMs.push(await timed(core)); rawMs.push(await timed(raw)); fullMs.push(await timed(full)); }
    }
    const audited = await db.pool.query<{ n: string }>("SELECT count(*) AS n FROM audit_log WHERE intent = 'status' AND outcome = 'ok' AND platform = 'telegram'");
    return { full: summarize(fullMs), raw: summarize(rawMs), core: summarize(coreMs), audited: Number(audited.rows[0]!.n), sample: sent[sent.length - 1]! };
  } finally {
    await app.stop();
    await prisma.$disconnect();
  }
}

async function main(): Promise<void> {
  requireBuiltBot();
  const docker = await requireEngine();
  const podman = new PodmanFixture(docker, 'bench-status');
  const db = await createTestDatabase('bench-status');
  const config = await writeTempConfig(configYaml(podman.runId));
  console.log(`machine: ${machine()}`);
  console.log(`engine: ${dockerHostUrl()} · ${SERVICES} services × ${REPLICAS} replicas · ${WARMUP} warm-up + ${RUNS} runs each, interleaved\n`);
  try {
    await createContainers(podman);
    const status = await benchStatus(db, docker, podman.runId, config.file);
    const server = await measureServer({ DECKHAND_CONFIG: config.file, DATABASE_URL: db.url, REDIS_URL });
    const s = summarizeServer(server);
    const ratio = status.full.median / status.raw.median;
    console.log(table([
      ['measure', 'n', 'median', 'p99', 'min', 'max', 'target', 'met'],
      ['status, full stack (Telegram update → reply)', String(status.full.n), ms(status.full.median), ms(status.full.p99), ms(status.full.min), ms(status.full.max), 'p99 < 100 ms', status.full.p99 < 100 ? 'yes' : 'NO'],
      ['raw dockerode (list + 20 inspects)', String(status.raw.n), ms(status.raw.median), ms(status.raw.p99), ms(status.raw.min), ms(status.raw.max), '', ''],
      ['core only (core.handle, no adapter)', String(status.core.n), ms(status.core.median), ms(status.core.p99), ms(status.core.min), ms(status.core.max), '', ''],
      ['ratio of medians full / raw', '', ratio.toFixed(3), '', '', '', '≤ 1.2', ratio <= 1.2 ? 'yes' : 'NO'],
      ['server start → /readyz 200', String(server.startToReadyMs.length), ms(s.readyMedianMs), '', ms(Math.min(...server.startToReadyMs)), ms(Math.max(...server.startToReadyMs)), '< 2000 ms', s.readyMedianMs < 2000 ? 'yes' : 'NO'],
      ['idle RSS (VmRSS, MB)', String(server.rssMb.length), s.rssMedianMb.toFixed(1), '', Math.min(...server.rssMb).toFixed(1), s.rssMaxMb.toFixed(1), '< 120 MB', s.rssMaxMb < 120 ? 'yes' : 'NO'],
    ]));
    console.log(`\naudit rows (status, ok): ${status.audited}`);
    console.log(`last reply (first line): ${status.sample.split('\n')[0]}`);
  } finally {
    await podman.cleanup();
    await config.remove();
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
