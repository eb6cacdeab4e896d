import { beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry, AuditLog } from '../../src/core/ports/audit.port.js';

/** Shared with the Prisma-specific tests in test/integration/prisma/audit.repository.test.ts. */
export const entry = (over: Partial<AuditEntry> = {}): AuditEntry => ({
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

/**
 * The AuditLog contract, run against the in-memory fake (unit) and PrismaAuditLog (integration). `make`
 * returns an empty log. What callers rely on: `audit` lists newest first by time (ties: the later record
 * first), filters by person and intent, and long chat input never makes recording fail.
 */
export function auditLogContract(make: () => Promise<AuditLog>): void {
  describe('AuditLog contract', () => {
    let audit: AuditLog;
    beforeEach(async () => {
      audit = await make();
    });

    it('returns a recorded entry exactly as it was recorded', async () => {
      const e = entry({ personId: null, intent: null, outcome: 'invalid', detail: 'unknown command' });
      await audit.record(e);
      expect(await audit.recent({ limit: 10 })).toEqual([e]);
    });

    it('lists newest first by time, whatever the order recorded, with limit and filters', async () => {
      await audit.record(entry({ requestId: 'a', at: new Date('2026-01-01T00:00:00Z') }));
      await audit.record(entry({ requestId: 'b', at: new Date('2026-01-03T00:00:00Z'), personId: 'bob' }));
      await audit.record(entry({ requestId: 'c', at: new Date('2026-01-02T00:00:00Z'), intent: 'deploy' }));
      expect((await audit.recent({ limit: 10 })).map((e) => e.requestId)).toEqual(['b', 'c', 'a']);
      expect((await audit.recent({ limit: 2 })).map((e) => e.requestId)).toEqual(['b', 'c']);
      expect((await audit.recent({ limit: 10, personId: 'alice' })).map((e) => e.requestId)).toEqual(['c', 'a']);
      expect((await audit.recent({ limit: 10, intent: 'deploy' })).map((e) => e.requestId)).toEqual(['c']);
      expect(await audit.recent({ limit: 10, personId: 'alice', intent: 'status' })).toEqual([]);
    });

    it('orders entries with the same time by the order recorded, newest first', async () => {
      for (const id of ['x', 'y', 'z']) await audit.record(entry({ requestId: id }));
      expect((await audit.recent({ limit: 3 })).map((e) => e.requestId)).toEqual(['z', 'y', 'x']);
    });

    it('cuts very long arguments and details instead of failing the request', async () => {
      await audit.record(entry({ args: 'x'.repeat(5000), outcome: 'error', detail: 'y'.repeat(900) }));
      const [stored] = await audit.recent({ limit: 1 });
      expect(stored?.args).toHaveLength(2000);
      expect(stored?.args.endsWith('…')).toBe(true);
      expect(stored?.detail).toHaveLength(500);
    });

    it('refuses an invalid entry or query and records nothing', async () => {
      await expect(audit.record(entry({ outcome: 'exploded' as AuditEntry['outcome'] }))).rejects.toThrow();
      await expect(audit.record(entry({ durationMs: -1 }))).rejects.toThrow();
      await expect(audit.record(entry({ requestId: '' }))).rejects.toThrow();
      await expect(audit.recent({ limit: 0 })).rejects.toThrow();
      expect(await audit.recent({ limit: 10 })).toEqual([]);
    });
  });
}
