/**
 * The retrying delivery path for replies (answers to commands and clicks), one lane per chat.
 *
 * A reply is sent inline: the handler waits for it for a short while (`inlineWaitMs`), so when the platform
 * answers, nothing differs from a plain send (texts, placement, errors thrown to the handler). A call that
 * fails with a 429 waits its `retry_after`, a 5xx or network failure backs off (the delivery queue's
 * classification and backoff), and the call is retried with no attempt cap until the reply's expiry
 * (`ttlMs`, 15 min), after which the reply is logged as given up. Past `inlineWaitMs` the handler returns
 * and the reply goes on in the lane in the background. Replies of one chat run one after the other, so a
 * later reply never overtakes one still being retried. Only the failed call is repeated, never the calls of
 * the reply that already went through (a message of a split reply is not posted twice).
 *
 * The platform's client looks up the reply it is sending for with `currentReplyJob()` (the lane runs the
 * reply in an async context of its own) and sends each call through `ReplyJob.call`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { z } from 'zod';
import type { Logger } from '../../core/ports/logger.port.js';
import { backoffMs, classifyFailure, failureSummary } from './delivery.errors.js';
import { systemTimers, type DeliveryTimers } from './delivery.timers.js';

/** What a reply expired for: thrown by `ReplyJob.call` when the next try would come after the deadline. */
export class ReplyGivenUp extends Error {
  override readonly name = 'ReplyGivenUp';
  constructor(
    readonly what: string,
    readonly last: unknown,
  ) {
    super(`${what}: gave up retrying before the reply expired (${failureSummary(last).message})`);
  }
}

export interface ReplyJob {
  readonly chatId: string;
  /** When the reply was handed to the lane (the lane's clock, ms). */
  readonly submittedAt: number;
  /** After this (the lane's clock, ms) the reply is given up. */
  readonly expiresAt: number;
  /**
   * Runs one platform call, retrying 429 (after `retry_after`) and 5xx/network failures (backoff) until
   * `deadline` (default: the reply's expiry). A permanent failure is thrown at once.
   */
  call<T>(what: string, attempt: () => Promise<T>, deadline?: number): Promise<T>;
}

export interface ReplyLanesOptions {
  platform: string;
  logger: Logger;
  timers?: DeliveryTimers;
  /** How long a handler waits for its reply before leaving it to the lane (default 3 s). */
  inlineWaitMs?: number;
  /** A reply's expiry, from when it is handed to the lane (default 15 min). */
  ttlMs?: number;
  /** Backoff after 5xx and network errors: base doubles per consecutive failure up to max (ms). */
  backoff?: { baseMs: number; maxMs: number };
}

const optionsSchema = z.object({
  inlineWaitMs: z.number().min(0).default(3_000),
  ttlMs: z.number().min(1).default(15 * 60_000),
  backoff: z.object({ baseMs: z.number().min(1), maxMs: z.number().min(1) }).default({ baseMs: 500, maxMs: 30_000 }),
});

const current = new AsyncLocalStorage<ReplyJob>();

/** The reply being sent in this async context, if the call is made inside a lane. */
export function currentReplyJob(): ReplyJob | undefined {
  return current.getStore();
}

export class ReplyLanes {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly timers: DeliveryTimers;
  private readonly logger: Logger;
  private readonly settings: z.infer<typeof optionsSchema>;
  private idleWaiters: (() => void)[] = [];

  constructor(opts: ReplyLanesOptions) {
    this.settings = optionsSchema.parse({ inlineWaitMs: opts.inlineWaitMs, ttlMs: opts.ttlMs, backoff: opts.backoff });
    this.timers = opts.timers ?? systemTimers;
    this.logger = opts.logger.child({ component: 'reply-delivery', platform: opts.platform });
  }

  now(): number {
    return this.timers.now();
  }

  /**
   * Sends a reply to `chatId` after the chat's earlier replies. Resolves when it is sent, or after
   * `inlineWaitMs` while it is still waiting (then it goes on in the background, and its end is logged);
   * rejects with its failure when it fails before that.
   */
  run(chatId: string, send: () => Promise<void>): Promise<void> {
    const submittedAt = this.timers.now();
    const job = this.job(chatId, submittedAt, submittedAt + this.settings.ttlMs);
    const before = this.tails.get(chatId) ?? Promise.resolve();
    const done = before.then(() => current.run(job, send));
    const tail = done.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(chatId, tail);
    void tail.then(() => {
      if (this.tails.get(chatId) === tail) this.tails.delete(chatId);
      if (this.tails.size === 0) this.notifyIdle();
    });
    let detached = false;
    done.then(
      () => detached && this.logger.info({ chatId, waitedMs: Math.round(this.timers.now() - submittedAt) }, 'reply delivered after retrying'),
      (err: unknown) => detached && this.logger.error({ err: failureSummary(err instanceof ReplyGivenUp ? err.last : err), chatId }, givenUpLine(err)),
    );
    return Promise.race([
      done,
      this.timers.sleep(this.settings.inlineWaitMs).then(() => {
        detached = true;
      }),
    ]);
  }

  /** Resolves when no chat has a reply waiting or in flight. */
  idle(): Promise<void> {
    if (this.tails.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private job(chatId: string, submittedAt: number, expiresAt: number): ReplyJob {
    const { baseMs, maxMs } = this.settings.backoff;
    let failures = 0;
    return {
      chatId,
      submittedAt,
      expiresAt,
      call: async <T>(what: string, attempt: () => Promise<T>, deadline = expiresAt): Promise<T> => {
        // A reply that waited behind others past its expiry (or a click's answer past its window) is not sent late.
        if (this.timers.now() > deadline) throw new ReplyGivenUp(what, new Error('expired while waiting for the chat'));
        for (;;) {
          try {
            const result = await attempt();
            failures = 0;
            return result;
          } catch (err) {
            const failure = classifyFailure(err);
            if (failure.kind === 'permanent') throw err;
            failures += 1;
            const delay = failure.kind === 'rate-limited' ? failure.retryAfterMs : backoffMs(failures, baseMs, maxMs);
            if (this.timers.now() + delay > deadline) throw new ReplyGivenUp(what, err);
            this.logger.warn({ err: failureSummary(err), chatId, call: what, kind: failure.kind, retryInMs: Math.round(delay) }, 'reply will be retried');
            await this.timers.sleep(delay);
          }
        }
      },
    };
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function givenUpLine(err: unknown): string {
  return err instanceof ReplyGivenUp ? 'reply given up: it could not be sent before it expired' : 'reply failed permanently; dropped';
}
