/**
 * Two replicas of the BUILT bot run the same report schedule (issue 4): same YAML, same PostgreSQL schema,
 * same Redis queues (QUEUE_PREFIX), one fake Telegram Bot API. The schedule fires every 5 seconds (BullMQ job schedulers
 * take a 6-field cron, seconds first, and the config accepts it), so a few fire times pass within the test.
 * Each fire time must reach the group chat exactly once in total, and both processes must stay ready.
 *
 * Fire times are told apart by the `report sent` log line each process prints (with the exact fire time),
 * the BullMQ jobs left in Redis (one per fire time) and the arrival second of each sendMessage: the report's
 * own text only shows minutes.
 */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_QUEUE, firedAtOf, schedulerIdOf } from '../../src/adapters/bullmq/report-scheduler.js';
import { type BotProcess, freePort, requireBuiltBot, serverBotEnv, spawnBot, waitForHttp, within, writeTempConfig } from '../support/e2e-bot.js';
import { createE2eWorld, type E2eWorld } from '../support/e2e-fixture.js';
import { redisOptions } from '../../src/bot/redis-connection.js';
import { FakeTelegramApi, type RecordedCall } from '../support/e2e-telegram-api.js';

const TOKEN = '123456789:AAE2eFakeTokenForDeckhandReports_xyz';
const SECRET = `whsec_${randomBytes(12).toString('hex')}`;
const GROUP_CHAT = -1001234500077;
const EVERY_S = 5;
const FIRES = 3;
const SHUTDOWN_TIMEOUT_MS = 3000;
const HEADER = 'Morning report: shop';

let world: E2eWorld;
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
/** Both replicas share this queue prefix (as one deployment would); other e2e files use their own. */
const QUEUE_PREFIX = `e2e-reports-${randomBytes(4).toString('hex')}`;
const reportQueue = () => new Queue(REPORT_QUEUE, { connection: redisOptions(REDIS_URL), prefix: QUEUE_PREFIX });
let telegram: FakeTelegramApi;
const cleanups: (() => Promise<void> | void)[] = [];

interface Replica {
  name: string;
  bot: BotProcess;
  base: string;
}

beforeAll(async () => {
  requireBuiltBot();
  world = await createE2eWorld('reports-e2e');
  telegram = new FakeTelegramApi();
});

afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn();
  const queue = reportQueue();
  await queue.obliterate({ force: true }).finally(() => queue.close());
  await world?.cleanup();
});

function reportsYaml(): string {
  return `${world.configYaml()}
reports:
  - { id: shop-morning, project: shop, platform: telegram, chatId: "${GROUP_CHAT}", cron: "*/${EVERY_S} * * * * *", timezone: UTC }
`;
}

async function startReplica(name: string, configFile: string, apiRoot: string): Promise<Replica> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const bot = spawnBot(
    [],
    serverBotEnv({ configFile, databaseUrl: world.db.url, port, telegram: { token: TOKEN, apiRoot, webhookSecret: SECRET }, queuePrefix: QUEUE_PREFIX, shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS }),
  );
  cleanups.push(() => bot.kill());
  let alive = true;
  void bot.exited.then(() => (alive = false));
  await waitForHttp(`${base}/readyz`, 200, 30_000, () => alive);
  return { name, bot, base };
}

/** The fire times a replica logged as sent (`report sent` lines of its JSON log). */
function firesLogged(replica: Replica): { replica: string; firedAt: number }[] {
  return replica.bot
    .stdout()
    .split('\n')
    .filter((line) => line.includes('"report sent"'))
    .map((line) => JSON.parse(line) as { report: string; firedAt: string })
    .filter((rec) => rec.report === 'shop-morning')
    .map((rec) => ({ replica: replica.name, firedAt: Date.parse(rec.firedAt) }));
}

/** Polls /readyz of every replica until stopped; collects every answer that was not 200. */
function watchReadiness(replicas: Replica[]): { stop(): Promise<{ polls: number; failures: string[] }> } {
  const failures: string[] = [];
  let polls = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      await Promise.all(
        replicas.map(async (r) => {
          const res = await fetch(`${r.base}/readyz`, { signal: AbortSignal.timeout(3_000) }).catch((err: Error) => err);
          polls += 1;
          if (res instanceof Error || res.status !== 200) failures.push(`${r.name}: ${res instanceof Error ? res.message : res.status}`);
        }),
      );
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { polls, failures };
    },
  };
}

async function waitUntil(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const reportSends = (): RecordedCall[] => telegram.callsOf('sendMessage').filter((c) => Number(c.payload.chat_id) === GROUP_CHAT);
const arrivalSecond = (call: RecordedCall) => (call.result as { date: number }).date;

describe('two bot processes running the same report schedule', () => {
  it('send each fire time’s report exactly once in total, and both stay ready throughout', async () => {
    // Given: two replicas of the built bot with the same config, database, Redis database and Bot API.
    const config = await writeTempConfig(reportsYaml());
    cleanups.push(() => config.remove());
    const apiRoot = await telegram.start();
    cleanups.push(() => telegram.stop());
    const replicas = await Promise.all([startReplica('a', config.file, apiRoot), startReplica('b', config.file, apiRoot)]);
    const readiness = watchReadiness(replicas);

    // When: they run through at least FIRES fire times.
    const fires = () => replicas.flatMap(firesLogged);
    await waitUntil(() => fires().length >= FIRES && reportSends().length >= FIRES, (FIRES + 3) * EVERY_S * 1000, `${FIRES} report fires`);
    const ready = await readiness.stop();
    expect(replicas.map((r) => r.bot.child.exitCode)).toEqual([null, null]);
    for (const r of replicas) r.bot.child.kill('SIGTERM');
    const exits = await within(Promise.all(replicas.map((r) => r.bot.exited)), SHUTDOWN_TIMEOUT_MS + 5000, 'both replicas exit');

    // Then: both were ready at every poll and stopped cleanly.
    expect(ready.failures).toEqual([]);
    expect(ready.polls).toBeGreaterThanOrEqual(2 * FIRES * 2);
    expect(exits).toEqual([{ code: 0, signal: null }, { code: 0, signal: null }]);

    // Each fire time was run by one replica only, and is a fire time of the schedule (not a run time).
    const logged = fires().sort((x, y) => x.firedAt - y.firedAt);
    const times = logged.map((f) => f.firedAt);
    expect(times.length).toBeGreaterThanOrEqual(FIRES);
    expect(new Set(times).size).toBe(times.length);
    expect(times.every((t) => t % (EVERY_S * 1000) === 0)).toBe(true);

    // One message per fire time, each holding one report, arriving after its fire time and before the next.
    const sends = reportSends();
    expect(sends.map((c) => String(c.payload.text).split(HEADER).length - 1)).toEqual(times.map(() => 1));
    const arrivals = sends.map(arrivalSecond).sort((x, y) => x - y);
    arrivals.forEach((second, i) => {
      expect(second * 1000).toBeGreaterThanOrEqual(times[i]!);
      expect(second * 1000).toBeLessThan(times[i]! + EVERY_S * 1000);
    });

    // Redis agrees: one scheduler for both replicas, one completed job per logged fire time, none failed.
    const queue = reportQueue();
    try {
      expect((await queue.getJobSchedulers(0, -1)).map((s) => s.key)).toEqual([schedulerIdOf('shop-morning')]);
      const completed = (await queue.getJobs(['completed'])).map((j) => firedAtOf(j)?.getTime()).sort((x, y) => x! - y!);
      expect(completed).toEqual(times);
      expect(await queue.getJobs(['failed'])).toEqual([]);
    } finally {
      await queue.close();
    }
    const share = replicas.map((r) => `${r.name}: ${logged.filter((f) => f.replica === r.name).length}`).join(', ');
    process.stderr.write(`reports e2e: ${times.length} fire times sent once each (by replica ${share})\n`);
  }, 90_000);
});
