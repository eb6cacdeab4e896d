/**
 * An AuditLog that keeps recording while PostgreSQL is away. Every entry gets a unique key before its first
 * write; an entry whose write fails because the database cannot be reached (StoreUnavailableError) goes to a
 * Redis list shared by the replicas, or, while Redis is away too, to a bounded spool in this process (with a
 * warning). `flush` (run on a timer by `start`) writes spooled entries into audit_log with their original
 * timestamps, each insert keyed, so an entry written twice (an insert that committed although its answer was
 * lost, two replicas flushing one list) is counted once.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AuditEntry, AuditLog, AuditQuery } from '../../core/ports/audit.port.js';
import { silentLogger, type Logger } from '../../core/ports/logger.port.js';
import { isStoreUnavailable } from '../../core/ports/store-errors.js';

/** Writes an entry under a key, once per key (PrismaAuditLog). */
export interface KeyedAuditLog extends AuditLog {
  recordOnce(key: string, entry: AuditEntry): Promise<void>;
}

/** The few list commands the spool uses (an ioredis client has them). */
export interface SpoolList {
  rpush(key: string, value: string): Promise<unknown>;
  lrange(key: string, start: number, stop: number): Promise<string[]>;
  lrem(key: string, count: number, value: string): Promise<unknown>;
}

export interface SpooledAuditOptions {
  /** Where entries wait while PostgreSQL is away; without it only the local spool is used. */
  redis?: SpoolList;
  /** The Redis list's key; replicas of one deployment share it. */
  listKey?: string;
  /** At most this many entries wait in this process while Redis is away too; the oldest are dropped (logged). */
  localMax?: number;
  /** How often spooled entries are flushed once `start` was called. */
  flushIntervalMs?: number;
  logger?: Logger;
}

const spooled = z.object({
  key: z.string().min(1),
  entry: z.object({ at: z.iso.datetime() }).loose(),
});

interface Spooled {
  key: string;
  entry: AuditEntry;
}

const encode = (s: Spooled): string => JSON.stringify({ key: s.key, entry: { ...s.entry, at: s.entry.at.toISOString() } });

function decode(raw: string): Spooled {
  const { key, entry } = spooled.parse(JSON.parse(raw));
  return { key, entry: { ...(entry as unknown as AuditEntry), at: new Date(entry.at) } };
}

/** How many Redis entries one flush step reads. */
const BATCH = 100;

export class SpooledAuditLog implements AuditLog {
  private readonly local: Spooled[] = [];
  private readonly listKey: string;
  private readonly localMax: number;
  private readonly logger: Logger;
  private flushing: Promise<number> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private warnedLocal = false;

  constructor(
    private readonly primary: KeyedAuditLog,
    private readonly options: SpooledAuditOptions = {},
  ) {
    this.listKey = options.listKey ?? 'deckhand:audit-spool';
    this.localMax = options.localMax ?? 10_000;
    this.logger = options.logger ?? silentLogger;
  }

  async record(entry: AuditEntry): Promise<void> {
    const item = { key: randomUUID(), entry };
    try {
      await this.primary.recordOnce(item.key, entry);
    } catch (error) {
      if (!isStoreUnavailable(error)) throw error;
      await this.spool(item);
    }
  }

  /** What PostgreSQL holds; entries still spooled appear once they are flushed. */
  recent(query: AuditQuery): Promise<AuditEntry[]> {
    return this.primary.recent(query);
  }

  /** Entries waiting in this process (Redis was away too). */
  get localCount(): number {
    return this.local.length;
  }

  /**
   * Writes spooled entries (this process's, then the shared Redis list's) into audit_log; stops at the first
   * sign the database is still away. Returns how many were written. Concurrent calls share one run.
   */
  flush(): Promise<number> {
    this.flushing ??= this.flushAll().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Flushes every `flushIntervalMs` (default 5 s) until `stop`. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.flush().catch((err: unknown) => this.logger.warn({ err }, 'audit spool flush failed'));
    }, this.options.flushIntervalMs ?? 5_000);
    this.timer.unref();
  }

  /** Stops the timer after one last flush; entries still in this process go to Redis if it answers. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush().catch((err: unknown) => this.logger.warn({ err }, 'audit spool flush failed'));
    for (const item of this.local.splice(0)) {
      if (!(await this.pushToRedis(item))) this.local.push(item);
    }
    if (this.local.length) this.logger.error({ lost: this.local.length }, 'audit entries lost at shutdown: neither PostgreSQL nor Redis could take them');
  }

  private async spool(item: Spooled): Promise<void> {
    if (await this.pushToRedis(item)) return;
    if (!this.warnedLocal) {
      this.warnedLocal = true;
      this.logger.warn({ max: this.localMax }, 'PostgreSQL and Redis are both unreachable: audit entries wait in this process until one is back');
    }
    if (this.local.length >= this.localMax) {
      const dropped = this.local.shift()!;
      this.logger.error({ requestId: dropped.entry.requestId, intent: dropped.entry.intent, at: dropped.entry.at }, 'local audit spool full: oldest entry dropped');
    }
    this.local.push(item);
  }

  private async pushToRedis(item: Spooled): Promise<boolean> {
    if (!this.options.redis) return false;
    try {
      await this.options.redis.rpush(this.listKey, encode(item));
      return true;
    } catch (err) {
      this.logger.warn({ err: { message: (err as Error).message } }, 'cannot spool an audit entry in Redis');
      return false;
    }
  }

  /** True when the entry is written (or could never be, and was dropped with a log line); false while the database is away. */
  private async write(item: Spooled): Promise<boolean> {
    try {
      await this.primary.recordOnce(item.key, item.entry);
      return true;
    } catch (error) {
      if (isStoreUnavailable(error)) return false;
      this.logger.error({ err: error, requestId: item.entry.requestId }, 'spooled audit entry refused by the database; dropped');
      return true;
    }
  }

  private async flushAll(): Promise<number> {
    let written = 0;
    while (this.local.length) {
      if (!(await this.write(this.local[0]!))) return written;
      this.local.shift();
      written++;
    }
    this.warnedLocal = false;
    const redis = this.options.redis;
    if (!redis) return written;
    for (;;) {
      let batch: string[];
      try {
        batch = await redis.lrange(this.listKey, 0, BATCH - 1);
      } catch {
        return written; // Redis away: its entries wait there
      }
      if (batch.length === 0) return written;
      for (const raw of batch) {
        let item: Spooled | undefined;
        try {
          item = decode(raw);
        } catch (err) {
          this.logger.error({ err }, 'unreadable spooled audit entry; dropped');
        }
        if (item && !(await this.write(item))) return written;
        // LREM removes exactly this entry, so replicas flushing the same list never drop each other's.
        await redis.lrem(this.listKey, 1, raw);
        if (item) written++;
      }
    }
  }
}

/** The Redis list replicas of one deployment share (QUEUE_PREFIX separates deployments on one Redis). */
export const auditSpoolKey = (prefix: string | undefined): string => `${prefix ?? 'deckhand'}:audit-spool`;
