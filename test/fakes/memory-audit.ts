import type { AuditEntry, AuditLog, AuditQuery } from '../../src/core/ports/audit.port.js';

export class MemoryAuditLog implements AuditLog {
  readonly entries: AuditEntry[] = [];

  async record(entry: AuditEntry): Promise<void> {
    this.entries.push(entry);
  }

  async recent(q: AuditQuery): Promise<AuditEntry[]> {
    return this.entries
      .filter((e) => (!q.personId || e.personId === q.personId) && (!q.intent || e.intent === q.intent))
      .slice(-q.limit)
      .reverse();
  }

  last(): AuditEntry {
    const e = this.entries.at(-1);
    if (!e) throw new Error('no audit entry recorded');
    return e;
  }
}

export const fixedClock = (iso: string) => ({ now: () => new Date(iso) });
