import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PrismaAuditLog } from '../../../src/adapters/prisma/audit.repository.js';
import type { AuditEntry } from '../../../src/core/ports/audit.port.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { auditLogContract } from '../../contracts/audit-log.contract.js';

let db: TestDatabase;
let audit: PrismaAuditLog;

beforeAll(async () => {
  db = await createTestDatabase('audit');
  audit = new PrismaAuditLog(db.prisma);
});
afterAll(() => db?.drop());
beforeEach(() => db.pool.query('TRUNCATE audit_log'));

const entry = (over: Partial<AuditEntry> = {}): AuditEntry => ({
  requestId: 'req-1',
  at: new Date('2026-01-02T03:04:05.678Z'),
  platform: 'telegram',
  platformUserId: '4242',
  personId: 'alice',
  chatId: '-100123',
  intent: 'restart',
  args: 'restart shop prod',
  outcome: 'ok',
  detail: null,
  durationMs: 37,
  ...over,
});

describe('PrismaAuditLog', () => {
  it('returns a recorded entry exactly as it was recorded', async () => {
    const e = entry({ personId: null, intent: null, outcome: 'invalid', detail: 'unknown command' });
    await audit.record(e);
    expect(await audit.recent({ limit: 10 })).toEqual([e]);
  });

  it('lists newest first, honours the limit and filters by person and intent', async () => {
    await audit.record(entry({ requestId: 'a', at: new Date('2026-01-01T00:00:00Z') }));
    await audit.record(entry({ requestId: 'b', at: new Date('2026-01-03T00:00:00Z'), personId: 'bob' }));
    await audit.record(entry({ requestId: 'c', at: new Date('2026-01-02T00:00:00Z'), intent: 'deploy' }));

    expect((await audit.recent({ limit: 10 })).map((e) => e.requestId)).toEqual(['b', 'c', 'a']);
    expect((await audit.recent({ limit: 2 })).map((e) => e.requestId)).toEqual(['b', 'c']);
    expect((await audit.recent({ limit: 10, personId: 'alice' })).map((e) => e.requestId)).toEqual(['c', 'a']);
    expect((await audit.recent({ limit: 10, intent: 'deploy' })).map((e) => e.requestId)).toEqual(['c']);
    expect(await audit.recent({ limit: 10, personId: 'alice', intent: 'status' })).toEqual([]);
  });

  it('orders entries with the same timestamp by insertion, newest first', async () => {
    for (const id of ['x', 'y', 'z']) await audit.record(entry({ requestId: id }));
    expect((await audit.recent({ limit: 3 })).map((e) => e.requestId)).toEqual(['z', 'y', 'x']);
  });

  it('rejects an invalid entry or query without writing anything', async () => {
    await expect(audit.record(entry({ outcome: 'exploded' as AuditEntry['outcome'] }))).rejects.toThrow();
    await expect(audit.record(entry({ durationMs: -1 }))).rejects.toThrow();
    await expect(audit.recent({ limit: 0 })).rejects.toThrow();
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM audit_log');
    expect(rows[0].n).toBe(0);
  });

  it('truncates very long arguments instead of failing the request', async () => {
    await audit.record(entry({ args: 'x'.repeat(5000) }));
    const [stored] = await audit.recent({ limit: 1 });
    expect(stored?.args).toHaveLength(2000);
    expect(stored?.args.endsWith('…')).toBe(true);
  });

  it('writes into the audit_log table with snake_case columns', async () => {
    await audit.record(entry());
    const { rows } = await db.pool.query('SELECT request_id, platform_user_id, duration_ms FROM audit_log');
    expect(rows).toEqual([{ request_id: 'req-1', platform_user_id: '4242', duration_ms: 37 }]);
  });
});

auditLogContract(async () => {
  await db.pool.query('TRUNCATE audit_log');
  return new PrismaAuditLog(db.prisma);
});
