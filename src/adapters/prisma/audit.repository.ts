/** AuditLog port on PostgreSQL (table audit_log). */
import { z } from 'zod';
import type { AuditEntry, AuditLog, AuditQuery } from '../../core/ports/audit.port.js';
import type { PrismaDb } from './prisma-client.js';
import { platformIds } from '../platforms.js';

/** A chat platform, or where a change came from without a chat (AuditSource). */
const platform = z.enum([...platformIds, 'webhook', 'schedule']);
const outcome = z.enum(['ok', 'refused', 'invalid', 'not_found', 'error']);

/** Bounded text: audit rows must stay small, and chat input can be arbitrarily long. */
const text = (max: number) => z.string().transform((s) => (s.length > max ? `${s.slice(0, max - 1)}…` : s));

const auditEntry = z.object({
  requestId: z.string().min(1).max(100),
  at: z.date(),
  platform,
  platformUserId: z.string().min(1).max(100),
  personId: z.string().max(100).nullable(),
  chatId: z.string().min(1).max(200),
  intent: z.string().max(100).nullable(),
  args: text(2000),
  outcome,
  detail: text(500).nullable(),
  durationMs: z.number().int().min(0).max(2_147_483_647),
});

const entryKey = z.string().min(1).max(100);

const auditQuery = z.object({
  limit: z.number().int().min(1).max(500),
  personId: z.string().min(1).optional(),
  intent: z.string().min(1).optional(),
});

/** Rows are parsed on the way out too, so a hand-edited row cannot smuggle an unknown outcome into replies. */
const auditRow = auditEntry.extend({ args: z.string(), detail: z.string().nullable() });

export class PrismaAuditLog implements AuditLog {
  constructor(private readonly prisma: PrismaDb) {}

  async record(entry: AuditEntry): Promise<void> {
    const data = auditEntry.parse(entry);
    await this.prisma.auditLog.create({ data });
  }

  /**
   * Records `entry` under `key` once: recording the same key again (a retry after a failure whose insert
   * did commit, or another replica flushing the same spooled entry) changes nothing.
   */
  async recordOnce(key: string, entry: AuditEntry): Promise<void> {
    const data = { ...auditEntry.parse(entry), entryKey: entryKey.parse(key) };
    await this.prisma.auditLog.createMany({ data: [data], skipDuplicates: true });
  }

  /** Newest first (by `at`, then insertion order). */
  async recent(query: AuditQuery): Promise<AuditEntry[]> {
    const q = auditQuery.parse(query);
    const rows = await this.prisma.auditLog.findMany({
      where: { personId: q.personId, intent: q.intent },
      orderBy: [{ at: 'desc' }, { id: 'desc' }],
      take: q.limit,
      omit: { id: true, entryKey: true },
    });
    return rows.map((row) => auditRow.parse(row));
  }
}
