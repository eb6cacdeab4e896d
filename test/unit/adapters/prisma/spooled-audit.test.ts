import { describe, expect, it } from 'vitest';
import { SpooledAuditLog, type KeyedAuditLog, type SpoolList } from '../../../../src/adapters/prisma/spooled-audit.js';
import type { AuditEntry } from '../../../../src/core/ports/audit.port.js';
import type { Logger } from '../../../../src/core/ports/logger.port.js';
import { StoreUnavailableError } from '../../../../src/core/ports/store-errors.js';
import { MemoryAuditLog } from '../../../fakes/memory-audit.js';

/** An audit table with a unique key column, and a switch for a PostgreSQL outage. */
class KeyedMemoryAudit extends MemoryAuditLog implements KeyedAuditLog {
  down = false;
  /** An insert that commits but whose answer is lost (the caller sees the outage). */
  loseNextAnswer = false;
  readonly keys = new Set<string>();
  async recordOnce(key: string, entry: AuditEntry): Promise<void> {
    if (this.down) throw new StoreUnavailableError('database');
    if (!this.keys.has(key)) {
      this.keys.add(key);
      await this.record(entry);
    }
    if (this.loseNextAnswer) {
      this.loseNextAnswer = false;
      throw new StoreUnavailableError('database');
    }
  }
}

/** A Redis list, with a switch for a Redis outage. */
class FakeList implements SpoolList {
  down = false;
  readonly items: string[] = [];
  private check() {
    if (this.down) throw new Error('Connection is closed.');
  }
  async rpush(_key: string, value: string) {
    this.check();
    return this.items.push(value);
  }
  async lrange(_key: string, start: number, stop: number) {
    this.check();
    return this.items.slice(start, stop + 1);
  }
  async lrem(_key: string, _count: number, value: string) {
    this.check();
    const i = this.items.indexOf(value);
    if (i >= 0) this.items.splice(i, 1);
    return i >= 0 ? 1 : 0;
  }
}

function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (_o: object, msg?: string) => void lines.push(`warn ${msg}`),
    error: (_o: object, msg?: string) => void lines.push(`error ${msg}`),
    child: () => logger,
  };
  return { logger, lines };
}

const entry = (requestId: string, at: string): AuditEntry => ({
  requestId,
  at: new Date(at),
  platform: 'telegram',
  platformUserId: '1001',
  personId: 'alice',
  chatId: '1001',
  intent: 'status',
  args: 'status',
  outcome: 'ok',
  detail: null,
  durationMs: 3,
});

describe('the audit spool', () => {
  it('keeps entries in Redis while PostgreSQL is away and flushes them with their original times, once', async () => {
    const db = new KeyedMemoryAudit();
    const redis = new FakeList();
    const audit = new SpooledAuditLog(db, { redis });
    await audit.record(entry('a', '2026-12-02T01:00:00Z'));
    db.down = true;
    await audit.record(entry('b', '2026-12-02T01:00:01Z'));
    await audit.record(entry('c', '2026-12-02T01:00:02Z'));
    expect(redis.items).toHaveLength(2);
    expect(await audit.flush()).toBe(0);
    expect(redis.items).toHaveLength(2);
    db.down = false;
    expect(await audit.flush()).toBe(2);
    expect(await audit.flush()).toBe(0);
    expect(redis.items).toEqual([]);
    expect(db.entries.map((e) => [e.requestId, e.at.toISOString()])).toEqual([
      ['a', '2026-12-02T01:00:00.000Z'],
      ['b', '2026-12-02T01:00:01.000Z'],
      ['c', '2026-12-02T01:00:02.000Z'],
    ]);
  });

  it('counts once an entry whose insert committed although the database seemed away', async () => {
    const db = new KeyedMemoryAudit();
    const redis = new FakeList();
    const audit = new SpooledAuditLog(db, { redis });
    db.loseNextAnswer = true;
    await audit.record(entry('a', '2026-12-02T01:00:00Z'));
    expect(redis.items).toHaveLength(1);
    await audit.flush();
    expect(db.entries.map((e) => e.requestId)).toEqual(['a']);
  });

  it('counts once what two replicas flush from one shared list', async () => {
    const db = new KeyedMemoryAudit();
    const redis = new FakeList();
    const one = new SpooledAuditLog(db, { redis });
    const two = new SpooledAuditLog(db, { redis });
    db.down = true;
    for (let i = 0; i < 5; i++) await (i % 2 ? one : two).record(entry(`r${i}`, `2026-12-02T01:00:0${i}Z`));
    db.down = false;
    await Promise.all([one.flush(), two.flush()]);
    expect(db.entries.map((e) => e.requestId).sort()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(redis.items).toEqual([]);
  });

  it('keeps entries in this process, with one warning, while Redis is away too, and drops the oldest past the bound', async () => {
    const db = new KeyedMemoryAudit();
    const redis = new FakeList();
    const log = recordingLogger();
    const audit = new SpooledAuditLog(db, { redis, localMax: 3, logger: log.logger });
    db.down = true;
    redis.down = true;
    for (let i = 0; i < 4; i++) await audit.record(entry(`r${i}`, `2026-12-02T01:00:0${i}Z`));
    expect(audit.localCount).toBe(3);
    expect(log.lines.filter((l) => l.includes('both unreachable'))).toHaveLength(1);
    expect(log.lines).toContain('error local audit spool full: oldest entry dropped');
    db.down = false;
    expect(await audit.flush()).toBe(3);
    expect(db.entries.map((e) => e.requestId)).toEqual(['r1', 'r2', 'r3']);
    expect(audit.localCount).toBe(0);
  });

  it('hands what waits in this process to Redis at shutdown when PostgreSQL is still away', async () => {
    const db = new KeyedMemoryAudit();
    const redis = new FakeList();
    const audit = new SpooledAuditLog(db, { redis });
    db.down = true;
    redis.down = true;
    await audit.record(entry('a', '2026-12-02T01:00:00Z'));
    redis.down = false;
    await audit.stop();
    expect(audit.localCount).toBe(0);
    db.down = false;
    expect(await new SpooledAuditLog(db, { redis }).flush()).toBe(1);
    expect(db.entries.map((e) => e.requestId)).toEqual(['a']);
  });

  it('passes on any failure other than an outage', async () => {
    const db = new KeyedMemoryAudit();
    const audit = new SpooledAuditLog(db, { redis: new FakeList() });
    await expect(audit.record({ ...entry('a', '2026-12-02T01:00:00Z'), chatId: '' })).rejects.toThrow('invalid audit entry');
  });
});
