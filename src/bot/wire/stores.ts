/** The PostgreSQL stores behind the core's ports, and the pruning of processed-event keys (server mode). */
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
import type { NotifierRouter } from '../../adapters/notifier/notifier.router.js';
import { auditSpoolKey, SpooledAuditLog } from '../../adapters/prisma/spooled-audit.js';
import { periodic } from '../../jobs/periodic.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module } from './module.js';

/** How long a processed platform event (update id, event id, signed request) is remembered. */
const PROCESSED_EVENT_TTL_MS = 24 * 60 * 60_000;

export type Stores = ReturnType<typeof storesOf>;

function storesOf({ prisma, clock }: Infrastructure, audit: SpooledAuditLog) {
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
    processed: new PrismaProcessedEvents(prisma),
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
  const stores = storesOf(infra, audit);
  // Dedupe keys only need to outlive redeliveries: Slack signs for 5 minutes, Telegram keeps an update 24 h.
  const prune = options.server ? periodic('processed-event prune', 10 * 60_000, () => stores.processed.prune(PROCESSED_EVENT_TTL_MS), infra.logger) : undefined;
  return {
    ...stores,
    name: 'stores',
    start: async () => {
      await spoolRedis?.connect().catch((err: Error) => infra.logger.warn({ err: { message: err.message } }, 'redis not reachable yet for the audit spool'));
      audit.start();
      prune?.start();
    },
    stop: async () => {
      await prune?.stop();
      await audit.stop();
    },
    close: async () => {
      spoolRedis?.disconnect();
    },
  };
}
