/**
 * An action's end on PostgreSQL through PrismaUnitOfWork: the final status, the result edit, the finish
 * announcement and the audit entry are one transaction. A unit that dies before its commit leaves none of
 * them; a replica that dies right after the commit still has its audit entry; a unit that keeps failing
 * writes the end and its entry alone.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PrismaAuditLog } from '../../../src/adapters/prisma/audit.repository.js';
import { PrismaPendingActionStore } from '../../../src/adapters/prisma/pending-action.repository.js';
import type { PrismaUnitOfWork } from '../../../src/adapters/prisma/unit-of-work.js';
import { auditAction } from '../../../src/core/actions/action-audit.js';
import { endAction, type EndAudit } from '../../../src/core/actions/action-end.js';
import type { ActionOutcome } from '../../../src/core/actions/action-deps.js';
import { systemClock } from '../../../src/core/ports/clock.port.js';
import { silentLogger } from '../../../src/core/ports/logger.port.js';
import type { UnitOfWork } from '../../../src/core/ports/unit-of-work.port.js';
import { request } from '../../contracts/pending-action-store.contract.js';
import { RecordingNotifier } from '../../fakes/memory-stores.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { crashingUnit, outboxUnit } from '../../support/prisma-unit.js';

let db: TestDatabase;
let unit: PrismaUnitOfWork;
let pending: PrismaPendingActionStore;
let audit: PrismaAuditLog;

beforeAll(async () => {
  db = await createTestDatabase('action_end_unit');
  pending = new PrismaPendingActionStore(db.prisma);
  audit = new PrismaAuditLog(db.prisma);
  unit = outboxUnit(db.prisma);
});
afterAll(async () => {
  await db?.drop();
});
beforeEach(async () => {
  await db.pool.query('TRUNCATE outbox_message, outbox_lane, audit_log');
});

const outcome: ActionOutcome = { status: 'succeeded', deployments: 'succeeded', result: 'Deployed web 1.4.2.' };
const audited: EndAudit = { event: 'ran', detail: outcome.result, durationMs: 1_200 };
const result = { tone: 'success' as const, text: 'Deploy (succeeded)', blocks: [] };
const entries = async () => (await db.pool.query<{ intent: string; duration_ms: number }>('SELECT intent, duration_ms FROM audit_log')).rows;
const outbox = async () => (await db.pool.query<{ kind: string }>('SELECT kind FROM outbox_message ORDER BY seq')).rows.map((r) => r.kind);

async function claimed() {
  const created = await pending.create(request());
  await pending.attachMessage(created.id, { platform: 'telegram', chatId: '-1001', messageId: '77' });
  return (await pending.claim(created.id, 'dave', created.createdAt))!;
}

/** The processor's end and then its audit, as action.processor.ts concludes; `audit` is what it is told to write to. */
async function conclude(u: UnitOfWork, action: Awaited<ReturnType<typeof claimed>>, log = audit) {
  const deps = { unit: u, pendingActions: pending, notifier: new RecordingNotifier(), logger: silentLogger, clock: systemClock, audit: log };
  const written = await endAction(deps, action, outcome, result, 1_200, audited, [1]);
  await auditAction(deps, action, audited.event, audited.detail, audited.durationMs, written === 'unit');
  return written;
}

describe('an action’s end through the unit of work (PostgreSQL)', () => {
  it('commits the audit entry with the end and its messages, so a replica dying after the commit keeps it', async () => {
    const action = await claimed();
    // Only the end: the processor's write afterwards never happens (the replica died right after the commit).
    const written = await endAction({ unit, pendingActions: pending, notifier: new RecordingNotifier(), logger: silentLogger, clock: systemClock }, action, outcome, result, 1_200, audited, []);
    expect(written).toBe('unit');
    expect(await pending.get(action.id)).toMatchObject({ status: 'succeeded' });
    expect(await outbox()).toEqual(['edit', 'send']);
    expect(await entries()).toEqual([{ intent: 'deploy.ran', duration_ms: 1_200 }]);
  });

  it('leaves no end, message or entry when the unit dies before its commit, and writes the entry once when it is tried again', async () => {
    const action = await claimed();
    let crashes = 1;
    const once: UnitOfWork = { run: (work) => (crashes-- > 0 ? crashingUnit(unit).run(work) : unit.run(work)) };
    expect(await conclude(once, action)).toBe('unit');
    expect(await pending.get(action.id)).toMatchObject({ status: 'succeeded' });
    expect(await outbox()).toEqual(['edit', 'send']);
    expect(await entries()).toEqual([{ intent: 'deploy.ran', duration_ms: 1_200 }]);
  });

  it('writes the end and its entry alone when the unit keeps failing', async () => {
    const action = await claimed();
    expect(await conclude(crashingUnit(unit), action)).toBe('alone');
    expect(await pending.get(action.id)).toMatchObject({ status: 'succeeded' });
    expect(await outbox()).toEqual([]);
    expect(await entries()).toEqual([{ intent: 'deploy.ran', duration_ms: 1_200 }]);
  });
});
