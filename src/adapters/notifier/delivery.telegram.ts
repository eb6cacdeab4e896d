import { AsyncLocalStorage } from 'node:async_hooks';
import { Api, type Transformer } from 'grammy';
import type { Reply } from '../../core/messages/reply.js';
import type { Logger } from '../../core/ports/logger.port.js';
import { TelegramNotifier } from '../telegram/telegram.notifier.js';
import { type RenderOptions, renderTelegram } from '../telegram/telegram.renderer.js';
import { classifyFailure } from './delivery.errors.js';
import { RateGate, type RateLimits } from './delivery.rate-gate.js';
import { DeliveryQueue, type DeliveryTarget } from './delivery.queue.js';
import { systemTimers, type DeliveryTimers } from './delivery.timers.js';

/** Telegram's limits for bots: 1 message/s in a chat, 20/min in a group, about 30/s overall. */
export const TELEGRAM_LIMITS: RateLimits = {
  chatWindows: (chatId) =>
    chatId.startsWith('-')
      ? [{ limit: 1, windowMs: 1000 }, { limit: 20, windowMs: 60_000 }]
      : [{ limit: 1, windowMs: 1000 }],
  global: { limit: 30, windowMs: 1000 },
};

/** True when the reply renders as exactly one Telegram message (≤ 4096 characters, no overflow file). */
export function telegramFits(render?: RenderOptions): (reply: Reply) => boolean {
  return (reply) => {
    const messages = renderTelegram(reply, render);
    return messages.length === 1 && messages[0]?.document === undefined;
  };
}

interface Attempt {
  /** The first retryable failure (429, 5xx, network). */
  failure?: Error;
  /** The first other failure (403 kicked, 400 chat not found...); TelegramNotifier.edit swallows some on purpose. */
  refusal?: Error;
}
const attempts = new AsyncLocalStorage<Attempt>();

/**
 * A grammY transformer for the delivery Api: every call to a chat waits for the chat's slot in the rate
 * gate, and a failure is noted for the push being delivered, because TelegramNotifier.announce logs
 * failures instead of throwing them.
 */
export function deliveryTransformer(gate: RateGate): Transformer {
  return async (prev, method, payload, signal) => {
    const chat = (payload as { chat_id?: unknown } | undefined)?.chat_id;
    const release = chat === undefined ? undefined : await gate.acquire(String(chat));
    try {
      const result = await prev(method, payload, signal);
      if (!result.ok) {
        note(Object.assign(new Error(`${method}: ${result.description}`), { error_code: result.error_code, parameters: result.parameters }));
      }
      return result;
    } catch (err) {
      note(err instanceof Error ? err : new Error(String(err)));
      throw err;
    } finally {
      release?.();
    }
  };
}

function note(error: Error): void {
  const attempt = attempts.getStore();
  if (!attempt) return;
  if (classifyFailure(error).kind !== 'permanent') attempt.failure ??= error;
  else attempt.refusal ??= error;
}

/**
 * Runs one delivery and throws the first retryable failure any of its calls met, thrown or not; with
 * `refusals`, also the first permanent one (an announcement: TelegramNotifier.announce only logs them).
 * Edits leave refusals out: TelegramNotifier.edit ignores "not modified" and falls back to a new message
 * on purpose, and throws what it does not handle.
 */
async function watched(deliver: () => Promise<void>, refusals: boolean): Promise<void> {
  const attempt: Attempt = {};
  await attempts.run(attempt, deliver);
  const error = attempt.failure ?? (refusals ? attempt.refusal : undefined);
  if (error) throw error;
}

export interface TelegramDeliveryOptions {
  token: string;
  /** Bot API root (tests, a local Bot API server); Telegram's by default. */
  apiRoot?: string;
  chatsFor: (project: string) => string[];
  logger: Logger;
  timers?: DeliveryTimers;
  render?: RenderOptions;
  limits?: RateLimits;
  maxQueued?: number;
  backoff?: { baseMs: number; maxMs: number };
}

/**
 * The rate-limited Telegram notifier: a DeliveryQueue over the real TelegramNotifier, on an Api of its own
 * (not the adapter's `bot.api`, whose throttler and auto-retry would pace and retry a second time).
 */
export function createTelegramDelivery(opts: TelegramDeliveryOptions): { queue: DeliveryQueue; api: Api } {
  const timers = opts.timers ?? systemTimers;
  const api = new Api(opts.token, opts.apiRoot ? { apiRoot: opts.apiRoot } : {});
  api.config.use(deliveryTransformer(new RateGate(opts.limits ?? TELEGRAM_LIMITS, timers)));
  const notifier = new TelegramNotifier({ api, chatsFor: (chat) => [chat], logger: opts.logger, render: opts.render });
  const target: DeliveryTarget = {
    send: (chatId, reply) => watched(() => notifier.announce(chatId, reply), true),
    edit: (ref, reply) => watched(() => notifier.edit(ref, reply), false),
  };
  const queue = new DeliveryQueue({
    platform: 'telegram',
    target,
    chatsFor: opts.chatsFor,
    fits: telegramFits(opts.render),
    logger: opts.logger,
    timers,
    maxQueued: opts.maxQueued,
    backoff: opts.backoff,
  });
  return { queue, api };
}
