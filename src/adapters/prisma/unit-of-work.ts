/**
 * UnitOfWork on PostgreSQL: one interactive transaction per unit. The stores handed to the work are the
 * repositories built on the transaction, and its pushes are outbox rows written in it (`notifierFor`), so the
 * state change and its messages commit together: a crash or an error before the commit leaves neither. The
 * rows are numbered in their chats just before the commit (see outbox.repository.ts): a unit that stays open
 * holds back no other push to its chats, and its rows go after every row of those chats committed before it.
 */
import type { Clock } from '../../core/ports/clock.port.js';
import type { Notifier } from '../../core/ports/notifier.port.js';
import type { UnitOfWork, UnitStores } from '../../core/ports/unit-of-work.port.js';
import type { AfterCommit, OutboxStore } from '../notifier/outbox.port.js';
import { PrismaAuditLog } from './audit.repository.js';
import { PrismaHandoffLog } from './handoff-log.repository.js';
import { PrismaIncidentStore } from './incident.repository.js';
import { PrismaOutbox } from './outbox.repository.js';
import { PrismaPendingActionStore } from './pending-action.repository.js';
import type { PrismaClient } from './prisma-client.js';
import { asStoreError } from './prisma-errors.js';

export interface PrismaUnitOfWorkOptions {
  clock: Clock;
  /** The notifier whose pushes go to `outbox` (the transaction's); what it registers with `afterCommit` runs after the commit. */
  notifierFor(outbox: OutboxStore, afterCommit: AfterCommit): Notifier;
  /** How long a unit may stay open before PostgreSQL's transaction is rolled back (default 10 s). */
  timeoutMs?: number;
}

/** How long a unit waits for a pooled connection to begin its transaction. */
const MAX_WAIT_MS = 5_000;

export class PrismaUnitOfWork implements UnitOfWork {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: PrismaUnitOfWorkOptions,
  ) {}

  async run<T>(work: (stores: UnitStores) => Promise<T>): Promise<T> {
    const committed: (() => void)[] = [];
    let result: T;
    try {
      result = await this.prisma.$transaction(
        async (tx) => {
          // A retried transaction starts over: nothing of a rolled-back attempt runs after the commit.
          committed.length = 0;
          const outbox = new PrismaOutbox(tx, { unit: true });
          const done = await work({
            incidents: new PrismaIncidentStore(tx),
            pendingActions: new PrismaPendingActionStore(tx, this.options.clock),
            handoffs: new PrismaHandoffLog(tx),
            audit: new PrismaAuditLog(tx),
            notifier: this.options.notifierFor(outbox, (callback) => committed.push(callback)),
          });
          // Last: the unit's rows take their chats' places now, in the order the transaction commits.
          await outbox.numberForCommit();
          return done;
        },
        { maxWait: MAX_WAIT_MS, timeout: this.options.timeoutMs ?? 10_000 },
      );
    } catch (error) {
      throw asStoreError(error);
    }
    for (const callback of committed) callback();
    return result;
  }
}
