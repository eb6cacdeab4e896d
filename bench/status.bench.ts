/**
 * Foundation benchmark (run: `npm run bench`, i.e. `tsx bench/status.bench.ts`).
 *
 * 1. `/status` of a project with 20 running containers (4 services × 5 replicas) through the whole stack:
 *    a real Telegram Update → grammY `bot.handleUpdate` → Telegram adapter (redelivery check in PostgreSQL,
 *    command parser) → real core from the composition root (buildApp, started: audit to PostgreSQL, the
 *    real DockerRuntimeRegistry) → renderTelegram → sendMessage, captured by an in-process API transformer
 *    instead of the network. Two apps side by side: one whose host keeps the live container index (status
 *    answered from memory; its engine traffic goes through a recording proxy, which proves it makes no
 *    engine call), one with `index: false` (filtered lists + inspects on Podman's Docker API). Interleaved
 *    with the raw dockerode calls status needs, filtered and unfiltered (what status did before).
 *    Measured twice: with only the project's containers on the engine, then with BENCH_UNRELATED (200)
 *    unrelated containers beside them.
 * 2. Idle RSS and start-to-ready time of the built server (dist/app/main.js; run `npm run build` first;
 *    BENCH_SERVER=0 skips it).
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
import { EngineProxy } from '../test/support/engine-proxy.js';
import { dockerHostUrl, PodmanFixture, requireEngine } from '../test/support/podman.js';
import { measureServer, summarizeServer } from './bench-server.js';
import { machine, ms, summarize, table } from './bench-stats.js';

const SERVICES = 4;
const REPLICAS = 5;
const WARMUP = 20;
const RUNS = Number(process.env.BENCH_RUNS ?? 300);
const UNRELATED = Number(process.env.BENCH_UNRELATED ?? 200);
const SERVER = process.env.BENCH_SERVER !== '0';
const USER_ID = 515151;
const BOT_INFO: UserFromGetMe = {
  id: 7000002, is_bot: true, first_name: 'Deckhand', username: 'deckhand_bench_bot',
  can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false,
  can_connect_to_business: false, has_main_web_app: false,
} as UserFromGetMe;
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

function configYaml(tag: string, host: { url?: string; index?: boolean } = {}): string {
  const services = Array.from({ length: SERVICES }, (_, i) => `          svc-${i}: { host: local, labels: { deckhand.bench: ${tag}, deckhand.bench.svc: svc-${i} } }`);
  const index = host.index === false ? ', index: false' : '';
  return [
    'hosts:', `  local: { url: "${host.url ?? dockerHostUrl()}"${index} }`,
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

/** Unrelated containers: half look like another project's (same label keys), half carry no label of ours. */
async function createUnrelated(podman: PodmanFixture, count: number): Promise<void> {
  for (let i = 0; i < count; i += 10) {
    await Promise.all(Array.from({ length: Math.min(10, count - i) }, (_, j) => {
      const n = i + j;
      const labels: Record<string, string> = n % 2 === 0 ? { 'deckhand.bench': `other-${podman.runId}`, 'deckhand.bench.svc': `svc-${n % SERVICES}` } : {};
      return podman.create({ name: podman.name(`unrelated-${n}`), labels, Cmd: ['sleep', '3600'] });
    }));
  }
}

async function rawStatusCalls(docker: Docker, tag: string): Promise<number> {
  const list = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`deckhand.bench=${tag}`, 'deckhand.bench.svc'] }) });
  await Promise.all(list.map((c) => docker.getContainer(c.Id).inspect()));
  return list.length;
}

/** What status did before the index, for a project with several selectors: every container of the host listed. */
async function rawUnfilteredCalls(docker: Docker, tag: string): Promise<number> {
  const list = (await docker.listContainers({ all: true })).filter((c) => c.Labels?.['deckhand.bench'] === tag);
  await Promise.all(list.map((c) => docker.getContainer(c.Id).inspect()));
  return list.length;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

interface StatusApp {
  name: string;
  full: () => Promise<void>;
  core: () => Promise<void>;
  stop: () => Promise<void>;
}

/** The bot as the composition root builds and starts it, with /status driven through the Telegram adapter. */
async function startApp(name: string, db: TestDatabase, yaml: string, configFile: string, updateBase: number): Promise<StatusApp> {
  const env = readEnv({ DATABASE_URL: db.url, DECKHAND_CONFIG: configFile, REDIS_URL, LOG_LEVEL: 'silent' });
  const logger = createLogger({ level: 'silent' });
  const app = await buildApp(env, parseConfig(yaml, configFile), logger, { shellOnly: true });
  await app.start();
  const prisma = createPrismaClient(db.url, { poolMax: 5 });
  const processed = new PrismaProcessedEvents(prisma);
  const adapter = createTelegramAdapter({
    token: '123456789:AABenchTokenNotUsedOnAnyNetwork_0', core: app.core, logger: asCoreLogger(logger),
    mode: { kind: 'polling' }, botInfo: BOT_INFO, throttle: false,
    isFirstSeen: (id) => processed.firstSeen('telegram', String(id)),
  });
  const sent: string[] = [];
  captureSends(adapter, sent);
  let updateId = updateBase;
  return {
    name,
    async full() {
      const before = sent.length;
      await adapter.bot.handleUpdate(statusUpdate(updateId++));
      if (sent.length !== before + 1 || !sent[before]!.includes(`${SERVICES * REPLICAS} running`)) {
        throw new Error(`${name}: status reply is not what the bench expects:\n${sent.slice(before).join('\n---\n')}`);
      }
    },
    // The core alone (no Telegram adapter, no redelivery check, no rendering): splits the overhead.
    async core() {
      const reply = await app.core.handle({ kind: 'command', platform: 'telegram', platformUserId: String(USER_ID), chatId: String(USER_ID), chatType: 'private', text: 'status', receivedAt: new Date() });
      if (reply.tone === 'error') throw new Error(`${name}: core status failed: ${reply.text}`);
    },
    async stop() {
      await app.stop();
      await prisma.$disconnect();
    },
  };
}

type Series = 'index' | 'direct' | 'indexCore' | 'raw' | 'unfiltered';
type StateFigures = Record<Series, ReturnType<typeof summarize>> & { indexEngineCalls: Map<string, number> };

/** Every series interleaved, the order rotating each run so none always runs on a warmer engine. */
async function benchState(docker: Docker, tag: string, indexed: StatusApp, direct: StatusApp, proxy: EngineProxy): Promise<StateFigures> {
  const expect = (what: string) => (n: number) => {
    if (n !== SERVICES * REPLICAS) throw new Error(`${what} found ${n} containers`);
  };
  const runs: Record<Series, () => Promise<void>> = {
    index: indexed.full,
    direct: direct.full,
    indexCore: indexed.core,
    raw: () => rawStatusCalls(docker, tag).then(expect('raw list')),
    unfiltered: () => rawUnfilteredCalls(docker, tag).then(expect('unfiltered list')),
  };
  const order = Object.keys(runs) as Series[];
  for (let i = 0; i < WARMUP; i++) for (const s of order) await runs[s]();
  const samples = Object.fromEntries(order.map((s) => [s, [] as number[]])) as Record<Series, number[]>;
  // Engine requests seen while the indexed app answered status, by method and path (ids and queries left out).
  const indexEngineCalls = new Map<string, number>();
  for (let i = 0; i < RUNS; i++) {
    for (let k = 0; k < order.length; k++) {
      const s = order[(i + k) % order.length]!;
      if (s === 'index' || s === 'indexCore') proxy.reset();
      samples[s].push(await timed(runs[s]));
      // The indexed app reaches the engine only through the proxy: what it asked for this status.
      if (s === 'index' || s === 'indexCore') {
        for (const r of proxy.seen()) {
          const path = `${r.method} ${r.path.split('?')[0]!.replace(/^\/v[\d.]+/, '').replace(/\/containers\/[0-9a-f]{12,}\//, '/containers/{id}/')}`;
          indexEngineCalls.set(path, (indexEngineCalls.get(path) ?? 0) + 1);
        }
      }
    }
  }
  return { ...(Object.fromEntries(order.map((s) => [s, summarize(samples[s])])) as Record<Series, ReturnType<typeof summarize>>), indexEngineCalls };
}

function stateRows(label: string, f: StateFigures): string[][] {
  const row = (what: string, x: ReturnType<typeof summarize>, target = '', met = ''): string[] => [`${label}: ${what}`, String(x.n), ms(x.median), ms(x.p99), ms(x.min), ms(x.max), target, met];
  return [
    row('status from the index, full stack', f.index, 'p99 < 100 ms', f.index.p99 < 100 ? 'yes' : 'NO'),
    row('status direct (index: false), full stack', f.direct),
    row('core only, from the index', f.indexCore),
    row('raw dockerode, filtered list + 20 inspects', f.raw),
    row('raw dockerode, unfiltered list + 20 inspects', f.unfiltered),
  ];
}

async function main(): Promise<void> {
  if (SERVER) requireBuiltBot();
  const docker = await requireEngine();
  const podman = new PodmanFixture(docker, 'bench-status');
  const db = await createTestDatabase('bench-status');
  const proxy = await new EngineProxy(dockerHostUrl().replace(/^unix:\/\//, '')).start();
  const indexedYaml = configYaml(podman.runId, { url: proxy.url });
  const directYaml = configYaml(podman.runId, { index: false });
  const config = await writeTempConfig(configYaml(podman.runId));
  console.log(`machine: ${machine()}`);
  console.log(`engine: ${dockerHostUrl()} · ${SERVICES} services × ${REPLICAS} replicas · ${UNRELATED} unrelated containers in the second state · ${WARMUP} warm-up + ${RUNS} runs of each series, interleaved\n`);
  const apps: StatusApp[] = [];
  try {
    await createContainers(podman);
    apps.push(await startApp('indexed', db, indexedYaml, config.file, 1));
    apps.push(await startApp('direct', db, directYaml, config.file, 10_000_000));
    const [indexed, direct] = apps as [StatusApp, StatusApp];
    const alone = await benchState(docker, podman.runId, indexed, direct, proxy);
    const t0 = performance.now();
    await createUnrelated(podman, UNRELATED);
    const createdS = (performance.now() - t0) / 1000;
    const crowded = await benchState(docker, podman.runId, indexed, direct, proxy);
    const onHost = (await docker.listContainers({ all: true })).length;
    const audited = await db.pool.query<{ n: string }>("SELECT count(*) AS n FROM audit_log WHERE intent = 'status' AND outcome = 'ok' AND platform = 'telegram'");

    const ratio = (a: number, b: number) => (a / b).toFixed(3);
    console.log(table([
      ['measure', 'n', 'median', 'p99', 'min', 'max', 'target', 'met'],
      ...stateRows('0 unrelated', alone),
      ...stateRows(`${UNRELATED} unrelated`, crowded),
    ]));
    console.log('');
    const r1 = alone.index.median / alone.raw.median;
    const r2 = crowded.index.median / alone.index.median;
    console.log(table([
      ['ratio of medians', 'value', 'target', 'met'],
      ['index full stack / raw filtered, 0 unrelated', ratio(alone.index.median, alone.raw.median), '≤ 1.0', r1 <= 1.0 ? 'yes' : 'NO'],
      [`index full stack, ${UNRELATED} / 0 unrelated`, ratio(crowded.index.median, alone.index.median), '≤ 1.1', r2 <= 1.1 ? 'yes' : 'NO'],
      ['direct full stack / raw filtered, 0 unrelated', ratio(alone.direct.median, alone.raw.median), '', ''],
      [`direct full stack, ${UNRELATED} / 0 unrelated`, ratio(crowded.direct.median, alone.direct.median), '', ''],
      ['index / direct full stack, 0 unrelated', ratio(alone.index.median, alone.direct.median), '', ''],
      [`index / direct full stack, ${UNRELATED} unrelated`, ratio(crowded.index.median, crowded.direct.median), '', ''],
      [`raw unfiltered, ${UNRELATED} / 0 unrelated`, ratio(crowded.unfiltered.median, alone.unfiltered.median), '', ''],
      [`raw filtered, ${UNRELATED} / 0 unrelated`, ratio(crowded.raw.median, alone.raw.median), '', ''],
    ]));
    const calls = new Map(alone.indexEngineCalls);
    for (const [path, n] of crowded.indexEngineCalls) calls.set(path, (calls.get(path) ?? 0) + n);
    const callText = [...calls].map(([path, n]) => `${path} ×${n}`).join(', ') || 'none';
    // Requests here come from the index's own upkeep (its periodic resync, every 5 min, may fall into a
    // window), never from status, which the integration tests check call by call.
    console.log(`\nengine requests while the indexed app answered ${4 * RUNS} status runs (through the proxy): ${callText}`);
    console.log(`containers on the engine in the second state: ${onHost} (${UNRELATED} unrelated created in ${createdS.toFixed(1)} s)`);
    console.log(`audit rows (status, ok): ${audited.rows[0]!.n}`);

    for (const app of apps.splice(0)) await app.stop();
    if (SERVER) {
      const server = await measureServer({ DECKHAND_CONFIG: config.file, DATABASE_URL: db.url, REDIS_URL });
      const s = summarizeServer(server);
      console.log('');
      console.log(table([
        ['measure', 'n', 'median', 'min', 'max', 'target', 'met'],
        ['server start → /readyz 200', String(server.startToReadyMs.length), ms(s.readyMedianMs), ms(Math.min(...server.startToReadyMs)), ms(Math.max(...server.startToReadyMs)), '< 2000 ms', s.readyMedianMs < 2000 ? 'yes' : 'NO'],
        ['idle RSS (VmRSS, MB)', String(server.rssMb.length), s.rssMedianMb.toFixed(1), Math.min(...server.rssMb).toFixed(1), s.rssMaxMb.toFixed(1), '< 120 MB', s.rssMaxMb < 120 ? 'yes' : 'NO'],
      ]));
    }
  } finally {
    for (const app of apps) await app.stop().catch(() => undefined);
    await proxy.stop();
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
