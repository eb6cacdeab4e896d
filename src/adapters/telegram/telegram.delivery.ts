import { Api, type Transformer } from 'grammy';
import type { Reply } from '../../core/messages/reply.js';
import type { Clock } from '../../core/ports/clock.port.js';
import type { Logger } from '../../core/ports/logger.port.js';
import type { PostedMessageStore } from '../../core/ports/posted-message.port.js';
import { classifyFailure } from '../notifier/delivery.errors.js';
import { RateGate, type RateLimits, type SendGate } from '../notifier/delivery.rate-gate.js';
import { DeliveryQueue, type DeliveryQueueOptions, type OnPosted } from '../notifier/delivery.queue.js';
import type { OutboxStore } from '../notifier/outbox.port.js';
import { systemTimers, type DeliveryTimers } from '../notifier/delivery.timers.js';
import { TelegramDeliveryTarget } from './telegram.delivery-target.js';
import { TELEGRAM } from './telegram.platform.js';
import { type RenderOptions, renderTelegram } from './telegram.renderer.js';

/** Telegram's limits for bots: 1 message/s in a chat, 20/min in a group, about 30/s overall. */
export const TELEGRAM_LIMITS: RateLimits = {
  chatWindows: (chatId) =>
    chatId.startsWith('-')
      ? [{ limit: 1, windowMs: 1000 }, { limit: 20, windowMs: 60_000 }]
      : [{ limit: 1, windowMs: 1000 }],
  global: { limit: 30, windowMs: 1000 },
};

/** True when the reply renders as exactly one Telegram message (≤ 4096 characters, no overflow file, no photo). */
export function telegramFits(render?: RenderOptions): (reply: Reply) => boolean {
  return (reply) => {
    const messages = renderTelegram(reply, render);
    return messages.length === 1 && messages[0]?.document === undefined && messages[0]?.photo === undefined;
  };
}

/**
 * A grammY transformer for the delivery Api: every call to a chat waits for the chat's slot in the rate
 * gate. Failures are thrown as grammY raises them (GrammyError with `error_code` and `retry_after`,
 * HttpError for the network), and the queue classifies them (notifier/delivery.errors.ts). A 429 first
 * pauses the chat in the gate for its `retry_after` (the whole bot when the call named no chat), so that a
 * gate shared by replicas holds every replica's calls, not only this queue's retry.
 */
export function deliveryTransformer(gate: SendGate): Transformer {
  return async (prev, method, payload, signal) => {
    const chat = (payload as { chat_id?: unknown } | undefined)?.chat_id;
    const chatId = chat === undefined ? undefined : String(chat);
    const release = chatId === undefined ? undefined : await gate.acquire(chatId);
    try {
      const result = await prev(method, payload, signal);
      const failure = result.ok ? undefined : classifyFailure({ error_code: result.error_code, parameters: result.parameters });
      if (failure?.kind === 'rate-limited') await gate.pause(chatId, failure.retryAfterMs);
      return result;
    } finally {
      release?.();
    }
  };
}

export interface TelegramDeliveryOptions {
  token: string;
  /** Bot API root (tests, a local Bot API server); Telegram's by default. */
  apiRoot?: string;
  chatsFor: (project: string) => string[];
  /** Where keyed publishes were posted (PrismaPostedMessages in the bot). */
  posted: PostedMessageStore;
  logger: Logger;
  clock?: Clock;
  timers?: DeliveryTimers;
  render?: RenderOptions;
  limits?: RateLimits;
  /** The gate shared by the replicas (redis/shared-rate-gate.ts); an in-process one over `limits` without it. */
  gate?: SendGate;
  maxQueued?: number;
  backoff?: { baseMs: number; maxMs: number };
  /** Where pushes wait until they are out (PrismaOutbox in the bot). */
  outbox: OutboxStore;
  /** Told where a reply with buttons was posted. */
  onPosted?: OnPosted;
  /** Lane lease and poll interval of the outbox workers (tests). */
  delivery?: Pick<DeliveryQueueOptions, 'leaseMs' | 'pollMs' | 'holder'>;
}

/**
 * The rate-limited Telegram notifier: a DeliveryQueue over the TelegramDeliveryTarget, on an Api of its own
 * (not the adapter's `bot.api`, whose throttler and auto-retry would pace and retry a second time).
 */
export function createTelegramDelivery(opts: TelegramDeliveryOptions): { queue: DeliveryQueue; api: Api } {
  const timers = opts.timers ?? systemTimers;
  const api = new Api(opts.token, opts.apiRoot ? { apiRoot: opts.apiRoot } : {});
  api.config.use(deliveryTransformer(opts.gate ?? new RateGate(opts.limits ?? TELEGRAM_LIMITS, timers)));
  const target = new TelegramDeliveryTarget({ api, logger: opts.logger, render: opts.render });
  const queue = new DeliveryQueue({
    platform: TELEGRAM,
    target,
    chatsFor: opts.chatsFor,
    posted: opts.posted,
    clock: opts.clock,
    fits: telegramFits(opts.render),
    logger: opts.logger,
    timers,
    maxQueued: opts.maxQueued,
    backoff: opts.backoff,
    outbox: opts.outbox,
    onPosted: opts.onPosted,
    ...opts.delivery,
  });
  return { queue, api };
}
