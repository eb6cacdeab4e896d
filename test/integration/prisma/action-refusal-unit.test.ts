/**
 * A refused action on PostgreSQL through PrismaUnitOfWork: the `refused` status, the confirm message's edit
 * and the words to the requester are one transaction. A unit that dies before its commit leaves the action
 * as it was and no outbox row; the committed one leaves the status and both rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaPendingActionStore } from '../../../src/adapters/prisma/pending-action.repository.js';
import { PrismaUnitOfWork } from '../../../src/adapters/prisma/unit-of-work.js';
import { refuseWithMessages } from '../../../src/core/actions/action-end.js';
import type { UnitOfWork } from '../../../src/core/ports/unit-of-work.port.js';
import { request } from '../../contracts/pending-action-store.contract.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { crashingUnit, outboxUnit } from '../../support/prisma-unit.js';

let db: TestDatabase;
let unit: PrismaUnitOfWork;
let pending: PrismaPendingActionStore;

beforeAll(async () => {
  db = await createTestDatabase('action_refusal_unit');
  pending = new PrismaPendingActionStore(db.prisma);
  unit = outboxUnit(db.prisma);
});
afterAll(async () => {
  await db?.drop();
});


const audited = async () => (await db.pool.query<{ intent: string; outcome: string }>('SELECT intent, outcome FROM audit_log')).rows;
const rows = async () => (await db.pool.query<{ kind: string; chat_id: string }>('SELECT kind, chat_id FROM outbox_message ORDER BY seq')).rows;

describe('a refused action through the unit of work (PostgreSQL)', () => {
  it('keeps the refusal, its result edit and the words to the requester together, or none of them', async () => {
    const created = await pending.create(request());
    await pending.attachMessage(created.id, { platform: 'telegram', chatId: '-1001', messageId: '77' });
    const action = (await pending.claim(created.id, 'dave', created.createdAt))!;
    const result = { tone: 'warning' as const, text: 'Deploy (refused)', blocks: [] };
    const told = { tone: 'warning' as const, text: 'your deploy did not run', blocks: [] };
    const refuse = (u: UnitOfWork) =>
      refuseWithMessages({ unit: u, clock: { now: () => new Date() } }, action, 'Refused: locked. Nothing ran.', result, (notifier) => notifier.tell!({ platform: 'telegram', chatId: '-1001' }, told, { key: `scheduled:${action.id}:refused` }));

    await expect(refuse(crashingUnit(unit))).rejects.toThrow('replica died before the commit');
    expect(await pending.get(action.id)).toMatchObject({ status: 'claimed', result: null });
    expect(await rows()).toEqual([]);
    expect(await audited()).toEqual([]);

    await refuse(unit);
    expect(await pending.get(action.id)).toMatchObject({ status: 'refused', result: 'Refused: locked. Nothing ran.' });
    expect((await rows()).map((r) => r.kind).sort()).toEqual(['edit', 'send']);
    // The audit entry came with the unit: nobody wrote it afterwards.
    expect(await audited()).toEqual([{ intent: 'deploy.refused', outcome: 'refused' }]);
  });
});
