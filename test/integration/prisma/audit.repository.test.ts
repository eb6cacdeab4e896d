import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PrismaAuditLog } from '../../../src/adapters/prisma/audit.repository.js';
import type { AuditEntry } from '../../../src/core/ports/audit.port.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { auditLogContract, entry } from '../../contracts/audit-log.contract.js';

let db: TestDatabase;
let audit: PrismaAuditLog;

beforeAll(async () => {
  db = await createTestDatabase('audit');
  audit = new PrismaAuditLog(db.prisma);
});
afterAll(() => db?.drop());
beforeEach(() => db.pool.query('TRUNCATE audit_log'));

// Recording, newest-first order, filters and same-time order are checked on PrismaAuditLog by auditLogContract below.
describe('PrismaAuditLog', () => {
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
