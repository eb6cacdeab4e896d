import type { NewOutboxEntry, OutboxEnd, OutboxEntry, OutboxStore, PutOutcome } from '../../src/adapters/notifier/outbox.port.js';

type State = 'waiting' | 'sending' | OutboxEnd['state'];

interface Row extends OutboxEntry {
  state: State;
  endedAt?: number;
  messageId?: string;
  lastError?: string;
}

/**
 * OutboxStore in memory, for unit tests and benchmarks; passes the outbox contract
 * (test/contracts/outbox.contract.ts) like PrismaOutbox. Rows still to deliver are kept apart from ended
 * ones (in put order), so work grows with the backlog, not with everything ever sent.
 */
export class MemoryOutbox implements OutboxStore {
  /** Rows waiting or being sent, in seq order. */
  private live: Row[] = [];
  private endedRows: Row[] = [];
  private readonly keys = new Set<string>();
  private readonly lanes = new Map<string, { holder: string; leaseUntil: number }>();
  private nextSeq = 1;

  /** Every row, live and ended (tests). */
  get rows(): Row[] {
    return [...this.endedRows, ...this.live].sort((a, b) => a.seq - b.seq);
  }

  async put(entry: NewOutboxEntry): Promise<PutOutcome> {
    if (entry.key === '' || entry.chatId === '' || entry.platform === '') throw new Error('key, platform and chat id must not be empty');
    if (entry.target !== undefined && entry.kind !== 'send' && !this.keys.has(entry.key)) {
      const waiting = this.live.find((r) => r.state === 'waiting' && sameTarget(r, entry));
      if (waiting) {
        waiting.payload = structuredClone(entry.payload);
        waiting.expiresAt = Math.max(waiting.expiresAt, entry.expiresAt);
        delete waiting.parts;
        return 'coalesced';
      }
    }
    if (this.keys.has(entry.key)) return 'duplicate';
    this.keys.add(entry.key);
    this.live.push({ ...structuredClone(entry), seq: this.nextSeq++, attempts: 0, notBefore: 0, state: 'waiting' });
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

  async progress(seq: number, parts: readonly string[]): Promise<void> {
    const row = this.live.find((r) => r.seq === seq && r.state === 'sending');
    if (row) row.parts = [...parts];
  }

  async finish(seqs: readonly number[], end: OutboxEnd, now: number): Promise<void> {
    for (const r of this.live) {
      if (!seqs.includes(r.seq)) continue;
      r.state = end.state;
      r.endedAt = now;
      if (end.state === 'sent' && end.messageId !== undefined) r.messageId = end.messageId;
      if (end.state === 'failed' || end.state === 'expired') r.lastError = end.error;
    }
    this.settle();
  }

  async retryLater(seq: number, opts: { notBefore: number; error: string; countsAsFailure: boolean }): Promise<void> {
    const row = this.live.find((r) => r.seq === seq);
    if (!row) return;
    const newer = row.target !== undefined && this.live.find((r) => r !== row && r.state === 'waiting' && sameTarget(r, row));
    if (newer) {
      row.state = 'merged';
      row.endedAt = opts.notBefore;
      row.lastError = opts.error;
      this.settle();
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
    const gone = this.endedRows.filter((r) => (r.endedAt ?? 0) < before);
    this.endedRows = this.endedRows.filter((r) => (r.endedAt ?? 0) >= before);
    for (const r of gone) this.keys.delete(r.key);
    return gone.length;
  }

  /** Rows in a given end state (tests). */
  ended(state: OutboxEnd['state']): Row[] {
    return this.rows.filter((r) => r.state === state);
  }

  private open(): Row[] {
    return this.live;
  }

  /** Moves rows that ended out of the live list. */
  private settle(): void {
    const ended = this.live.filter((r) => r.state !== 'waiting' && r.state !== 'sending');
    if (ended.length === 0) return;
    this.endedRows.push(...ended);
    this.live = this.live.filter((r) => r.state === 'waiting' || r.state === 'sending');
  }
}

const laneKey = (platform: string, chatId: string) => `${platform}\u0000${chatId}`;

function sameTarget(a: Pick<OutboxEntry, 'platform' | 'chatId' | 'kind' | 'target'>, b: Pick<OutboxEntry, 'platform' | 'chatId' | 'kind' | 'target'>): boolean {
  return a.platform === b.platform && a.chatId === b.chatId && a.kind === b.kind && a.target !== undefined && a.target === b.target;
}
