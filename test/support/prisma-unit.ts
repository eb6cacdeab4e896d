/**
 * A PrismaUnitOfWork for tests: its pushes go to `notifier` — a NotifierRouter writes them as outbox rows of
 * the unit's transaction (give its delivery queues a PrismaOutbox on the same database), any other notifier
 * (a RecordingNotifier) gets them once the unit committed.
 */
import { createNotifier, NotifierRouter } from '../../src/adapters/notifier/notifier.router.js';
import type { PrismaClient } from '../../src/adapters/prisma/prisma-client.js';
import { PrismaUnitOfWork } from '../../src/adapters/prisma/unit-of-work.js';
import { systemClock } from '../../src/core/ports/clock.port.js';
import { silentLogger } from '../../src/core/ports/logger.port.js';
import type { Notifier } from '../../src/core/ports/notifier.port.js';

export function prismaUnit(prisma: PrismaClient, notifier: Notifier): PrismaUnitOfWork {
  const router = notifier instanceof NotifierRouter ? notifier : createNotifier({ telegram: notifier }, silentLogger);
  return new PrismaUnitOfWork(prisma, { clock: systemClock, notifierFor: (outbox, afterCommit) => router.within(outbox, afterCommit) });
}
