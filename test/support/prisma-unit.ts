/**
 * A PrismaUnitOfWork for tests. `pushes: 'outbox'` writes the unit's pushes as outbox rows of its transaction
 * (the router's delivery queues must deliver from a PrismaOutbox on the same database); 'after-commit' hands
 * them to `notifier` once the unit committed (a RecordingNotifier, or queues over an in-memory outbox).
 */
import { createNotifier, NotifierRouter } from '../../src/adapters/notifier/notifier.router.js';
import type { PrismaClient } from '../../src/adapters/prisma/prisma-client.js';
import { PrismaUnitOfWork } from '../../src/adapters/prisma/unit-of-work.js';
import { systemClock, type Clock } from '../../src/core/ports/clock.port.js';
import { silentLogger } from '../../src/core/ports/logger.port.js';
import type { Notifier } from '../../src/core/ports/notifier.port.js';
import type { UnitOfWork } from '../../src/core/ports/unit-of-work.port.js';
import { PrismaOutbox } from '../../src/adapters/prisma/outbox.repository.js';
import { shopQueue } from '../contracts/unit-of-work.contract.js';

export function prismaUnit(prisma: PrismaClient, notifier: Notifier, opts: { pushes?: 'outbox' | 'after-commit'; clock?: Clock } = {}): PrismaUnitOfWork {
  const pushes = opts.pushes ?? 'after-commit';
  if (pushes === 'outbox' && !(notifier instanceof NotifierRouter)) throw new Error('outbox pushes need the NotifierRouter of the delivery queues');
  const router =
    pushes === 'outbox'
      ? (notifier as NotifierRouter)
      : // A plain notifier (no `within`): the router hands it the pushes once the unit committed.
        createNotifier(
          {
            telegram: {
              edit: (ref, reply, options) => notifier.edit(ref, reply, options),
              announce: (project, reply, options) => notifier.announce(project, reply, options),
              publish: (project, key, reply, options) => notifier.publish(project, key, reply, options),
              tell: async (chat, reply, options) => notifier.tell?.(chat, reply, options),
            },
          },
          silentLogger,
        );
  return new PrismaUnitOfWork(prisma, { clock: opts.clock ?? systemClock, notifierFor: (outbox, afterCommit) => router.within(outbox, afterCommit) });
}

/** A PrismaUnitOfWork whose pushes are outbox rows (project `shop` → telegram chat `chatId`) that nobody delivers. */
export function outboxUnit(prisma: PrismaClient, chatId = '-1001'): PrismaUnitOfWork {
  const queue = shopQueue(new PrismaOutbox(prisma), chatId);
  return new PrismaUnitOfWork(prisma, { clock: systemClock, notifierFor: (tx, afterCommit) => queue.within(tx, afterCommit) });
}

/** `unit`, except that each run does its work and then dies before the commit, as a replica killed mid-unit would. */
export function crashingUnit(unit: UnitOfWork): UnitOfWork {
  return {
    run: (work) =>
      unit.run(async (stores) => {
        await work(stores);
        throw new Error('replica died before the commit');
      }),
  };
}
