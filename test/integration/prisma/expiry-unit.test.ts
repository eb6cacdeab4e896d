/**
 * The expiry sweep on PostgreSQL through PrismaUnitOfWork: an action's expiry and its confirm message's
 * edit are one transaction. A unit that dies before its commit leaves the action pending and no outbox row;
 * two replicas sweeping at once expire it once, with one edit row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaPendingActionStore } from '../../../src/adapters/prisma/pending-action.repository.js';
import { PrismaUnitOfWork } from '../../../src/adapters/prisma/unit-of-work.js';
import { expireDue } from '../../../src/core/actions/expire-due.js';
import type { UnitOfWork } from '../../../src/core/ports/unit-of-work.port.js';
import { request } from '../../contracts/pending-action-store.contract.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { crashingUnit, outboxUnit } from '../../support/prisma-unit.js';

let db: TestDatabase;
let pending: PrismaPendingActionStore;
const units: PrismaUnitOfWork[] = [];

beforeAll(async () => {
  db = await createTestDatabase('expiry_unit');
  pending = new PrismaPendingActionStore(db.prisma);
  units.push(outboxUnit(db.prisma), outboxUnit(db.prisma));
});
afterAll(async () => {
  await db?.drop();
});


const editRows = async () => (await db.pool.query<{ kind: string; target: string }>("SELECT kind, target FROM outbox_message WHERE kind = 'edit'")).rows;

describe('the expiry sweep through the unit of work (PostgreSQL)', () => {
  it('keeps the expiry and its message edit together, or neither, and expires once across two replicas', async () => {
    const created = await pending.create(request());
    await pending.attachMessage(created.id, { platform: 'telegram', chatId: '-1001', messageId: '77' });
    const clock = { now: () => new Date(created.expiresAt.getTime() + 1_000) };
    const sweep = (unit: UnitOfWork) => expireDue({ pendingActions: new PrismaPendingActionStore(db.prisma), unit, clock });

    expect(await sweep(crashingUnit(units[0]!))).toBe(0);
    expect(await pending.get(created.id)).toMatchObject({ status: 'pending' });
    expect(await editRows()).toEqual([]);

    expect((await Promise.all(units.map(sweep))).sort()).toEqual([0, 1]);
    expect(await pending.get(created.id)).toMatchObject({ status: 'expired' });
    expect(await editRows()).toEqual([{ kind: 'edit', target: '77' }]);
  });
});
