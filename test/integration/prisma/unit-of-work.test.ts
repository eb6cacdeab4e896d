/**
 * PrismaUnitOfWork on a private schema: the UnitOfWork contract, and the alert path through it with a
 * failure injected between the incident write and the commit (no incident row, no outbox row), a committed
 * notification (both rows), and the outbox delivery sending the committed message exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaHandoffLog } from '../../../src/adapters/prisma/handoff-log.repository.js';
import { PrismaIncidentStore } from '../../../src/adapters/prisma/incident.repository.js';
import { PrismaOutbox } from '../../../src/adapters/prisma/outbox.repository.js';
import { PrismaPendingActionStore } from '../../../src/adapters/prisma/pending-action.repository.js';
import { PrismaUnitOfWork } from '../../../src/adapters/prisma/unit-of-work.js';
import { systemClock } from '../../../src/core/ports/clock.port.js';
import { shopQueue, unitOfWorkContract, waitingTexts } from '../../contracts/unit-of-work.contract.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('unit_of_work');
});
afterAll(() => db?.drop());

const truncate = () => db.pool.query('TRUNCATE incident, outbox_message, outbox_lane, handoff_announcement, pending_action CASCADE');

unitOfWorkContract(async () => {
  await truncate();
  const outbox = new PrismaOutbox(db.prisma);
  const queue = shopQueue(outbox, '-1001');
  return {
    unit: new PrismaUnitOfWork(db.prisma, { clock: systemClock, notifierFor: (tx, afterCommit) => queue.within(tx, afterCommit) }),
    incidents: new PrismaIncidentStore(db.prisma),
    pendingActions: new PrismaPendingActionStore(db.prisma),
    handoffs: new PrismaHandoffLog(db.prisma),
    pushed: waitingTexts(outbox, '-1001'),
  };
});
