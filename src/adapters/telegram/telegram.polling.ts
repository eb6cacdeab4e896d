import { createConcurrentSink, createRunner, createSource, type UpdateSupplier } from '@grammyjs/runner';
import { type Bot, GrammyError, HttpError } from 'grammy';
import type { Logger } from '../../core/ports/logger.port.js';

/** Where long polling stands; readiness fails unless it is `polling`. */
export type PollingState =
  | { state: 'starting' }
  | { state: 'polling' }
  | { state: 'retrying'; error: string }
  | { state: 'stopped'; error?: string }
  /** Another replica holds the polling lease; this one is ready to take over. */
  | { state: 'standby' };

export interface PollerOptions {
  bot: Bot;
  logger: Logger;
  allowedUpdates: readonly string[];
  /** Long-poll timeout of getUpdates once polling works; default 30 s. */
  timeoutSeconds: number;
  /** Waits between failed getUpdates calls: from `initialMs`, doubling, capped at `maxMs`, with jitter. */
  backoff: { initialMs: number; maxMs: number };
  /** Every fetched update, unchecked; ordering per chat is the bot middleware's job (sequentialize). */
  consume: (update: unknown) => Promise<void>;
  onState: (state: PollingState) => void;
  /** [0, 1); tests pin the jitter. */
  random?: () => number;
  /**
   * The fencing check, asked before each fetched batch is handled: false when this replica no longer holds
   * the polling lease. The batch is then dropped unhandled (the new holder fetches it) and polling ends.
   */
  fence?: () => Promise<boolean>;
  /** Polling ended because the fence said so. */
  onFenced?: () => void;
}

export interface Poller {
  start(): void;
  /** Ends polling, waits for the updates being handled, and confirms the offset so nothing is fetched twice. */
  stop(): Promise<void>;
  /** Ends polling without confirming the offset: the lease is someone else's, whose getUpdates it would break. */
  abandon(): Promise<void>;
}

/** A bad token: retrying cannot help. */
class TokenRejectedError extends Error {}

/** The polling lease is lost: the fetched batch is not ours to handle. */
class FencedError extends Error {}

/**
 * Long polling on grammY's runner, with our own update supplier as the supervisor: 409 (another process still
 * polls), 429, 5xx and network errors are retried with backoff and logged at warn; only 401 stops polling.
 * The runner's own fetcher would stop for good on the first 409.
 */
export function createPoller(opts: PollerOptions): Poller {
  const random = opts.random ?? Math.random;
  const { logger } = opts;
  let offset = 0;
  // After start and after any failure, one getUpdates with timeout 0 proves at once that polling works.
  let probe = true;
  let delayMs = opts.backoff.initialMs;
  let failing = false;
  let fatal = false;
  let fenced = false;
  const inFlight = new Set<Promise<void>>();

  const supplier: UpdateSupplier<unknown> = {
    supply: async (batchSize, signal) => {
      for (;;) {
        try {
          const limit = Math.max(1, Math.min(batchSize, 100));
          const args = { offset, limit, timeout: probe ? 0 : opts.timeoutSeconds, allowed_updates: [...opts.allowedUpdates] };
          const updates: unknown[] = await opts.bot.api.getUpdates(args as Parameters<Bot['api']['getUpdates']>[0], signal);
          if (opts.fence && !(await fenceHolds(opts.fence))) {
            fenced = true;
            logger.warn({ dropped: updates.length }, 'telegram polling lease lost; stopping polling without handling the fetched updates');
            opts.onFenced?.();
            throw new FencedError('polling lease lost');
          }
          if (failing) logger.info({}, 'telegram polling resumed');
          failing = false;
          probe = false;
          delayMs = opts.backoff.initialMs;
          opts.onState({ state: 'polling' });
          offset = nextOffset(updates, offset);
          return updates;
        } catch (err) {
          if (signal.aborted || err instanceof FencedError) throw err;
          const failure = describe(err);
          if (failure.errorCode === 401) {
            fatal = true;
            opts.onState({ state: 'stopped', error: `${failure.errorCode} ${failure.description}` });
            logger.error(failure, 'telegram refused the bot token; long polling stopped (check TELEGRAM_BOT_TOKEN)');
            throw new TokenRejectedError(failure.description);
          }
          const waitMs = Math.max(jitter(delayMs, random), (failure.retryAfter ?? 0) * 1000);
          failing = true;
          probe = true;
          opts.onState({ state: 'retrying', error: failure.errorCode ? `${failure.errorCode} ${failure.description}` : failure.description });
          logger.warn({ ...failure, retryInMs: waitMs }, 'telegram getUpdates failed; retrying');
          await sleep(waitMs, signal);
          delayMs = Math.min(delayMs * 2, opts.backoff.maxMs);
        }
      }
    },
  };

  const sink = createConcurrentSink<unknown>(
    {
      consume: (update) => {
        const task = opts.consume(update).finally(() => inFlight.delete(task));
        inFlight.add(task);
        return task;
      },
    },
    async (err) => logger.error({ err }, 'telegram update failed'),
  );
  const runner = createRunner(createSource(supplier), sink);

  return {
    start() {
      opts.onState({ state: 'starting' });
      runner.start();
      runner.task()?.catch((err: unknown) => {
        if (err instanceof TokenRejectedError || err instanceof FencedError) return;
        opts.onState({ state: 'stopped', error: err instanceof Error ? err.message : String(err) });
        logger.error({ err }, 'telegram long polling stopped');
      });
    },
    async abandon() {
      fenced = true;
      await runner.stop()?.catch(() => undefined);
      await Promise.allSettled([...inFlight]);
    },
    async stop() {
      await runner.stop()?.catch(() => undefined);
      await Promise.allSettled([...inFlight]);
      if (!fatal && !fenced) opts.onState({ state: 'stopped' });
      if (fatal || fenced || offset === 0) return;
      // Tells Telegram the fetched updates are taken, as grammY's own bot.stop() does.
      await opts.bot.api.getUpdates({ offset, limit: 1, timeout: 0 }).catch((err: unknown) => logger.warn(describe(err), 'could not confirm the telegram update offset'));
    },
  };
}

/** A fence that cannot be asked (Redis away) does not hold: the batch waits for a holder that can prove it. */
async function fenceHolds(fence: () => Promise<boolean>): Promise<boolean> {
  try {
    return await fence();
  } catch {
    return false;
  }
}

function nextOffset(updates: unknown[], current: number): number {
  let next = current;
  for (const u of updates) {
    const id = (u as { update_id?: unknown } | null)?.update_id;
    if (typeof id === 'number' && id + 1 > next) next = id + 1;
  }
  return next;
}

/** The platform's code and text (no stack): what an operator needs to tell a conflict from an outage. */
function describe(err: unknown): { errorCode?: number; description: string; retryAfter?: number } {
  if (err instanceof GrammyError) return { errorCode: err.error_code, description: err.description, retryAfter: err.parameters.retry_after };
  if (err instanceof HttpError) {
    const cause = err.error instanceof Error ? err.error.message : String(err.error);
    return { description: `network error: ${cause}` };
  }
  return { description: err instanceof Error ? err.message : String(err) };
}

/** Between half and all of `ms`, so replicas do not retry in step. */
function jitter(ms: number, random: () => number): number {
  return Math.round(ms / 2 + (random() * ms) / 2);
}

function sleep(ms: number, signal: Parameters<UpdateSupplier<unknown>['supply']>[1]): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
