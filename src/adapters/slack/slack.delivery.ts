import { webApi } from '@slack/bolt';
import type { Reply } from '../../core/messages/reply.js';
import type { Clock } from '../../core/ports/clock.port.js';
import type { Logger } from '../../core/ports/logger.port.js';
import type { PostedMessageStore } from '../../core/ports/posted-message.port.js';
import { classifyFailure } from '../notifier/delivery.errors.js';
import { RateGate, type RateLimits, type SendGate } from '../notifier/delivery.rate-gate.js';
import { DeliveryQueue, type DeliveryQueueOptions, type OnPosted } from '../notifier/delivery.queue.js';
import type { OutboxStore } from '../notifier/outbox.port.js';
import { systemTimers, type DeliveryTimers } from '../notifier/delivery.timers.js';
import { SLACK } from './slack.platform.js';
import { boltLogger } from './slack-logger.bridge.js';
import { SlackDeliveryTarget } from './slack.delivery-target.js';
import { renderSlack } from './slack.renderer.js';

/**
 * Slack's limits as the gate keeps them: chat.postMessage allows about 1 message/s per channel (short bursts
 * tolerated) and "several hundred" a minute per workspace; chat.update is Tier 3 (50+ a minute). One gate
 * paces both methods, so overall it stays at 4/s and 100/min; a 429 beyond that is waited out (Retry-After).
 */
export const SLACK_LIMITS: RateLimits = {
  chatWindows: () => [{ limit: 1, windowMs: 1000 }],
  global: [
    { limit: 4, windowMs: 1000 },
    { limit: 100, windowMs: 60_000 },
  ],
};

/** True when the reply renders as exactly one Slack message (≤ 50 blocks, ≤ 40,000 characters). */
export function slackFits(reply: Reply): boolean {
  return renderSlack(reply).length === 1;
}

/**
 * A WebClient whose every call to a channel first waits for the channel's slot in the rate gate (the
 * equivalent of the grammY transformer in telegram/telegram.delivery.ts). Every Web API method goes through
 * `apiCall`, so overriding it covers chat.postMessage and chat.update alike. A 429 first pauses the channel in
 * the gate for its Retry-After (the whole bot when the call named no channel), so a gate shared by replicas
 * holds every replica's calls to it.
 */
class GatedWebClient extends webApi.WebClient {
  constructor(
    token: string,
    options: webApi.WebClientOptions,
    private readonly gate: SendGate,
  ) {
    super(token, options);
  }

  override async apiCall(method: string, options?: Record<string, unknown>): Promise<webApi.WebAPICallResult> {
    const channel = options?.['channel'];
    const chatId = typeof channel === 'string' ? channel : undefined;
    const release = chatId === undefined ? undefined : await this.gate.acquire(chatId);
    try {
      return await super.apiCall(method, options);
    } catch (err) {
      const failure = classifyFailure(err);
      if (failure.kind === 'rate-limited') await this.gate.pause(chatId, failure.retryAfterMs);
      throw err;
    } finally {
      release?.();
    }
  }
}

/** WebClient's own log lines go to debug: each failure it logs is thrown to the queue, which logs it once. */
function debugOnly(logger: Logger): Logger {
  const debug = (obj: object, msg?: string) => logger.debug(obj, msg);
  return { debug, info: debug, warn: debug, error: debug, child: (bindings) => debugOnly(logger.child(bindings)) };
}

export interface SlackDeliveryOptions {
  /** The bot token (xoxb-…). */
  token: string;
  /** Web API root (tests, a proxy); Slack's by default. */
  apiUrl?: string;
  chatsFor: (project: string) => string[];
  /** Where keyed publishes were posted (PrismaPostedMessages in the bot). */
  posted: PostedMessageStore;
  logger: Logger;
  clock?: Clock;
  timers?: DeliveryTimers;
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
 * The rate-limited Slack notifier: a DeliveryQueue over the SlackDeliveryTarget, on a WebClient of its own
 * that neither retries nor waits by itself (`retries: 0`, `rejectRateLimitedCalls`): a 429 comes back as
 * WebAPIRateLimitedError with `retryAfter`, and the queue waits it out for that channel only, instead of the
 * adapter's client pausing every call and retrying a second time.
 */
export function createSlackDelivery(opts: SlackDeliveryOptions): { queue: DeliveryQueue; client: webApi.WebClient } {
  const timers = opts.timers ?? systemTimers;
  const gate = opts.gate ?? new RateGate(opts.limits ?? SLACK_LIMITS, timers);
  const client = new GatedWebClient(
    opts.token,
    {
      ...(opts.apiUrl ? { slackApiUrl: opts.apiUrl } : {}),
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logger: boltLogger(debugOnly(opts.logger)),
    },
    gate,
  );
  const target = new SlackDeliveryTarget({ client, logger: opts.logger });
  const queue = new DeliveryQueue({
    platform: SLACK,
    target,
    chatsFor: opts.chatsFor,
    posted: opts.posted,
    clock: opts.clock,
    fits: slackFits,
    logger: opts.logger,
    timers,
    maxQueued: opts.maxQueued,
    backoff: opts.backoff,
    outbox: opts.outbox,
    onPosted: opts.onPosted,
    ...opts.delivery,
  });
  return { queue, client };
}
