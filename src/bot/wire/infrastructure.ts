/**
 * The connections every other module shares: PostgreSQL (refusing to start on unapplied migrations), the
 * Redis options BullMQ queues use, one Redis client for readiness (server mode), metrics, clock and logger.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { Registry } from 'prom-client';
import { assertMigrationsApplied } from '../../adapters/prisma/migration-check.js';
import { createPrismaClient, type PrismaClient } from '../../adapters/prisma/prisma-client.js';
import { systemClock, type Clock } from '../../core/ports/clock.port.js';
import type { Logger as CoreLogger } from '../../core/ports/logger.port.js';
import type { Env } from '../env.js';
import { asCoreLogger, type Logger } from '../logger.js';
import { createMetrics, type DeckhandMetrics } from '../metrics.js';
import { redisOptions } from '../redis-connection.js';
import type { PlatformContext } from '../../adapters/chat-platform.js';
import { createLease, leaseKey } from '../../adapters/redis/lease.js';
import { SharedRateGate, rateGateKey } from '../../adapters/redis/shared-rate-gate.js';
import type { Module } from './module.js';

export interface Infrastructure extends Module {
  prisma: PrismaClient;
  /** For BullMQ queues and workers. */
  connection: RedisOptions;
  /** Server mode: the shared client (readiness, leases); commands fail at once while it is disconnected. */
  redis: Redis | undefined;
  /** Leases and send limits shared by the replicas through Redis (server mode; the shell uses none). */
  lease: PlatformContext['lease'];
  rateGate: PlatformContext['rateGate'];
  /** Replicas of one deployment share QUEUE_PREFIX; deployments sharing a Redis database need different ones. */
  prefix: string | undefined;
  metricsRegistry: Registry;
  metrics: DeckhandMetrics;
  clock: Clock;
  logger: CoreLogger;
}

export async function wireInfrastructure(env: Env, logger: Logger, options: { server: boolean }): Promise<Infrastructure> {
  const prisma = createPrismaClient(env.DATABASE_URL, { onPoolError: (err) => logger.warn({ err }, 'idle database connection failed') });
  try {
    await assertMigrationsApplied(prisma);
  } catch (err) {
    await prisma.$disconnect();
    throw err;
  }
  const metricsRegistry = new Registry();
  const redis = options.server ? new Redis(env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false }) : undefined;
  redis?.on('error', (err) => logger.warn({ err: { message: err.message } }, 'redis connection error'));
  return {
    name: 'infrastructure',
    prisma,
    connection: redisOptions(env.REDIS_URL),
    redis,
    lease: redis ? (name, ttlMs) => createLease({ redis, key: leaseKey(env.QUEUE_PREFIX, name), ttlMs }) : undefined,
    rateGate: redis ? (name, limits) => new SharedRateGate({ redis, key: rateGateKey(env.QUEUE_PREFIX, name), limits, logger }) : undefined,
    prefix: env.QUEUE_PREFIX,
    metricsRegistry,
    metrics: createMetrics(metricsRegistry),
    clock: systemClock,
    logger: asCoreLogger(logger),
    readiness: [
      { name: 'database', check: async () => void (await prisma.$queryRaw`SELECT 1`) },
      ...(redis ? [{ name: 'redis', check: async () => void (await redis.ping()) }] : []),
    ],
    async start() {
      await redis?.connect().catch((err: Error) => logger.warn({ err: { message: err.message } }, 'redis not reachable yet; /readyz will say so'));
    },
    async close() {
      await Promise.allSettled([prisma.$disconnect(), redis?.quit()]);
    },
  };
}
