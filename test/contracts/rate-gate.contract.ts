import { describe, expect, it } from 'vitest';
import type { RateLimits, SendGate } from '../../src/adapters/notifier/delivery.rate-gate.js';

export interface GateUnderTest {
  gate: SendGate;
  /** The gate's clock (ms). */
  now(): number;
}

/**
 * The rate gate contract, run on the in-process RateGate (unit, on fast timers) and on the SharedRateGate
 * against a real Redis (integration, with a key prefix of its own per gate). `make` returns a fresh gate
 * over `limits`; windows are whole seconds, as the shared gate needs.
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
