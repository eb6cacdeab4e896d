/**
 * The PostgreSQL stores behind the core's ports, the redelivery checks in Redis (server mode; the table is
 * their fallback), and the pruning of the table's processed-event keys (server mode).
 */
import { Redis } from 'ioredis';
import { PrismaAuditLog } from '../../adapters/prisma/audit.repository.js';
import { PrismaDeploymentStore } from '../../adapters/prisma/deployment.repository.js';
import { PrismaFaqVoteStore } from '../../adapters/prisma/faq-vote.repository.js';
import { PrismaFreezeStore } from '../../adapters/prisma/freeze.repository.js';
import { PrismaHandoffLog } from '../../adapters/prisma/handoff-log.repository.js';
import { PrismaIncidentStore } from '../../adapters/prisma/incident.repository.js';
import { PrismaLockStore } from '../../adapters/prisma/lock.repository.js';
import { PrismaOncallOverrideStore } from '../../adapters/prisma/oncall-override.repository.js';
import { PrismaPendingActionStore } from '../../adapters/prisma/pending-action.repository.js';
import { PrismaOutbox } from '../../adapters/prisma/outbox.repository.js';
import { PrismaPostedMessages } from '../../adapters/prisma/posted-message.repository.js';
import { PrismaProcessedEvents } from '../../adapters/prisma/processed-event.repository.js';
import { PrismaUnitOfWork } from '../../adapters/prisma/unit-of-work.js';
import { REDIS_DEDUPE_CLIENT, RedisProcessedEvents } from '../../adapters/redis/processed-events.js';
import type { NotifierRouter } from '../../adapters/notifier/notifier.router.js';
import { auditSpoolKey, SpooledAuditLog } from '../../adapters/prisma/spooled-audit.js';
import { periodic } from '../../jobs/periodic.js';
import type { ProcessedEvents } from '../../core/ports/processed-events.port.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module } from './module.js';

const HOUR = 60 * 60_000;

/**
 * How long a processed event is remembered in Redis, by platform: past the time its sender may deliver it
 * again. Telegram keeps an update it could not deliver for at most 24 h; Slack retries three times within
 * about 5 minutes (and the receiver refuses a signed request older than 5 minutes); a GitHub delivery can
 * be redelivered from the hook's page for 3 days. Alertmanager is not here: it resends by repeat_interval,
 * and its incidents are kept once by their own conditional writes in PostgreSQL, not by a dedupe key.
 */
const REDELIVERY_TTL_MS = { telegram: 24 * HOUR, slack: HOUR, github: 72 * HOUR, default: 24 * HOUR };

/** Rows in processed_event (written while Redis could not answer, or by the shell) live as long as the longest key. */
const PROCESSED_EVENT_TTL_MS = Math.max(...Object.values(REDELIVERY_TTL_MS));

/** After Redis failed to answer, the table is asked too for this long (redeliveries come within minutes). */
const RECHECK_AFTER_REDIS_FAILED_MS = 15 * 60_000;

export type Stores = ReturnType<typeof storesOf>;

function storesOf({ prisma, clock }: Infrastructure, audit: SpooledAuditLog, processed: ProcessedEvents) {
  return {
    audit,
    pendingActions: new PrismaPendingActionStore(prisma, clock),
    deployments: new PrismaDeploymentStore(prisma),
    locks: new PrismaLockStore(prisma, clock),
    freezes: new PrismaFreezeStore(prisma),
    incidents: new PrismaIncidentStore(prisma),
    overrides: new PrismaOncallOverrideStore(prisma),
    handoffs: new PrismaHandoffLog(prisma),
    posted: new PrismaPostedMessages(prisma),
    outbox: new PrismaOutbox(prisma),
    processed,
    faqVotes: new PrismaFaqVoteStore(prisma),
  };
}

/**
 * State changes and their pushes written together: one transaction whose pushes are outbox rows of every
 * platform the notifier delivers to (see core/ports/unit-of-work.port.ts).
 */
export function wireUnitOfWork({ prisma, clock }: Infrastructure, notifier: NotifierRouter): PrismaUnitOfWork {
  return new PrismaUnitOfWork(prisma, { clock, notifierFor: (outbox, afterCommit) => notifier.within(outbox, afterCommit) });
}

export function wireStores(infra: Infrastructure, options: { server: boolean }): Stores & Module {
  // While PostgreSQL is away audit entries wait in Redis (server mode) or in this process, and are flushed back.
  const spoolRedis = options.server ? new Redis({ ...infra.connection, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 }) : undefined;
  spoolRedis?.on('error', () => {}); // each failed spool write logs its own warning
  const audit = new SpooledAuditLog(new PrismaAuditLog(infra.prisma), { redis: spoolRedis, listKey: auditSpoolKey(infra.prefix), logger: infra.logger });
  // The redelivery check is the first thing a webhook waits for: one Redis command instead of an INSERT.
  const dedupeRedis = options.server ? new Redis({ ...infra.connection, ...REDIS_DEDUPE_CLIENT }) : undefined;
  dedupeRedis?.on('error', () => {}); // the store logs when it falls back to the table and when Redis is back
  const table = new PrismaProcessedEvents(infra.prisma, infra.clock);
  const processed = dedupeRedis
    ? new RedisProcessedEvents({ redis: dedupeRedis, prefix: infra.prefix, fallback: table, ttlMs: REDELIVERY_TTL_MS, recheckMs: RECHECK_AFTER_REDIS_FAILED_MS, logger: infra.logger })
    : table;
  const stores = storesOf(infra, audit, processed);
  const prune = options.server ? periodic('processed-event prune', 10 * 60_000, () => stores.processed.prune(PROCESSED_EVENT_TTL_MS), infra.logger) : undefined;
  return {
    ...stores,
    name: 'stores',
    start: async () => {
      await spoolRedis?.connect().catch((err: Error) => infra.logger.warn({ err: { message: err.message } }, 'redis not reachable yet for the audit spool'));
      // Until it connects (it keeps trying) the redelivery checks go to the table.
      await dedupeRedis?.connect().catch(() => undefined);
      audit.start();
      prune?.start();
    },
    stop: async () => {
      await prune?.stop();
      await audit.stop();
    },
    close: async () => {
      spoolRedis?.disconnect();
      dedupeRedis?.disconnect();
    },
  };
}
