import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLease, leaseKey, secretDigest, type Timers } from '../../../../src/adapters/redis/lease.js';
import { createTelegramAdapter, type TelegramAdapter } from '../../../../src/adapters/telegram/telegram.adapter.js';
import { BOT_INFO, TOKEN, commandUpdate } from './bot-api.fake.js';
import { PollingBotApi } from './polling-api.fake.js';
import { RecordingCore, recordingLogger } from './recording-core.js';

/**
 * Long polling from two replicas sharing one token and one Redis: a Bot API that answers 409 to a second
 * open getUpdates (as Telegram does) must never see two at once; the standby takes over when the poller dies.
 */

const PREFIX = `polling-lease-test-${randomUUID().slice(0, 8)}`;
const TTL_MS = 1_000;

/** Real timers that a simulated kill stops for good (no renewal, no release). */
class KillableTimers implements Timers {
  private readonly handles = new Set<NodeJS.Timeout>();
  private dead = false;
  setTimeout(fn: () => void, ms: number): unknown {
    if (this.dead) return undefined;
    const handle = setTimeout(() => {
      this.handles.delete(handle);
      fn();
    }, ms);
    this.handles.add(handle);
    return handle;
  }
  clearTimeout(handle: unknown): void {
    clearTimeout(handle as NodeJS.Timeout);
    this.handles.delete(handle as NodeJS.Timeout);
  }
  kill(): void {
    this.dead = true;
    for (const h of this.handles) clearTimeout(h);
    this.handles.clear();
  }
}

interface Replica {
  name: string;
  adapter: TelegramAdapter;
  core: RecordingCore;
  log: ReturnType<typeof recordingLogger>;
  timers: KillableTimers;
}

let redis: Redis;
let fake: PollingBotApi;
let key: string;
let n = 0;
let replicas: Replica[] = [];

beforeAll(() => {
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  const keys = await redis.keys(`${PREFIX}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

beforeEach(async () => {
  fake = new PollingBotApi({ conflicts: true });
  await fake.start();
  key = leaseKey(PREFIX, `telegram-poller:${secretDigest(TOKEN)}-${++n}`);
});

afterEach(async () => {
  await Promise.all(replicas.map((r) => r.adapter.stop()));
  replicas = [];
  await fake.stop();
});

function replica(name: string, lease: { ttlMs?: number; retryEveryMs?: number } = {}): Replica {
  const core = new RecordingCore();
  const log = recordingLogger();
  const timers = new KillableTimers();
  const adapter = createTelegramAdapter({
    token: TOKEN,
    apiRoot: fake.replicaRoot(name),
    core,
    logger: log.logger,
    mode: { kind: 'polling' },
    botInfo: BOT_INFO,
    throttle: false,
    // A cut-off replica's replies fail at once instead of being retried for a minute.
    retry: { rethrowHttpErrors: true },
    polling: { timeoutSeconds: 5, backoff: { initialMs: 5, maxMs: 20 }, random: () => 0.5 },
    pollingLease: { lease: createLease({ redis, key, ttlMs: lease.ttlMs ?? TTL_MS }), retryEveryMs: lease.retryEveryMs, timers },
  });
  const r = { name, adapter, core, log, timers };
  replicas.push(r);
  return r;
}

/** Waits (bounded) for something the system under test does; never used to show that nothing happened. */
async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; calls: ${fake.calls.map((c) => `${c.replica}:${c.method}`).join(', ')}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const readiness = (r: Replica) => r.adapter.readiness.check(new AbortController().signal).then(() => 'ok', (err: Error) => err.message);
const handled = (r: Replica) => r.core.events.map((e) => (e.kind === 'command' ? e.text : e.kind));
const conflicts = (r: Replica) => r.log.entries.filter((e) => e.level === 'warn' && (e.obj as { errorCode?: number }).errorCode === 409);
/**
 * getUpdates calls that met another replica's open one. (A stopping poller's own offset confirmation can
 * meet its own aborted long poll before the server sees that close; that is one process, not two.)
 */
const acrossReplicas = () => fake.overlaps.filter((o) => o.openFor.some((r) => r !== o.replica));
const polling = (rs: Replica[]) => until('a poller', () => rs.find((r) => r.adapter.status().state === 'polling' && fake.answeredPolls(r.name) > 0));

describe('telegram long polling from two replicas', () => {
  it('polls from one replica only; the other stands by, ready; a killed poller is taken over after its lease lapses', async () => {
    const a = replica('a');
    const b = replica('b');
    await Promise.all([a.adapter.start(), b.adapter.start()]);
    const active = await polling([a, b]);
    const standby = active === a ? b : a;
    expect(standby.adapter.status()).toEqual({ state: 'standby' });
    expect(await readiness(standby)).toBe('ok');
    expect(await readiness(active)).toBe('ok');

    fake.push(commandUpdate('/first', { id: 1, type: 'private' }));
    await until('the first update handled', () => handled(active).length === 1);
    const firstHolder = await redis.get(key);

    // When: the poller dies (SIGKILL: its timers and connections stop, nothing is released)
    const killedAt = Date.now();
    active.timers.kill();
    fake.cut(active.name);

    // Then: the standby takes the lapsed lease and polls, from the first unconfirmed update on
    await until('the takeover', () => standby.adapter.status().state === 'polling' && fake.answeredPolls(standby.name) > 0, 5_000);
    expect(Date.now() - killedAt).toBeLessThan(TTL_MS * 3);
    fake.push(commandUpdate('/second', { id: 1, type: 'private' }));
    await until('the second update handled', () => handled(standby).includes('second'));
    expect(handled(active)).toEqual(['first']);
    // The first update was not confirmed by the dead poller: it comes again, and the handler's dedupe is what
    // keeps it from being handled twice in production (shared); here each replica has its own.
    expect(handled(standby).filter((t) => t !== 'first')).toEqual(['second']);
    const holder = await redis.get(key);
    expect(holder).not.toBe(firstHolder);

    // Never two getUpdates open at once, so Telegram never had a reason to answer 409.
    expect(acrossReplicas()).toEqual([]);
    expect([...conflicts(a), ...conflicts(b)]).toEqual([]);

    // The dead replica's late stop cannot free the lease it lost.
    await active.adapter.stop();
    expect(await redis.get(key)).toBe(holder);
  });

  it('a graceful stop confirms the offset and releases the lease: the standby takes over at its next try, long before the TTL', async () => {
    const a = replica('a', { ttlMs: 60_000, retryEveryMs: 50 });
    await a.adapter.start();
    await polling([a]);
    const b = replica('b', { ttlMs: 60_000, retryEveryMs: 50 });
    await b.adapter.start();
    expect(b.adapter.status()).toEqual({ state: 'standby' });
    fake.push(commandUpdate('/first', { id: 1, type: 'private' }));
    await until('the first update handled', () => handled(a).length === 1);

    await a.adapter.stop();
    expect(a.adapter.status()).toEqual({ state: 'stopped' });
    await until('the takeover', () => b.adapter.status().state === 'polling' && fake.answeredPolls('b') > 0);
    fake.push(commandUpdate('/second', { id: 1, type: 'private' }));
    await until('the second update handled', () => handled(b).length === 1);
    expect(handled(b)).toEqual(['second']);
    expect(acrossReplicas()).toEqual([]);
    expect(conflicts(b)).toEqual([]);
  });

  it('fences: a poller paused past its lease drops the batch it then fetches and stands by; the next holder handles it', async () => {
    const a = replica('a');
    await a.adapter.start();
    await polling([a]);
    // A pause (GC, a stopped VM): no renewal while its long poll stays open.
    a.timers.kill();
    await until('the lease to lapse', async () => (await redis.exists(key)) === 0);

    fake.push(commandUpdate('/late', { id: 1, type: 'private' }));
    await until('the poller to stand by', () => a.adapter.status().state === 'standby');
    expect(a.log.entries.filter((e) => e.level === 'warn').map((e) => [e.msg, e.obj])).toEqual([
      ['telegram polling lease lost; stopping polling without handling the fetched updates', { dropped: 1 }],
    ]);
    expect(handled(a)).toEqual([]);
    expect(await readiness(a)).toBe('ok');

    const b = replica('b');
    await b.adapter.start();
    await until('the update handled by the new holder', () => handled(b).length === 1);
    expect(handled(b)).toEqual(['late']);
    expect(handled(a)).toEqual([]);
    expect(acrossReplicas()).toEqual([]);
  });
});
