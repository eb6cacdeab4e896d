import type { AuditEntry, AuditLog, AuditQuery } from '../../src/core/ports/audit.port.js';

/** Long chat input is cut as PrismaAuditLog cuts it (audit rows stay small, and recording never fails on length). */
const cut = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

const OUTCOMES = new Set<string>(['ok', 'refused', 'invalid', 'not_found', 'error']);

export class MemoryAuditLog implements AuditLog {
  /** In the order recorded (tests read the last one). */
  readonly entries: AuditEntry[] = [];

  async record(entry: AuditEntry): Promise<void> {
    const valid = entry.requestId && entry.platformUserId && entry.chatId && OUTCOMES.has(entry.outcome) && Number.isInteger(entry.durationMs) && entry.durationMs >= 0;
    if (!valid) throw new Error('invalid audit entry');
    this.entries.push({ ...entry, at: new Date(entry.at), args: cut(entry.args, 2000), detail: entry.detail === null ? null : cut(entry.detail, 500) });
  }

  /** Newest first by `at`, then by the order recorded, as PrismaAuditLog answers. */
  async recent(q: AuditQuery): Promise<AuditEntry[]> {
    if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > 500) throw new Error('limit must be 1–500');
    return this.entries
      .map((e, i) => ({ e, i }))
      .filter(({ e }) => (!q.personId || e.personId === q.personId) && (!q.intent || e.intent === q.intent))
      .sort((a, b) => b.e.at.getTime() - a.e.at.getTime() || b.i - a.i)
      .slice(0, q.limit)
      .map(({ e }) => ({ ...e, at: new Date(e.at) }));
  }

  last(): AuditEntry {
    const e = this.entries.at(-1);
    if (!e) throw new Error('no audit entry recorded');
    return e;
  }
}

export const fixedClock = (iso: string) => ({ now: () => new Date(iso) });
