/**
 * PrismaUnitOfWork on a private schema: the UnitOfWork contract, and the alert path through it with a
 * failure injected between the incident write and the commit (no incident row, no outbox row), a committed
 * notification (both rows), and the outbox delivery sending the committed message exactly once.
 */
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifier } from '../../../src/adapters/notifier/notifier.router.js';
import { PrismaAuditLog } from '../../../src/adapters/prisma/audit.repository.js';
import { PrismaPostedMessages } from '../../../src/adapters/prisma/posted-message.repository.js';
import { createTelegramDelivery } from '../../../src/adapters/telegram/telegram.delivery.js';
import { processAlertGroup, type AlertProcessorDeps } from '../../../src/core/incidents/alert-notification.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import type { UnitOfWork } from '../../../src/core/ports/unit-of-work.port.js';
import { createBotApi, TOKEN } from '../../unit/adapters/telegram/bot-api.fake.js';
import { PrismaHandoffLog } from '../../../src/adapters/prisma/handoff-log.repository.js';
import { PrismaIncidentStore } from '../../../src/adapters/prisma/incident.repository.js';
import { PrismaOutbox } from '../../../src/adapters/prisma/outbox.repository.js';
import { PrismaPendingActionStore } from '../../../src/adapters/prisma/pending-action.repository.js';
import { PrismaUnitOfWork } from '../../../src/adapters/prisma/unit-of-work.js';
import { systemClock } from '../../../src/core/ports/clock.port.js';
import { shopQueue, unitOfWorkContract, waitingTexts } from '../../contracts/unit-of-work.contract.js';
import { shopAlert, shopGroup } from '../../support/alert-group.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';

let db: TestDatabase;

const msw = setupServer();
const api = createBotApi();

beforeAll(async () => {
  msw.listen({ onUnhandledRequest: 'error' });
  msw.use(api.handler);
  db = await createTestDatabase('unit_of_work');
});
afterAll(async () => {
  msw.close();
  await db?.drop();
});

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

const T0 = new Date('2026-12-02T12:00:00Z');
const firing = shopGroup([shopAlert('a1', T0)]);

/** A replica's Telegram delivery over the shared outbox (not started), the Bot API answered by the fake. */
const telegramQueue = () =>
  createTelegramDelivery({ token: TOKEN, chatsFor: (p) => (p === 'shop' ? ['-1001'] : []), posted: new PrismaPostedMessages(db.prisma), outbox: new PrismaOutbox(db.prisma), logger: silentLogger }).queue;

const count = async (table: string) => Number((await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);

describe('an alert notification through the unit of work (PostgreSQL)', () => {
  it('keeps no incident and no message when the unit fails before its commit, and sends the retried one exactly once', async () => {
    await truncate();
    await db.pool.query('TRUNCATE audit_log, posted_message');
    const queues = [telegramQueue(), telegramQueue()];
    const notifier = createNotifier({ telegram: queues[0]! }, silentLogger);
    const unit = new PrismaUnitOfWork(db.prisma, { clock: systemClock, notifierFor: (tx, afterCommit) => notifier.within(tx, afterCommit) });
    // A crash after the incident and its message were written, before the commit.
    const crashing: UnitOfWork = {
      run: (work) =>
        unit.run(async (stores) => {
          await work(stores);
          expect(await stores.incidents.findOpen('shop', firing.groupKey)).not.toBeNull();
          throw new Error('replica died before the commit');
        }),
    };
    const deps = (u: UnitOfWork): AlertProcessorDeps => ({
      incidents: new PrismaIncidentStore(db.prisma),
      unit: u,
      notifier,
      audit: new PrismaAuditLog(db.prisma),
      clock: { now: () => new Date(T0.getTime() + 60_000) },
      logger: silentLogger,
      projectLabel: 'project',
      projects: new Set(['shop']),
      nameOf: (id) => id,
      settings: { serviceLabel: 'service', envLabel: 'env', silenceMs: 3_600_000 },
      catalog: { projects: [] },
    });

    await expect(processAlertGroup(deps(crashing), firing)).rejects.toThrow('replica died before the commit');
    expect(await count('incident')).toBe(0);
    expect(await count('outbox_message')).toBe(0);

    // Alertmanager sends the notification again (it got no 2xx): this time the unit commits both.
    const out = await processAlertGroup(deps(unit), firing);
    expect(out.incidents).toEqual([{ project: 'shop', id: expect.any(String), change: 'opened' }]);
    expect(await count('incident')).toBe(1);
    const rows = (await db.pool.query<{ kind: string; target: string; state: string }>('SELECT kind, target, state FROM outbox_message')).rows;
    expect(rows).toEqual([{ kind: 'publish', target: `incident:${out.incidents[0]!.id}`, state: 'waiting' }]);

    // Two replicas' delivery loops take the outbox: the message reaches the chat once.
    const before = api.bodies('sendMessage').length;
    for (const q of queues) q.start();
    try {
      await queues[0]!.drain();
    } finally {
      await Promise.all(queues.map((q) => q.stop()));
    }
    const sent = api.bodies('sendMessage').slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ chat_id: -1001 });
    expect(String(sent[0]!['text'])).toContain(`<b>Incident:</b> ${out.incidents[0]!.id}`);
    expect((await db.pool.query('SELECT state FROM outbox_message')).rows).toEqual([{ state: 'sent' }]);
  });
});
