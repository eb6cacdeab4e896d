import type { NewOutboxEntry, OutboxEnd, OutboxEntry, OutboxStore, PutOutcome } from '../../src/adapters/notifier/outbox.port.js';

type State = 'waiting' | 'sending' | OutboxEnd['state'];

interface Row extends OutboxEntry {
  state: State;
  endedAt?: number;
  messageId?: string;
  lastError?: string;
}

/** OutboxStore in memory, for unit tests; passes the outbox contract (test/contracts/outbox.contract.ts) like PrismaOutbox. */
export class MemoryOutbox implements OutboxStore {
  readonly rows: Row[] = [];
  private readonly lanes = new Map<string, { holder: string; leaseUntil: number }>();
  private nextSeq = 1;

  async put(entry: NewOutboxEntry): Promise<PutOutcome> {
    if (entry.key === '' || entry.chatId === '' || entry.platform === '') throw new Error('key, platform and chat id must not be empty');
    if (entry.target !== undefined && entry.kind !== 'send' && !this.rows.some((r) => r.key === entry.key)) {
      const waiting = this.rows.find((r) => r.state === 'waiting' && sameTarget(r, entry) && r.key !== entry.key);
      if (waiting) {
        waiting.payload = structuredClone(entry.payload);
        waiting.expiresAt = Math.max(waiting.expiresAt, entry.expiresAt);
        return 'coalesced';
      }
    }
    if (this.rows.some((r) => r.key === entry.key)) return 'duplicate';
    this.rows.push({ ...structuredClone(entry), seq: this.nextSeq++, attempts: 0, notBefore: 0, state: 'waiting' });
    return 'queued';
  }

  async claimLanes(platform: string, holder: string, opts: { now: number; leaseMs: number; limit: number; skip?: readonly string[] }): Promise<string[]> {
    const heads = new Map<string, Row>();
    for (const r of this.open()) if (r.platform === platform && !heads.has(r.chatId)) heads.set(r.chatId, r);
    const taken: string[] = [];
    for (const [chatId, head] of [...heads].sort((a, b) => a[1].seq - b[1].seq)) {
      if (taken.length >= opts.limit) break;
      if (head.notBefore > opts.now || opts.skip?.includes(chatId)) continue;
      const lane = this.lanes.get(laneKey(platform, chatId));
      if (lane && lane.leaseUntil > opts.now && lane.holder !== holder) continue;
      this.lanes.set(laneKey(platform, chatId), { holder, leaseUntil: opts.now + opts.leaseMs });
      taken.push(chatId);
    }
    return taken;
  }

  async renewLane(platform: string, chatId: string, holder: string, opts: { now: number; leaseMs: number }): Promise<boolean> {
    const lane = this.lanes.get(laneKey(platform, chatId));
    if (!lane || lane.holder !== holder || lane.leaseUntil <= opts.now) return false;
    lane.leaseUntil = opts.now + opts.leaseMs;
    return true;
  }

  async releaseLane(platform: string, chatId: string, holder: string): Promise<void> {
    const key = laneKey(platform, chatId);
    if (this.lanes.get(key)?.holder === holder) this.lanes.delete(key);
  }

  async waiting(platform: string, chatId: string, limit: number): Promise<OutboxEntry[]> {
    return this.open()
      .filter((r) => r.platform === platform && r.chatId === chatId)
      .slice(0, limit)
      .map((r) => {
        const { state: _s, endedAt: _e, messageId: _m, lastError: _l, ...entry } = structuredClone(r);
        return entry;
      });
  }

  async take(seqs: readonly number[]): Promise<OutboxEntry[]> {
    const taken = this.open().filter((r) => seqs.includes(r.seq));
    for (const r of taken) r.state = 'sending';
    return taken.map((r) => {
      const { state: _s, endedAt: _e, messageId: _m, lastError: _l, ...entry } = structuredClone(r);
      return entry;
    });
  }

  async finish(seqs: readonly number[], end: OutboxEnd, now: number): Promise<void> {
    for (const r of this.rows) {
      if (!seqs.includes(r.seq) || (r.state !== 'waiting' && r.state !== 'sending')) continue;
      r.state = end.state;
      r.endedAt = now;
      if (end.state === 'sent' && end.messageId !== undefined) r.messageId = end.messageId;
      if (end.state === 'failed' || end.state === 'expired') r.lastError = end.error;
    }
  }

  async retryLater(seq: number, opts: { notBefore: number; error: string; countsAsFailure: boolean }): Promise<void> {
    const row = this.rows.find((r) => r.seq === seq && (r.state === 'waiting' || r.state === 'sending'));
    if (!row) return;
    const newer = row.target !== undefined && this.rows.find((r) => r !== row && r.state === 'waiting' && sameTarget(r, row));
    if (newer) {
      row.state = 'merged';
      row.endedAt = opts.notBefore;
      row.lastError = opts.error;
      const head = this.open().find((r) => r.platform === row.platform && r.chatId === row.chatId);
      if (head) head.notBefore = Math.max(head.notBefore, opts.notBefore);
      return;
    }
    row.state = 'waiting';
    if (opts.countsAsFailure) row.attempts += 1;
    row.notBefore = opts.notBefore;
    row.lastError = opts.error;
  }

  async backlog(platform: string): Promise<number> {
    return this.open().filter((r) => r.platform === platform).length;
  }

  async prune(before: number): Promise<number> {
    const keep = this.rows.filter((r) => r.endedAt === undefined || r.endedAt >= before);
    const pruned = this.rows.length - keep.length;
    this.rows.splice(0, this.rows.length, ...keep);
    return pruned;
  }

  /** Rows in a given end state (tests). */
  ended(state: OutboxEnd['state']): Row[] {
    return this.rows.filter((r) => r.state === state);
  }

  private open(): Row[] {
    return this.rows.filter((r) => r.state === 'waiting' || r.state === 'sending').sort((a, b) => a.seq - b.seq);
  }
}

const laneKey = (platform: string, chatId: string) => `${platform}\u0000${chatId}`;

function sameTarget(a: Pick<OutboxEntry, 'platform' | 'chatId' | 'kind' | 'target'>, b: Pick<OutboxEntry, 'platform' | 'chatId' | 'kind' | 'target'>): boolean {
  return a.platform === b.platform && a.chatId === b.chatId && a.kind === b.kind && a.target !== undefined && a.target === b.target;
}
