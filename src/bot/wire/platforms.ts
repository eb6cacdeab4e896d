/**
 * The chat platforms of this run, from the registry: each configured platform is wired (its SDK loaded only
 * now), its pushes join the notifier, and its routes, readiness checks and lifecycle are gathered here.
 */
import type { ChatPlatform, RunMode, WiredPlatform } from '../../adapters/chat-platform.js';
import type { MountedRoute, ReadinessCheck } from '../../adapters/http/http-server.js';
import type { NotifierRouter } from '../../adapters/notifier/notifier.router.js';
import { chatPlatforms, platformEnablers } from '../../adapters/platforms.js';
import type { Reply } from '../../core/messages/reply.js';
import type { ChatCore } from '../../core/pipeline/chat-core.js';
import type { Logger } from '../../core/ports/logger.port.js';
import type { PostedMessageStore } from '../../core/ports/posted-message.port.js';
import type { RateLimits, SendGate } from '../../adapters/notifier/delivery.rate-gate.js';
import type { Lease } from '../../adapters/redis/lease.js';
import type { OutboxStore } from '../../adapters/notifier/outbox.port.js';
import type { DeckhandConfig } from '../config.js';
import { Gauge, type Registry } from 'prom-client';
import { METRIC_PREFIX } from '../metrics.js';
import type { Module } from './module.js';
import type { Env } from '../env.js';

export interface PlatformDeps {
  mode: RunMode;
  logger: Logger;
  /** Every wired platform's pushes are added to it. */
  notifier: NotifierRouter;
  posted: PostedMessageStore;
  outbox: OutboxStore;
  /** False for an event a platform already handled (`platform`: the platform id, `key`: its event key). */
  isFirstSeen(platform: string, key: string): Promise<boolean>;
  /** Leases shared by replicas (PlatformContext.lease). */
  lease?(name: string, ttlMs: number): Lease;
  /** Rate gates shared by replicas (PlatformContext.rateGate). */
  rateGate?(name: string, limits: RateLimits): SendGate;
  /** Where the outbox gauge is registered (`deckhand_outbox_waiting`). */
  metricsRegistry?: Registry;
}

export interface WiredPlatforms {
  /** The configured platforms, in registry order. */
  platforms: readonly WiredPlatform[];
  routes: MountedRoute[];
  readiness: ReadinessCheck[];
  /** Posts to one chat of a platform (scheduled reports); throws when the platform is not connected. */
  send(platform: string, chatId: string, reply: Reply): Promise<void>;
  /** Connects every platform, one after the other. */
  start(): Promise<void>;
  /** Stops taking events on every platform (one failing does not stop the others). */
  stop(): Promise<void>;
  /**
   * Stops delivering within `withinMs` (calls in flight finish, lanes are given up); resolves to what still
   * waits in the outbox, by platform id (another replica or the next start sends it).
   */
  drain(withinMs: number): Promise<Record<string, number>>;
}

export async function wirePlatforms(env: Env, config: DeckhandConfig, core: ChatCore, deps: PlatformDeps): Promise<WiredPlatforms> {
  const platforms: WiredPlatform[] = [];
  for (const platform of chatPlatforms as readonly ChatPlatform[]) {
    const own = platform.env.parse(env);
    if (!platform.configured(own, deps.mode)) continue;
    const wired = await platform.wire(own, {
      core,
      catalog: config.catalog,
      logger: deps.logger,
      posted: deps.posted,
      outbox: deps.outbox,
      isFirstSeen: (key) => deps.isFirstSeen(platform.id, key),
      lease: deps.lease,
      rateGate: deps.rateGate,
    });
    deps.notifier.use(wired.id, wired.notifier);
    platforms.push(wired);
  }
  const byId = new Map(platforms.map((p) => [p.id, p]));
  if (deps.metricsRegistry && platforms.length > 0) registerOutboxGauge(deps.metricsRegistry, platforms);
  return {
    platforms,
    routes: platforms.flatMap((p) => p.routes),
    readiness: platforms.flatMap((p) => p.readiness),
    async send(platform, chatId, reply) {
      const wired = byId.get(platform);
      if (!wired) throw new Error(`no ${platform} connection is configured for this report`);
      await wired.send(chatId, reply);
    },
    async start() {
      for (const p of platforms) await p.start();
    },
    async stop() {
      await Promise.allSettled(platforms.map((p) => p.stop()));
    },
    async drain(withinMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, withinMs);
        timer.unref();
      });
      await Promise.race([Promise.all(platforms.map((p) => p.drain())), timeout]);
      clearTimeout(timer);
      const left = await Promise.all(platforms.map(async (p) => [p.id, await p.pending().catch(() => -1)] as const));
      return Object.fromEntries(left);
    },
  };
}

/** `deckhand_outbox_waiting{platform}`: messages waiting in the outbox (every replica's), read at each scrape. */
function registerOutboxGauge(registry: Registry, platforms: readonly WiredPlatform[]): void {
  new Gauge({
    name: `${METRIC_PREFIX}outbox_waiting`,
    help: 'Outbound chat messages waiting in the outbox (all replicas), by platform; -1 while the outbox cannot be read.',
    labelNames: ['platform'] as const,
    registers: [registry],
    async collect() {
      const counts = await Promise.all(platforms.map(async (p) => [p.id, await p.pending().catch(() => -1)] as const));
      for (const [platform, n] of counts) this.set({ platform }, n);
    },
  });
}

/** The platforms as one module: connected last, stopped first; the sends in flight get a bounded chance to finish. */
export function platformsModule(wired: WiredPlatforms, logger: Logger, options: { drainMs: number }): Module {
  return {
    name: 'platforms',
    routes: wired.routes,
    readiness: wired.readiness,
    async start() {
      await wired.start();
      if (wired.platforms.length === 0) logger.warn({}, `no chat platform configured (${platformEnablers.join(' / ')}); try \`npm run shell\``);
    },
    stop: () => wired.stop(),
    async close() {
      const left = await wired.drain(options.drainMs);
      if (Object.values(left).some((n) => n !== 0)) logger.info({ left }, 'messages still waiting stay in the outbox for the next replica');
    },
  };
}
