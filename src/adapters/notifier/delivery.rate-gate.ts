import type { DeliveryTimers } from './delivery.timers.js';

/** At most `limit` calls in any `windowMs`. */
export interface RateWindow {
  limit: number;
  windowMs: number;
}

/** While every slot is taken by calls still in flight, how often to look again. */
export const IN_FLIGHT_POLL_MS = 5;

/**
 * A sliding-window counter. A call holds a slot from its start and is stamped with its completion time, so
 * the platform, which sees each request somewhere between the two, never counts more than `limit` in a window.
 */
export class WindowLimiter {
  private readonly done: number[] = [];
  private inFlight = 0;

  constructor(private readonly window: RateWindow) {}

  /** Milliseconds until a slot is free (0: now). */
  waitMs(now: number): number {
    const { limit, windowMs } = this.window;
    while (this.done.length > 0 && (this.done[0] ?? 0) <= now - windowMs) this.done.shift();
    const excess = this.done.length + this.inFlight - limit + 1;
    if (excess <= 0) return 0;
    if (excess > this.done.length) return IN_FLIGHT_POLL_MS;
    return (this.done[excess - 1] ?? now) + windowMs - now;
  }

  take(): void {
    this.inFlight += 1;
  }

  release(at: number): void {
    this.inFlight -= 1;
    const i = this.done.findIndex((t) => t > at);
    this.done.splice(i === -1 ? this.done.length : i, 0, at);
  }
}

/** A platform's limits: windows for each chat (depending on the chat) and one or more for the whole bot. */
export interface RateLimits {
  chatWindows(chatId: string): RateWindow[];
  global: RateWindow | readonly RateWindow[];
}

/**
 * What the platform clients ask before each call to a chat: the in-process RateGate below, or the gate shared
 * by the replicas through Redis (redis/shared-rate-gate.ts). Both keep the same contract
 * (test/contracts/rate-gate.contract.ts).
 */
export interface SendGate {
  /** Resolves when a call to the chat may start; call the returned release when it ended (idempotent). */
  acquire(chatId: string): Promise<() => void>;
  /**
   * Holds every call to the chat (without one: every call of the bot) for `ms`, the platform's `retry_after`;
   * a call waiting in `acquire` that has not got its slots yet waits for it too.
   */
  pause(chatId: string | undefined, ms: number): Promise<void>;
}

/**
 * Paces calls per chat and overall, in this process. `acquire` resolves when a call may start; call the returned release when
 * it ends. Chats whose own windows allow a call queue for the overall window in arrival order, so under the
 * overall limit every busy chat gets its turn (no chat drains early while others starve).
 */
export class RateGate implements SendGate {
  private readonly chats = new Map<string, WindowLimiter[]>();
  private readonly pausedUntil = new Map<string, number>();
  private botPausedUntil = 0;
  private readonly global: WindowLimiter[];
  private readonly line: symbol[] = [];
  private lineMoved: (() => void)[] = [];

  constructor(
    private readonly limits: RateLimits,
    private readonly timers: DeliveryTimers,
  ) {
    this.global = [limits.global].flat().map((w) => new WindowLimiter(w));
  }

  async acquire(chatId: string): Promise<() => void> {
    const own = this.limitersOf(chatId);
    do {
      for (let wait = this.pauseMs(chatId); wait > 0; wait = this.pauseMs(chatId)) await this.timers.sleep(wait);
    } while (!(await this.turn(own, chatId)));
    const limiters = [...own, ...this.global];
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const at = this.timers.now();
      for (const l of limiters) l.release(at);
    };
  }

  async pause(chatId: string | undefined, ms: number): Promise<void> {
    const until = this.timers.now() + Math.max(0, ms);
    if (chatId === undefined) this.botPausedUntil = Math.max(this.botPausedUntil, until);
    else this.pausedUntil.set(chatId, Math.max(this.pausedUntil.get(chatId) ?? 0, until));
  }

  private pauseMs(chatId: string): number {
    const now = this.timers.now();
    const until = Math.max(this.botPausedUntil, this.pausedUntil.get(chatId) ?? 0);
    if (until <= now) this.pausedUntil.delete(chatId);
    return Math.max(0, until - now);
  }

  /**
   * Waits for the chat's own windows, then for its turn in line, then for the overall window, and takes the
   * slots. False when the chat's windows were taken meanwhile (by a concurrent call to the same chat): the
   * caller waits again, out of line.
   */
  private async turn(own: readonly WindowLimiter[], chatId: string): Promise<boolean> {
    await this.waitUntilFree(own);
    const ticket = Symbol(chatId);
    this.line.push(ticket);
    try {
      while (this.line[0] !== ticket) await new Promise<void>((resolve) => this.lineMoved.push(resolve));
      if (own.some((l) => l.waitMs(this.timers.now()) > 0)) return false;
      const all = [...own, ...this.global];
      for (let wait = this.waitMs(all); wait > 0; wait = this.waitMs(all)) await this.timers.sleep(wait);
      // Taken at the head of the line, with no await between the last check and the take.
      for (const l of all) l.take();
      return true;
    } finally {
      this.leaveLine(ticket);
    }
  }

  private async waitUntilFree(limiters: readonly WindowLimiter[]): Promise<void> {
    for (let wait = this.waitMs(limiters); wait > 0; wait = this.waitMs(limiters)) await this.timers.sleep(wait);
  }

  private waitMs(limiters: readonly WindowLimiter[]): number {
    const now = this.timers.now();
    return Math.max(0, ...limiters.map((l) => l.waitMs(now)));
  }

  private leaveLine(ticket: symbol): void {
    const i = this.line.indexOf(ticket);
    if (i !== -1) this.line.splice(i, 1);
    const waiters = this.lineMoved;
    this.lineMoved = [];
    for (const resolve of waiters) resolve();
  }

  private limitersOf(chatId: string): WindowLimiter[] {
    let limiters = this.chats.get(chatId);
    if (!limiters) {
      limiters = this.limits.chatWindows(chatId).map((w) => new WindowLimiter(w));
      this.chats.set(chatId, limiters);
    }
    return limiters;
  }
}
