import { beforeEach, describe, expect, it } from 'vitest';
import type { NewOutboxEntry, OutboxStore } from '../../src/adapters/notifier/outbox.port.js';

const T0 = 1_800_000_000_000;
const LEASE = { leaseMs: 10_000 };

let n = 0;
/** An outbox entry builder: a send to chat -1001 on telegram unless told otherwise. */
export function entry(over: Partial<NewOutboxEntry> = {}): NewOutboxEntry {
  n += 1;
  return {
    key: `k${n}-${Math.random().toString(36).slice(2, 8)}`,
    platform: 'telegram',
    chatId: '-1001',
    kind: 'send',
    payload: { reply: { tone: 'info', text: `message ${n}`, blocks: [] } },
    at: T0,
    expiresAt: T0 + 60_000,
    ...over,
  };
}

const texts = (rows: { payload: { reply: { text: string } } }[]) => rows.map((r) => r.payload.reply.text);

/**
 * The OutboxStore contract, run against the in-memory fake (unit) and PrismaOutbox (integration). `make`
 * returns an empty store.
 */
export function outboxContract(make: () => Promise<OutboxStore>): void {
  describe('OutboxStore contract', () => {
    let store: OutboxStore;
    beforeEach(async () => {
      store = await make();
    });

    it('keeps a chat’s rows in the order they were put, apart from other chats and platforms', async () => {
      await store.put(entry({ payload: { reply: { tone: 'info', text: 'a1', blocks: [] } } }));
      await store.put(entry({ chatId: '-1002', payload: { reply: { tone: 'info', text: 'b1', blocks: [] } } }));
      await store.put(entry({ payload: { reply: { tone: 'info', text: 'a2', blocks: [] } } }));
      await store.put(entry({ platform: 'slack', chatId: 'C1', payload: { reply: { tone: 'info', text: 's1', blocks: [] } } }));
      expect(texts(await store.waiting('telegram', '-1001', 10))).toEqual(['a1', 'a2']);
      expect(texts(await store.waiting('telegram', '-1002', 10))).toEqual(['b1']);
      expect(texts(await store.waiting('slack', 'C1', 10))).toEqual(['s1']);
      expect(await store.backlog('telegram')).toBe(3);
      const [a1, a2] = await store.waiting('telegram', '-1001', 10);
      expect(a1!.seq).toBeLessThan(a2!.seq);
      expect(a1).toMatchObject({ attempts: 0, notBefore: 0, kind: 'send', at: T0, expiresAt: T0 + 60_000 });
    });

    it('queues a key once, however often it is put', async () => {
      const e = entry();
      expect(await store.put(e)).toBe('queued');
      expect(await store.put({ ...e, payload: { reply: { tone: 'info', text: 'again', blocks: [] } } })).toBe('duplicate');
      expect(await store.waiting('telegram', '-1001', 10)).toHaveLength(1);
      const [row] = await store.waiting('telegram', '-1001', 10);
      await store.finish([row!.seq], { state: 'sent', messageId: '5' }, T0);
      expect(await store.put(e)).toBe('duplicate');
      expect(await store.backlog('telegram')).toBe(0);
    });

    it('coalesces a waiting edit of the same message and a waiting publish of the same key, in the first one’s place', async () => {
      await store.put(entry({ kind: 'edit', target: '77', payload: { reply: { tone: 'info', text: 'progress 1', blocks: [] } } }));
      await store.put(entry({ payload: { reply: { tone: 'info', text: 'between', blocks: [] } } }));
      expect(await store.put(entry({ kind: 'edit', target: '77', payload: { reply: { tone: 'info', text: 'progress 2', blocks: [] } } }))).toBe('coalesced');
      expect(await store.put(entry({ kind: 'edit', target: '78', payload: { reply: { tone: 'info', text: 'other message', blocks: [] } } }))).toBe('queued');
      await store.put(entry({ kind: 'publish', target: 'incident:1', payload: { reply: { tone: 'info', text: 'firing', blocks: [] } } }));
      expect(await store.put(entry({ kind: 'publish', target: 'incident:1', payload: { reply: { tone: 'info', text: 'resolved', blocks: [] } } }))).toBe('coalesced');
      expect(await store.put(entry({ chatId: '-1002', kind: 'publish', target: 'incident:1' }))).toBe('queued');
      expect(texts(await store.waiting('telegram', '-1001', 10))).toEqual(['progress 2', 'between', 'other message', 'resolved']);
    });

    it('hands out a row as it is when taken: a reply coalesced after it was read is the one to send', async () => {
      await store.put(entry({ kind: 'edit', target: '77', payload: { reply: { tone: 'info', text: 'step 3/4', blocks: [] } } }));
      const [read] = await store.waiting('telegram', '-1001', 10);
      await store.put(entry({ kind: 'edit', target: '77', payload: { reply: { tone: 'info', text: 'succeeded', blocks: [] } } }));
      const taken = await store.take([read!.seq]);
      expect(texts(taken)).toEqual(['succeeded']);
      await store.finish([read!.seq], { state: 'sent', messageId: '77' }, T0);
      expect(await store.take([read!.seq])).toEqual([]);
    });

    it('does not merge a redelivered put into a newer one: a key already queued stays a duplicate', async () => {
      const first = entry({ kind: 'edit', target: '77', payload: { reply: { tone: 'info', text: 'Confirmed', blocks: [] } } });
      expect(await store.put(first)).toBe('queued');
      await store.put(entry({ kind: 'edit', target: '77', payload: { reply: { tone: 'info', text: 'running', blocks: [] } } }));
      expect(await store.put({ ...first })).toBe('duplicate');
      expect(texts(await store.waiting('telegram', '-1001', 10))).toEqual(['running']);
    });

    it('offers the chats whose first row is oldest first', async () => {
      await store.put(entry({ chatId: '900' }));
      await store.put(entry({ chatId: '100' }));
      await store.put(entry({ chatId: '500' }));
      expect(await store.claimLanes('telegram', 'a', { now: T0, ...LEASE, limit: 2 })).toEqual(['900', '100']);
    });

    it('does not coalesce into a row being sent: the newer edit waits behind it', async () => {
      await store.put(entry({ kind: 'edit', target: '77', payload: { reply: { tone: 'info', text: 'progress 1', blocks: [] } } }));
      const [sending] = await store.waiting('telegram', '-1001', 10);
      await store.take([sending!.seq]);
      expect(await store.put(entry({ kind: 'edit', target: '77', payload: { reply: { tone: 'info', text: 'progress 2', blocks: [] } } }))).toBe('queued');
      expect(texts(await store.waiting('telegram', '-1001', 10))).toEqual(['progress 1', 'progress 2']);
      // The first try fails: a newer edit is waiting, so the failed one is merged into it rather than retried.
      await store.retryLater(sending!.seq, { notBefore: T0 + 3_000, error: '429', countsAsFailure: false });
      const rows = await store.waiting('telegram', '-1001', 10);
      expect(texts(rows)).toEqual(['progress 2']);
      expect(rows[0]!.notBefore).toBe(T0 + 3_000);
    });

    it('gives a chat’s lane to one holder at a time, and to another once the lease lapsed or was released', async () => {
      await store.put(entry());
      await store.put(entry({ chatId: '-1002' }));
      const a = await store.claimLanes('telegram', 'replica-a', { now: T0, ...LEASE, limit: 10 });
      expect(a.sort()).toEqual(['-1001', '-1002']);
      expect(await store.claimLanes('telegram', 'replica-b', { now: T0 + 1, ...LEASE, limit: 10 })).toEqual([]);
      // The holder may take its own lanes again (a restarted loop), unless it skips them.
      expect(await store.claimLanes('telegram', 'replica-a', { now: T0 + 2, ...LEASE, limit: 10, skip: ['-1001', '-1002'] })).toEqual([]);
      expect(await store.renewLane('telegram', '-1001', 'replica-a', { now: T0 + 5_000, ...LEASE })).toBe(true);
      expect(await store.renewLane('telegram', '-1001', 'replica-b', { now: T0 + 5_000, ...LEASE })).toBe(false);
      // -1002's lease lapses at T0 + 10 s; -1001's was renewed to T0 + 15 s.
      expect(await store.claimLanes('telegram', 'replica-b', { now: T0 + 10_001, ...LEASE, limit: 10 })).toEqual(['-1002']);
      expect(await store.renewLane('telegram', '-1002', 'replica-a', { now: T0 + 10_002, ...LEASE })).toBe(false);
      await store.releaseLane('telegram', '-1001', 'replica-b'); // not b's: nothing happens
      expect(await store.claimLanes('telegram', 'replica-c', { now: T0 + 10_003, ...LEASE, limit: 10 })).toEqual([]);
      await store.releaseLane('telegram', '-1001', 'replica-a');
      expect(await store.claimLanes('telegram', 'replica-c', { now: T0 + 10_004, ...LEASE, limit: 10 })).toEqual(['-1001']);
    });

    it('offers a chat only when its first row may go, and only chats with rows', async () => {
      await store.put(entry());
      const [row] = await store.waiting('telegram', '-1001', 10);
      await store.take([row!.seq]);
      await store.retryLater(row!.seq, { notBefore: T0 + 3_000, error: 'Bad Gateway', countsAsFailure: true });
      await store.put(entry()); // behind the row that waits: the chat waits with it
      expect(await store.claimLanes('telegram', 'a', { now: T0 + 2_999, ...LEASE, limit: 10 })).toEqual([]);
      expect(await store.claimLanes('telegram', 'a', { now: T0 + 3_000, ...LEASE, limit: 10 })).toEqual(['-1001']);
      const rows = await store.waiting('telegram', '-1001', 10);
      expect(rows[0]).toMatchObject({ seq: row!.seq, attempts: 1, notBefore: T0 + 3_000 });
      // A 429 is not a failure to back off from: it says when to come back.
      await store.retryLater(row!.seq, { notBefore: T0 + 6_000, error: 'Too Many Requests', countsAsFailure: false });
      expect((await store.waiting('telegram', '-1001', 1))[0]).toMatchObject({ attempts: 1, notBefore: T0 + 6_000 });
      expect(await store.claimLanes('slack', 'a', { now: T0 + 3_000, ...LEASE, limit: 10 })).toEqual([]);
    });

    it('limits how many lanes one claim takes', async () => {
      for (const chatId of ['1', '2', '3', '4']) await store.put(entry({ chatId }));
      const first = await store.claimLanes('telegram', 'a', { now: T0, ...LEASE, limit: 3 });
      expect(first).toHaveLength(3);
      const rest = await store.claimLanes('telegram', 'b', { now: T0, ...LEASE, limit: 3 });
      expect(rest).toHaveLength(1);
      expect(new Set([...first, ...rest]).size).toBe(4);
    });

    it('hands a lapsed holder’s rows being sent to the next holder, in their place', async () => {
      await store.put(entry({ payload: { reply: { tone: 'info', text: 'first', blocks: [] } } }));
      await store.put(entry({ payload: { reply: { tone: 'info', text: 'second', blocks: [] } } }));
      await store.claimLanes('telegram', 'killed', { now: T0, ...LEASE, limit: 10 });
      const [first] = await store.waiting('telegram', '-1001', 10);
      await store.take([first!.seq]);
      expect(await store.claimLanes('telegram', 'survivor', { now: T0 + 10_000, ...LEASE, limit: 10 })).toEqual(['-1001']);
      expect(texts(await store.waiting('telegram', '-1001', 10))).toEqual(['first', 'second']);
    });

    it('ends rows as sent, merged, failed or expired; ended rows leave the backlog and are pruned later', async () => {
      for (let i = 0; i < 4; i++) await store.put(entry());
      const seqs = (await store.waiting('telegram', '-1001', 10)).map((r) => r.seq);
      await store.finish([seqs[0]!], { state: 'sent', messageId: '10' }, T0 + 1);
      await store.finish([seqs[1]!], { state: 'merged' }, T0 + 2);
      await store.finish([seqs[2]!], { state: 'failed', error: 'Bad Request: chat not found' }, T0 + 3);
      await store.finish([seqs[3]!], { state: 'expired', error: 'expired' }, T0 + 10);
      // Finishing an ended row again changes nothing.
      await store.finish([seqs[0]!], { state: 'failed', error: 'late' }, T0 + 20);
      expect(await store.backlog('telegram')).toBe(0);
      expect(await store.waiting('telegram', '-1001', 10)).toEqual([]);
      expect(await store.prune(T0 + 5)).toBe(3);
      expect(await store.prune(T0 + 11)).toBe(1);
      expect(await store.prune(T0 + 11)).toBe(0);
    });

    it('keeps a reply’s payload whole: buttons, attach and standalone', async () => {
      const payload = {
        reply: { tone: 'warning' as const, text: 'Deploy web?', blocks: [{ type: 'buttons' as const, buttons: [{ label: 'Confirm', actionId: 'confirm', pendingId: 'p1' }] }] },
        attach: ['p1'],
        standalone: true,
      };
      await store.put(entry({ payload }));
      const [row] = await store.waiting('telegram', '-1001', 1);
      expect(row!.payload).toEqual(payload);
    });

    it('keeps a reply’s address (where in the chat it goes) whole, and a coalesced edit takes the newer one', async () => {
      const address = { threadTs: '1700000000.000100', responseUrl: 'https://hooks.slack.com/actions/T1/1/abc', only: 'U1', replaceOriginal: false };
      const payload = { reply: { tone: 'info' as const, text: 'Done', blocks: [] }, address, standalone: true };
      await store.put(entry({ platform: 'slack', chatId: 'C1', payload }));
      const [row] = await store.take((await store.waiting('slack', 'C1', 1)).map((r) => r.seq));
      expect(row!.payload).toEqual(payload);

      const edit = (text: string, addr?: typeof address) =>
        entry({ platform: 'slack', chatId: 'C2', kind: 'edit', target: '1700000000.000200', payload: { reply: { tone: 'info', text, blocks: [] }, ...(addr ? { address: addr } : {}) } });
      await store.put(edit('first', address));
      await store.put(edit('second'));
      const [edited] = await store.waiting('slack', 'C2', 5);
      expect(edited!.payload).toEqual({ reply: { tone: 'info', text: 'second', blocks: [] } });
    });

    it('keeps a reply’s chart as its spec (drawn at send time), gaps included', async () => {
      const chart = { kind: 'bar' as const, title: 'Deploys per week, shop', labels: ['11-16', '11-23'], series: [{ name: 'succeeded', values: [3, null] }], unit: 'deploys' };
      const payload = { reply: { tone: 'info' as const, text: 'DORA', blocks: [], chart }, standalone: true };
      await store.put(entry({ payload }));
      const [row] = await store.take((await store.waiting('telegram', '-1001', 1)).map((r) => r.seq));
      expect(row!.payload).toEqual(payload);
    });

    it('keeps the parts of a row being sent that are out, until it ends, and forgets them when a newer reply is coalesced in', async () => {
      await store.put(entry({ kind: 'edit', target: '7', key: 'e1' }));
      const [row] = await store.waiting('telegram', '-1001', 1);
      await store.progress(row!.seq, ['7']);
      expect((await store.waiting('telegram', '-1001', 1))[0]!.parts ?? []).toEqual([]); // not being sent: nothing recorded
      await store.take([row!.seq]);
      await store.progress(row!.seq, ['7']);
      await store.progress(row!.seq, ['7', '8']);
      expect((await store.take([row!.seq]))[0]!.parts).toEqual(['7', '8']);
      // A retry puts it back to waiting with its parts; a newer edit coalesced into it renders anew.
      await store.retryLater(row!.seq, { notBefore: 0, error: '429', countsAsFailure: false });
      expect((await store.waiting('telegram', '-1001', 1))[0]!.parts).toEqual(['7', '8']);
      expect(await store.put(entry({ kind: 'edit', target: '7', key: 'e2' }))).toBe('coalesced');
      expect((await store.waiting('telegram', '-1001', 1))[0]!.parts ?? []).toEqual([]);
      await store.take([row!.seq]);
      await store.progress(row!.seq, ['7', '9']);
      await store.finish([row!.seq], { state: 'sent', messageId: '7' }, T0);
      await store.progress(row!.seq, ['7', '9', '10']);
      expect(await store.backlog('telegram')).toBe(0);
    });
  });
}
