/**
 * Scale benchmark (run: `npm run bench:scale`, i.e. `node --expose-gc --import tsx bench/scale.bench.ts`).
 *
 * 1,000 services on 10 Docker hosts: ten real, separate Podman engines, each a `podman system service` the
 * bench starts with its own storage under a fresh temp directory (test/support/private-podman.ts), each
 * behind a Unix-socket proxy that counts its engine requests (each host is a host of its own to Deckhand:
 * its own connection pool, event stream and container index). 1,000 small running containers (busybox
 * `sleep`), one per service, service n on host n % 10 (100 per host), ten projects of 100 services each,
 * every project spread over all ten hosts. Measured through the real core built by the composition root
 * (buildApp, started: audit to PostgreSQL, the real Docker runtimes), the reply rendered for Telegram
 * (split into messages):
 *
 * 1. `status` of one 100-service project, answered from the live indexes, median and p99 (target p99 < 1 s),
 *    interleaved with the same status from an app whose hosts have `index: false` (one filtered list per
 *    host and 100 inspects, in parallel across hosts).
 * 2. The same after one host goes away: its proxy is replaced by a socket that accepts and never answers
 *    (a host that hangs). Status must answer within the host timeout (3 s, the default), the host named unreachable.
 * 3. The indexes' memory per 1,000 containers: heap after GC grown by an app whose indexes hold the 1,000
 *    containers, less what one more app with the same ten hosts and a catalog that selects none grows it by.
 *
 * Needs root, PostgreSQL and Redis (DATABASE_URL, REDIS_URL as for the integration tests), the podman CLI
 * and `localhost/busybox:local` in Podman's default store (`sudo bash scripts/ci/setup-podman.sh` imports
 * it; the bench copies it into each engine's store, no network), about 1,000 × 1 MB of memory for the
 * containers' conmon processes and some 100 MB per engine. DOCKER_HOST and the shared engine are not used.
 * The engines inherit Node's open-files limit (Node raises its soft limit to the hard one; 100 containers
 * per engine stay far below it). About 5 minutes on 2 cores at 1,000 containers: under 2 minutes to create
 * them, 1.5 to remove them. BENCH_SCALE_CONTAINERS scales it down (a multiple of 100, e.g. 200); BENCH_LOG=warn
 * prints the apps' warnings. Everything is removed at the end, also on failure or Ctrl-C. A bench killed
 * with SIGKILL leaves its engines running (their directory is printed at the start): stop their
 * services (the command lines name the directory), then for each hN, with the engines' own containers.conf
 * (its file locks keep the reset off the shared engine's locks):
 * `CONTAINERS_CONF=<dir>/containers.conf podman --root <dir>/hN/root --runroot <dir>/hN/run --tmpdir <dir>/hN/tmp system reset -f`.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { renderTelegram } from '../src/adapters/telegram/telegram.renderer.js';
import { parseConfig } from '../src/bot/config.js';
import { buildApp } from '../src/bot/container.js';
import { readEnv } from '../src/bot/env.js';
import { createLogger } from '../src/bot/logger.js';
import type { Reply } from '../src/core/messages/reply.js';
import { createTestDatabase, type TestDatabase } from '../test/support/db.js';
import { writeTempConfig } from '../test/support/e2e-bot.js';
import { EngineProxy } from '../test/support/engine-proxy.js';
import { BUSYBOX_IMAGE } from '../test/support/podman.js';
import { type PrivateEngine, type PrivateEngines, startPrivateEngines } from '../test/support/private-podman.js';
import { machine, ms, summarize, table } from './bench-stats.js';

const HOSTS = 10;
const CONTAINERS = Number(process.env.BENCH_SCALE_CONTAINERS ?? 1000);
const PROJECTS = 10;
const PER_PROJECT = CONTAINERS / PROJECTS;
const WARMUP = 10;
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const RUNS_DOWN = Number(process.env.BENCH_RUNS_DOWN ?? 10);
const HOST_TIMEOUT_MS = 3000;
/** Containers created at once on each host (all hosts at once). */
const CREATE_PARALLEL_PER_HOST = 1;
const USER_ID = 616161;
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

const benchStart = performance.now();
/** A short progress line on stderr: the phase, the time since the bench began and the engine requests since the last line. */
function progress(proxies: readonly EngineProxy[], what: string): void {
  const requests = proxies.reduce((n, p) => n + p.requests.length, 0);
  const byKind = new Map<string, number>();
  for (const p of proxies) for (const r of p.requests) {
    const kind = `${r.method} ${r.path.replace(/^\/v[\d.]+/, '').replace(/\/containers\/[0-9a-f]{12,}\//, '/containers/{id}/').split('?', 1)[0]}`;
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  }
  for (const p of proxies) p.reset();
  const kinds = [...byKind].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, n]) => `${k} ×${n}`).join(', ');
  process.stderr.write(`[${((performance.now() - benchStart) / 1000).toFixed(1)} s] ${what} (engine requests since the last line: ${requests}${kinds ? `: ${kinds}` : ''})\n`);
}

if (!Number.isInteger(PER_PROJECT) || PER_PROJECT < HOSTS) throw new Error(`BENCH_SCALE_CONTAINERS must be a multiple of ${PROJECTS} and at least ${PROJECTS * HOSTS}`);

/** Service n of the whole installation: project n / PER_PROJECT, on host n % HOSTS. */
const projectOf = (n: number) => Math.floor(n / PER_PROJECT);
const hostOf = (n: number) => n % HOSTS;

/**
 * Ten hosts (each at its own URL), ten projects of PER_PROJECT services selected by label. `tag` picks
 * the containers: the run's own (every service finds its container) or one no container carries.
 */
function configYaml(hostUrls: string[], tag: string, opts: { index: boolean }): string {
  const lines = ['hosts:'];
  hostUrls.forEach((url, h) => lines.push(`  h${h}: { url: "${url}"${opts.index ? '' : ', index: false'} }`));
  lines.push('projects:');
  for (let p = 0; p < PROJECTS; p++) {
    lines.push(`  p${p}:`, '    environments:', '      prod:', '        services:');
    for (let i = 0; i < PER_PROJECT; i++) {
      const n = p * PER_PROJECT + i;
      lines.push(`          svc-${n}: { host: h${hostOf(n)}, labels: { deckhand.scale: ${tag}, deckhand.scale.svc: svc-${n} } }`);
    }
  }
  lines.push('people:', '  - id: alice', `    telegram: ${USER_ID}`, '    roles: [{ role: viewer, project: p0 }]', 'limits:', `  hostTimeoutMs: ${HOST_TIMEOUT_MS}`, '');
  return lines.join('\n');
}

async function createContainers(engines: readonly PrivateEngine[], runId: string): Promise<number> {
  const t0 = performance.now();
  let created = 0;
  const worker = async (engine: PrivateEngine, h: number, w: number) => {
    for (let n = h + w * HOSTS; n < CONTAINERS; n += HOSTS * CREATE_PARALLEL_PER_HOST) {
      const container = await engine.docker.createContainer({
        name: `svc-${n}-${runId}`,
        Image: BUSYBOX_IMAGE,
        Labels: { 'deckhand.scale': runId, 'deckhand.scale.svc': `svc-${n}` },
        Cmd: ['sleep', '7200'],
        HostConfig: { NetworkMode: 'none' },
      });
      await container.start();
      if (++created % 100 === 0) process.stdout.write(`  ${created}/${CONTAINERS} containers\n`);
    }
  };
  await Promise.all(engines.flatMap((engine, h) => Array.from({ length: CREATE_PARALLEL_PER_HOST }, (_, w) => worker(engine, h, w))));
  return (performance.now() - t0) / 1000;
}

/** A socket that accepts connections and never answers: a host that hangs (as a partitioned one does). */
async function blackHole(path: string): Promise<{ close: () => Promise<void> }> {
  await rm(path, { force: true });
  const held = new Set<Socket>();
  const server: Server = createServer((socket) => {
    held.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => held.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, resolve);
  });
  return {
    close: async () => {
      for (const s of held) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(path, { force: true });
    },
  };
}

interface App {
  status: (project: string) => Promise<Reply>;
  stop: () => Promise<void>;
}

async function startApp(db: TestDatabase, yaml: string, configFile: string): Promise<App> {
  const env = readEnv({ DATABASE_URL: db.url, DECKHAND_CONFIG: configFile, REDIS_URL, LOG_LEVEL: 'silent' });
  const app = await buildApp(env, parseConfig(yaml, configFile), createLogger({ level: (process.env.BENCH_LOG as 'warn' | undefined) ?? 'silent' }), { shellOnly: true });
  await app.start();
  return {
    status: (project) =>
      app.core.handle({ kind: 'command', platform: 'telegram', platformUserId: String(USER_ID), chatId: String(USER_ID), chatType: 'private', text: `status ${project}`, receivedAt: new Date() }),
    stop: () => app.stop(),
  };
}

/** Asks for status until every service is found: the indexes are built in the background after start. */
async function untilAllRunning(app: App, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reply = await app.status('p0');
    if (allRunning(reply) === null) return;
    if (Date.now() > deadline) throw new Error(`status never found every service:\n${reply.text.slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Status of p0 and its Telegram messages; `problem` says what the reply lacks of what the bench expects
 * (a host that did not answer within the timeout on a loaded machine), counted rather than thrown.
 */
async function statusOnce(app: App, check: (reply: Reply) => string | null): Promise<{ ms: number; messages: number; problem: string | null }> {
  const t0 = performance.now();
  const reply = await app.status('p0');
  const messages = renderTelegram(reply).length;
  const elapsed = performance.now() - t0;
  return { ms: elapsed, messages, problem: check(reply) };
}

const allRunning = (reply: Reply) => (reply.text.includes(`${PER_PROJECT} running`) ? null : `${PER_PROJECT} running`);
const oneHostDown = (host: string) => (reply: Reply) => {
  const up = PER_PROJECT - PER_PROJECT / HOSTS;
  if (!reply.text.includes(`${up} running`)) return `${up} running`;
  if (!reply.text.includes(`unreachable: ${host}`)) return `unreachable: ${host}`;
  return null;
};

function heapMb(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc (npm run bench:scale does)');
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

async function main(): Promise<void> {
  const db = await createTestDatabase('bench-scale');
  const runId = `bench-scale-${randomUUID().slice(0, 8)}`;
  const proxies: EngineProxy[] = [];
  const apps: App[] = [];
  const files: { remove: () => Promise<void> }[] = [];
  let hole: { close: () => Promise<void> } | undefined;
  const podmanVersion = execFileSync('podman', ['--version'], { encoding: 'utf8' }).trim();
  console.log(`machine: ${machine()}`);
  let hosts: PrivateEngines;
  try {
    hosts = await startPrivateEngines(HOSTS);
  } catch (err) {
    await db.drop();
    throw err;
  }
  // Ctrl-C or a kill: the engines and their 1,000 containers go too (they run detached from the bench).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`${signal}: removing the engines under ${hosts.dir}\n`);
      void hosts.destroy().finally(() => void db.drop().finally(() => process.exit(130)));
    });
  }
  console.log(`engines: ${HOSTS} × \`podman system service\` (${podmanVersion}), each with its own storage under ${hosts.dir}, each behind a socket proxy (one host each) · ${CONTAINERS} containers, one per service, ${CONTAINERS / HOSTS} per host · ${PROJECTS} projects × ${PER_PROJECT} services over all ${HOSTS} hosts · ${WARMUP} warm-up + ${RUNS} runs each, interleaved · host timeout ${HOST_TIMEOUT_MS} ms\n`);
  try {
    for (const engine of hosts.engines) proxies.push(await new EngineProxy(engine.socketPath).start());
    const urls = proxies.map((p) => p.url);
    // A phase that hangs shows as these lines with the requests the engine is being sent meanwhile.
    setInterval(() => progress(proxies, '…'), 10_000).unref();
    const createdS = await createContainers(hosts.engines, runId);
    console.log(`created ${CONTAINERS} containers in ${createdS.toFixed(1)} s\n`);
    progress(proxies, 'containers created');

    // Memory of the indexes: two apps whose ten indexes select nothing (the second shows what one more app
    // costs once the process has loaded everything), then one whose indexes hold every container.
    const noneTag = `none-${randomUUID().slice(0, 8)}`;
    const emptyConfig = await writeTempConfig(configYaml(urls, noneTag, { index: true }));
    const indexedConfig = await writeTempConfig(configYaml(urls, runId, { index: true }));
    const directConfig = await writeTempConfig(configYaml(urls, runId, { index: false }));
    files.push(emptyConfig, indexedConfig, directConfig);
    for (let i = 0; i < 2; i++) {
      const empty = await startApp(db, configYaml(urls, noneTag, { index: true }), emptyConfig.file);
      apps.push(empty);
      await empty.status('p0');
      progress(proxies, `app ${i + 1} with empty indexes started and answered`);
    }
    const heapBefore = heapMb();
    const emptyAgain = await startApp(db, configYaml(urls, noneTag, { index: true }), emptyConfig.file);
    apps.push(emptyAgain);
    await emptyAgain.status('p0');
    progress(proxies, 'third app with empty indexes started and answered');
    const heapEmpty = heapMb();
    const t0 = performance.now();
    const indexed = await startApp(db, configYaml(urls, runId, { index: true }), indexedConfig.file);
    apps.push(indexed);
    await untilAllRunning(indexed);
    progress(proxies, 'indexed app started, its status finds every service');
    const indexedStartMs = performance.now() - t0;
    const heapIndexed = heapMb();
    const direct = await startApp(db, configYaml(urls, runId, { index: false }), directConfig.file);
    apps.push(direct);
    await untilAllRunning(direct);
    progress(proxies, 'direct app started, its status finds every service');

    // 1. All hosts up, interleaved.
    for (let i = 0; i < WARMUP; i++) {
      await statusOnce(indexed, allRunning);
      await statusOnce(direct, allRunning);
    }
    progress(proxies, `${WARMUP} warm-up rounds done`);
    const up = { index: [] as number[], direct: [] as number[] };
    /** Engine requests made while the indexed app answered (anything else running then included). */
    let indexedRequests = 0;
    const incomplete = { index: 0, direct: 0, downIndex: 0, downDirect: 0 };
    let messages = 0;
    for (let i = 0; i < RUNS; i++) {
      const order = i % 2 === 0 ? (['index', 'direct'] as const) : (['direct', 'index'] as const);
      for (const s of order) {
        const before = proxies.reduce((n, p) => n + p.requests.length, 0);
        const r = await statusOnce(s === 'index' ? indexed : direct, allRunning);
        if (s === 'index') indexedRequests += proxies.reduce((n, p) => n + p.requests.length, 0) - before;
        up[s].push(r.ms);
        if (r.problem !== null) incomplete[s]++;
        messages = r.messages;
      }
    }

    progress(proxies, `${RUNS} rounds with all hosts up done`);

    // 2. Host h3 hangs: its proxy goes, a socket that never answers takes its place.
    const gone = 3;
    const goneProxy = proxies[gone]!;
    await goneProxy.stop();
    hole = await blackHole(goneProxy.socketPath);
    const down = { index: [] as number[], direct: [] as number[] };
    for (let i = 0; i < RUNS_DOWN; i++) {
      for (const s of ['index', 'direct'] as const) {
        const r = await statusOnce(s === 'index' ? indexed : direct, oneHostDown(`h${gone}`));
        down[s].push(r.ms);
        if (r.problem !== null) incomplete[s === 'index' ? 'downIndex' : 'downDirect']++;
      }
    }

    progress(proxies, `${RUNS_DOWN} rounds with h${gone} hanging done`);
    const f = { upIndex: summarize(up.index), upDirect: summarize(up.direct), downIndex: summarize(down.index), downDirect: summarize(down.direct) };
    const row = (what: string, x: ReturnType<typeof summarize>, target = '', met = ''): string[] => [what, String(x.n), ms(x.median), ms(x.p99), ms(x.min), ms(x.max), target, met];
    console.log(table([
      [`measure (status of a ${PER_PROJECT}-service project on ${HOSTS} hosts)`, 'n', 'median', 'p99', 'min', 'max', 'target', 'met'],
      row('all hosts up, from the indexes', f.upIndex, 'p99 < 1000 ms', f.upIndex.p99 < 1000 ? 'yes' : 'NO'),
      row('all hosts up, direct (index: false)', f.upDirect),
      row(`h${gone} hangs, from the indexes`, f.downIndex, `< ${HOST_TIMEOUT_MS} ms + 500`, f.downIndex.max < HOST_TIMEOUT_MS + 500 ? 'yes' : 'NO'),
      row(`h${gone} hangs, direct (index: false)`, f.downDirect, `< ${HOST_TIMEOUT_MS} ms + 500`, f.downDirect.max < HOST_TIMEOUT_MS + 500 ? 'yes' : 'NO'),
    ]));
    console.log('');
    // One more app costs (heapEmpty - heapBefore) with empty indexes; the indexed one costs that plus its indexes.
    const appMb = heapEmpty - heapBefore;
    const indexMb = heapIndexed - heapEmpty - appMb;
    console.log(table([
      ['other figures', 'value'],
      ['engine requests during the indexed app\'s status calls, all hosts up', `${indexedRequests} in ${RUNS} calls`],
      ['index / direct, medians, all hosts up', (f.upIndex.median / f.upDirect.median).toFixed(3)],
      ['Telegram messages per status reply', String(messages)],
      ['replies missing a host (timeout), all up: index / direct', `${incomplete.index} / ${incomplete.direct} of ${RUNS} each`],
      [`replies not naming only h${gone} unreachable, h${gone} hanging: index / direct`, `${incomplete.downIndex} / ${incomplete.downDirect} of ${RUNS_DOWN} each`],
      [`heap of the indexes holding ${CONTAINERS} containers (after GC)`, `${indexMb.toFixed(1)} MB (${((indexMb * 1024) / CONTAINERS).toFixed(1)} KB per container; one more app with empty indexes: ${appMb.toFixed(1)} MB)`],
      ['start of the indexed app to a status that finds every service', ms(indexedStartMs)],
    ]));
  } finally {
    for (const app of apps.reverse()) await app.stop().catch(() => undefined);
    await hole?.close();
    for (const p of proxies) await p.stop().catch(() => undefined);
    progress(proxies, 'apps stopped');
    for (const f of files) await f.remove();
    await db.drop();
    const t1 = performance.now();
    await hosts.destroy();
    progress(proxies, `containers removed, engines stopped and reset in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
