import { describe, expect, it } from 'vitest';
import type { RateLimits, RateWindow, SendGate } from '../../src/adapters/notifier/delivery.rate-gate.js';

export interface GateUnderTest {
  gate: SendGate;
  /** The gate's clock (ms). */
  now(): number;
  /** Waits `ms` by the gate's clock (a call that takes time). */
  sleep(ms: number): Promise<void>;
  /**
   * The gate another replica with the same bot token builds: one sharing this one's windows and pauses.
   * The in-process gate answers itself (one process, one gate).
   */
  replica(): Promise<SendGate>;
}

/**
 * The rate gate contract, run on the in-process RateGate (unit, on fast timers) and on the SharedRateGate
 * against a real Redis (integration, with a key prefix of its own per gate). `make` returns a fresh gate
 * over `limits`.
 */
export function rateGateContract(make: (limits: RateLimits) => Promise<GateUnderTest>): void {
  describe('SendGate contract', () => {
    const perChat: RateLimits = { chatWindows: () => [{ limit: 1, windowMs: 1000 }], global: { limit: 30, windowMs: 1000 } };

    /** Takes a slot, notes when, holds it `holdMs` (by the gate's clock, no sleep needed when 0), releases. */
    const call = async (t: GateUnderTest, chat: string, log: { chat: string; start: number; end: number }[]) => {
      const release = await t.gate.acquire(chat);
      const start = t.now();
      release();
      log.push({ chat, start, end: t.now() });
    };

    it('spaces calls to one chat by its window, counted from the end of the previous call, while another chat goes at once', async () => {
      const t = await make(perChat);
      const log: { chat: string; start: number; end: number }[] = [];
      const t0 = t.now();
      await Promise.all([call(t, 'a', log), call(t, 'a', log), call(t, 'b', log)]);
      const a = log.filter((l) => l.chat === 'a');
      const b = log.find((l) => l.chat === 'b')!;
      expect(a).toHaveLength(2);
      expect(a[1]!.start - a[0]!.end).toBeGreaterThanOrEqual(1000 - 5);
      expect(b.start - t0).toBeLessThan(500);
    });

    it('keeps the bot-wide window across chats', async () => {
      const t = await make({ chatWindows: () => [], global: { limit: 2, windowMs: 1000 } });
      const log: { chat: string; start: number; end: number }[] = [];
      await Promise.all(['a', 'b', 'c'].map((chat) => call(t, chat, log)));
      const starts = log.map((l) => l.start).sort((x, y) => x - y);
      expect(starts[1]! - starts[0]!).toBeLessThan(500);
      expect(starts[2]! - starts[0]!).toBeGreaterThanOrEqual(1000 - 5);
    });

    it('holds a paused chat for the pause, not the others', async () => {
      const t = await make(perChat);
      const log: { chat: string; start: number; end: number }[] = [];
      const t0 = t.now();
      await t.gate.pause('a', 1500);
      await Promise.all([call(t, 'a', log), call(t, 'b', log)]);
      expect(log.find((l) => l.chat === 'a')!.start - t0).toBeGreaterThanOrEqual(1500 - 5);
      expect(log.find((l) => l.chat === 'b')!.start - t0).toBeLessThan(500);
    });

    it('holds every chat while the bot is paused', async () => {
      const t = await make(perChat);
      const log: { chat: string; start: number; end: number }[] = [];
      const t0 = t.now();
      await t.gate.pause(undefined, 1200);
      await Promise.all([call(t, 'a', log), call(t, 'b', log)]);
      for (const l of log) expect(l.start - t0).toBeGreaterThanOrEqual(1200 - 5);
    });

    /**
     * The platform counts calls over a sliding window, each somewhere between its start and its end. Ends
     * (the latest it can see them) sorted: any `limit + 1` consecutive ones must span at least the window.
     */
    const overLimit = (log: readonly { end: number }[], { limit, windowMs }: RateWindow): { from: number; to: number }[] => {
      const ends = log.map((l) => l.end).sort((x, y) => x - y);
      const crowded: { from: number; to: number }[] = [];
      for (let i = 0; i + limit < ends.length; i++) if (ends[i + limit]! - ends[i]! < windowMs) crowded.push({ from: ends[i]!, to: ends[i + limit]! });
      return crowded;
    };

    /**
     * Two replicas; a first call opens the window, and once most of the window has gone by both fire many
     * calls that take a while. A fixed window lets `limit - 1` of them through before its end and `limit`
     * more right after it: 2 × limit - 1 calls within a fraction of a window.
     */
    const acrossTheBoundary = async (t: GateUnderTest, window: RateWindow, chatOf: (i: number) => string) => {
      const replicas = [t.gate, await t.replica()];
      const log: { start: number; end: number }[] = [];
      const hold = async (gate: SendGate, chat: string) => {
        const release = await gate.acquire(chat);
        const start = t.now();
        await t.sleep(20);
        const end = t.now();
        release();
        log.push({ start, end });
      };
      await hold(replicas[0]!, chatOf(0));
      await t.sleep(window.windowMs * 0.7);
      await Promise.all(Array.from({ length: 3 * window.limit }, (_, i) => hold(replicas[i % 2]!, chatOf(i + 1))));
      return log;
    };

    it('keeps the bot-wide window sliding across replicas: calls over a window boundary never exceed it in any window', async () => {
      const window = { limit: 4, windowMs: 1000 };
      const t = await make({ chatWindows: () => [], global: window });
      const log = await acrossTheBoundary(t, window, (i) => `c${i}`);
      expect(log).toHaveLength(1 + 3 * window.limit);
      expect(overLimit(log, window)).toEqual([]);
    }, 20_000);

    it("keeps a chat's window sliding across replicas, as the bot's", async () => {
      const window = { limit: 3, windowMs: 1000 };
      const t = await make({ chatWindows: () => [window], global: { limit: 30, windowMs: 1000 } });
      const log = await acrossTheBoundary(t, window, () => 'group');
      expect(log).toHaveLength(1 + 3 * window.limit);
      expect(overLimit(log, window)).toEqual([]);
    }, 20_000);

    it('a release is idempotent: a second call does not free another slot', async () => {
      const t = await make(perChat);
      const release = await t.gate.acquire('a');
      const first = t.now();
      release();
      release();
      const again = await t.gate.acquire('a');
      again();
      expect(t.now() - first).toBeGreaterThanOrEqual(1000 - 5);
    });
  });
}
