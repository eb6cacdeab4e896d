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
 * (test/contracts/outbox.contract.ts) like PrismaOutbox. Rows still to deliver are kept per platform and chat
 * in seq order, apart from ended ones, so an operation costs the rows of one chat (a claim: the chats), not
 * the backlog: bench/delivery.bench.ts holds 24,000 rows at once. Open rows are only reachable through `open`
 * (`chatOf` holds keys, not rows): MemoryUnitOfWork restores each collection field from its own copy, and
 * a row shared by two of them would come back as two rows.
 */
export class MemoryOutbox implements OutboxStore {
  /** Rows waiting or being sent: platform → chat id → rows in seq order (a chat without any is removed). */
  private readonly open = new Map<string, Map<string, Row[]>>();
  /** The chat of each open row: seq → [platform, chat id]. */
  private readonly chatOf = new Map<number, readonly [string, string]>();
  private endedRows: Row[] = [];
  private readonly keys = new Set<string>();
  private readonly lanes = new Map<string, { holder: string; leaseUntil: number }>();
  private nextSeq = 1;

  /** Every row, live and ended (tests). */
  get rows(): Row[] {
    const open = [...this.open.values()].flatMap((chats) => [...chats.values()].flat());
    return [...this.endedRows, ...open].sort((a, b) => a.seq - b.seq);
  }

  async put(entry: NewOutboxEntry): Promise<PutOutcome> {
    if (entry.key === '' || entry.chatId === '' || entry.platform === '') throw new Error('key, platform and chat id must not be empty');
    const chat = this.chat(entry.platform, entry.chatId);
    if (entry.target !== undefined && entry.kind !== 'send' && !this.keys.has(entry.key)) {
      const waiting = chat.find((r) => r.state === 'waiting' && sameTarget(r, entry));
      if (waiting) {
        waiting.payload = structuredClone(entry.payload);
        waiting.expiresAt = Math.max(waiting.expiresAt, entry.expiresAt);
        delete waiting.parts;
        return 'coalesced';
      }
    }
    if (this.keys.has(entry.key)) return 'duplicate';
    this.keys.add(entry.key);
    const row: Row = { ...structuredClone(entry), seq: this.nextSeq++, attempts: 0, notBefore: 0, state: 'waiting' };
    if (chat.length === 0) {
      const chats = this.open.get(entry.platform) ?? new Map<string, Row[]>();
      this.open.set(entry.platform, chats.set(entry.chatId, chat));
    }
    chat.push(row);
    this.chatOf.set(row.seq, [entry.platform, entry.chatId]);
    return 'queued';
  }

  async claimLanes(platform: string, holder: string, opts: { now: number; leaseMs: number; limit: number; skip?: readonly string[] }): Promise<string[]> {
    const heads = [...this.chats(platform)].map(([chatId, rows]) => [chatId, rows[0]!] as const).sort((a, b) => a[1].seq - b[1].seq);
    const taken: string[] = [];
    for (const [chatId, head] of heads) {
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
    return this.chat(platform, chatId).slice(0, limit).map(toEntry);
  }

  async take(seqs: readonly number[]): Promise<OutboxEntry[]> {
    const taken = this.find(seqs);
    for (const r of taken) r.state = 'sending';
    return taken.map(toEntry);
  }

  async progress(seq: number, parts: readonly string[]): Promise<void> {
    const [row] = this.find([seq]);
    if (row?.state === 'sending') row.parts = [...parts];
  }

  async finish(seqs: readonly number[], end: OutboxEnd, now: number): Promise<void> {
    for (const r of this.find(seqs)) {
      r.endedAt = now;
      if (end.state === 'sent' && end.messageId !== undefined) r.messageId = end.messageId;
      if (end.state === 'failed' || end.state === 'expired') r.lastError = end.error;
      this.end(r, end.state);
    }
  }

  async retryLater(seq: number, opts: { notBefore: number; error: string; countsAsFailure: boolean }): Promise<void> {
    const [row] = this.find([seq]);
    if (!row) return;
    const chat = this.chat(row.platform, row.chatId);
    const newer = row.target !== undefined && chat.find((r) => r !== row && r.state === 'waiting' && sameTarget(r, row));
    if (newer) {
      row.endedAt = opts.notBefore;
      row.lastError = opts.error;
      this.end(row, 'merged');
      const head = chat[0];
      if (head) head.notBefore = Math.max(head.notBefore, opts.notBefore);
      return;
    }
    row.state = 'waiting';
    if (opts.countsAsFailure) row.attempts += 1;
    row.notBefore = opts.notBefore;
    row.lastError = opts.error;
  }

  async backlog(platform: string): Promise<number> {
    let n = 0;
    for (const rows of this.chats(platform).values()) n += rows.length;
    return n;
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

  /** The platform's chats with open rows. */
  private chats(platform: string): ReadonlyMap<string, Row[]> {
    return this.open.get(platform) ?? new Map();
  }

  /** The chat's open rows in seq order (a new, unstored list when it has none: `put` stores it). */
  private chat(platform: string, chatId: string): Row[] {
    return this.open.get(platform)?.get(chatId) ?? [];
  }

  /** The open rows among `seqs`, in seq order (each once). */
  private find(seqs: readonly number[]): Row[] {
    const found: Row[] = [];
    for (const seq of new Set(seqs)) {
      const chat = this.chatOf.get(seq);
      const row = chat && this.chat(...chat).find((r) => r.seq === seq);
      if (row) found.push(row);
    }
    return found.sort((a, b) => a.seq - b.seq);
  }

  /** Moves a row out of its chat's open rows into the ended ones. */
  private end(row: Row, state: OutboxEnd['state']): void {
    row.state = state;
    const chats = this.open.get(row.platform)!;
    const rows = chats.get(row.chatId)!;
    rows.splice(rows.indexOf(row), 1);
    if (rows.length === 0) chats.delete(row.chatId);
    if (chats.size === 0) this.open.delete(row.platform);
    this.chatOf.delete(row.seq);
    this.endedRows.push(row);
  }
}

function toEntry(r: Row): OutboxEntry {
  const { state: _s, endedAt: _e, messageId: _m, lastError: _l, ...entry } = structuredClone(r);
  return entry;
}

const laneKey = (platform: string, chatId: string) => `${platform}\u0000${chatId}`;

function sameTarget(a: Pick<OutboxEntry, 'platform' | 'chatId' | 'kind' | 'target'>, b: Pick<OutboxEntry, 'platform' | 'chatId' | 'kind' | 'target'>): boolean {
  return a.platform === b.platform && a.chatId === b.chatId && a.kind === b.kind && a.target !== undefined && a.target === b.target;
}
