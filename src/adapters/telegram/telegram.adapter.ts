import { type AutoRetryOptions, autoRetry } from '@grammyjs/auto-retry';
import { sequentialize } from '@grammyjs/runner';
import { type APIThrottlerOptions, apiThrottler } from '@grammyjs/transformer-throttler';
import { Bot, type Context } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';
import { z } from 'zod';
import type { ChatCore } from '../../core/pipeline/chat-core.js';
import type { Logger } from '../../core/ports/logger.port.js';
import type { ReadinessCheck } from '../http/readiness.js';
import { toBotCommands } from './telegram.command-parser.js';
import { createTelegramHandlers, type ReplyOutbox } from './telegram.handlers.js';
import { createPoller, type Poller, type PollingState } from './telegram.polling.js';
import type { RenderOptions } from './telegram.renderer.js';
import { checkUpdate } from './telegram.update-schema.js';
import { createWebhookHandler, type WebhookHandler } from './telegram.webhook.js';
import { createMemoryDedupe } from '../memory-dedupe.js';
import { currentReplyJob, ReplyLanes, type ReplyLanesOptions } from '../notifier/delivery.reply-lanes.js';
import type { DeliveryTimers } from '../notifier/delivery.timers.js';
import { replyRetryTransformer } from './telegram.reply-retry.js';
import { createLeaseKeeper, type Hold, type Lease, type LeaseKeeper, type Timers } from '../redis/lease.js';

const modeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('polling') }),
  z.object({
    kind: z.literal('webhook'),
    url: z.url({ protocol: /^https?$/ }),
    // Telegram: 1–256 characters, A-Z a-z 0-9 _ -
    secretToken: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/),
  }),
]);

const optionsSchema = z.object({
  token: z.string().regex(/^\d+:[A-Za-z0-9_-]+$/, 'not a Telegram bot token'),
  apiRoot: z.url().optional(),
  mode: modeSchema,
});

export type TelegramMode = z.infer<typeof modeSchema>;

export interface TelegramAdapterOptions {
  token: string;
  /** Bot API root (default https://api.telegram.org); tests point it at an emulator. */
  apiRoot?: string;
  core: ChatCore;
  logger: Logger;
  mode: TelegramMode;
  /** Skips getMe (tests). */
  botInfo?: UserFromGetMe;
  /** False for an update id already handled (redelivery); default: in-memory LRU of 10,000 ids. */
  isFirstSeen?: (updateId: number) => Promise<boolean>;
  /** Per-chat outbound limiter settings (default: the throttler's Telegram limits); false disables it. */
  throttle?: APIThrottlerOptions | false;
  /**
   * Retry settings for 429 (retry_after) and 5xx of calls made outside a reply (setMyCommands, setWebhook,
   * …); default 5 attempts, waits up to 60 s. Replies are retried by their lane (`replies`) instead.
   */
  retry?: Partial<AutoRetryOptions>;
  /** Where replies go (the platform's DeliveryQueue over the outbox); absent: replies are sent inline through the lanes. */
  outbox?: ReplyOutbox;
  /** How replies sent inline are retried: inline wait, expiry (15 min), backoff, and the clock they run on. */
  replies?: Omit<ReplyLanesOptions, 'platform' | 'logger' | 'timers'> & { timers?: DeliveryTimers };
  render?: RenderOptions;
  now?: () => Date;
  /** Largest webhook body read; default 1 MiB (updates are a few KiB). */
  webhookMaxBodyBytes?: number;
  /** Past this a webhook request is answered 200 while its update keeps being handled; default 9 s. */
  webhookAnswerWithinMs?: number;
  /** Long polling: getUpdates timeout (default 30 s) and the backoff after a failed call (default 1 s doubling to 30 s). */
  polling?: { timeoutSeconds?: number; backoff?: { initialMs: number; maxMs: number }; random?: () => number };
  /**
   * Long polling from several replicas: only the holder of this lease polls, and checks it before handling
   * each fetched batch; the others stand by (ready) and take over when it is lost. Without it, this
   * process polls alone. Unused in webhook mode.
   */
  pollingLease?: { lease: Lease; renewEveryMs?: number; retryEveryMs?: number; timers?: Timers; now?: () => number };
}

export type { WebhookHandler } from './telegram.webhook.js';

/** What the adapter is doing now: long polling (see PollingState) or the webhook. */
export type TelegramStatus = PollingState | { state: 'webhook' } | { state: 'webhook_failed'; error: string } | { state: 'idle' };

export interface TelegramAdapter {
  bot: Bot;
  /** Registers the command menu, then starts long polling or sets the webhook. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Mount at /telegram/webhook. Wrong or missing secret token → 401; in polling mode → 404. */
  webhookHandler: WebhookHandler;
  status(): TelegramStatus;
  /** Resolves when no reply is waiting to be retried (shutdown, tests). */
  repliesSettled(): Promise<void>;
  /** `telegram`: fails while not polling (or while the webhook is not set); passes on standby (another replica polls). */
  readiness: ReadinessCheck;
}

const ALLOWED_UPDATES = ['message', 'callback_query'] as const;

export function createTelegramAdapter(opts: TelegramAdapterOptions): TelegramAdapter {
  const { token, apiRoot, mode } = optionsSchema.parse(opts);
  const logger = opts.logger.child({ adapter: 'telegram' });
  const bot = new Bot(token, { botInfo: opts.botInfo, client: apiRoot ? { apiRoot } : {} });
  // Last installed runs first: retries go back through the limiter. getUpdates is retried by the poller,
  // which keeps the readiness status and the logs honest while Telegram fails.
  if (opts.throttle !== false) bot.api.config.use(apiThrottler(opts.throttle ?? {}));
  // A reply's calls are retried by its lane, with no attempt cap short of the reply's expiry; the others by
  // auto-retry.
  const retry = autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 60, ...opts.retry });
  bot.api.config.use((prev, method, payload, signal) =>
    method === 'getUpdates' || currentReplyJob() ? prev(method, payload, signal) : retry(prev, method, payload, signal),
  );
  bot.api.config.use(replyRetryTransformer());
  const lanes = new ReplyLanes({ platform: 'telegram', logger, ...opts.replies });

  const handlers = createTelegramHandlers({
    core: opts.core,
    logger,
    isFirstSeen: opts.isFirstSeen ?? memoryDedupe(),
    now: opts.now ?? (() => new Date()),
    render: opts.render,
    lanes,
    outbox: opts.outbox,
  });
  const onError = (err: { error: unknown; ctx: { update: { update_id: number } } }) => {
    logger.error({ err: err.error, updateId: err.ctx.update.update_id }, 'telegram update failed');
  };
  // One chat's slow command never delays another chat; within a chat, updates keep their order.
  bot.use(sequentialize(chatKey));
  bot.use(bot.errorBoundary(onError, handlers));
  bot.catch(onError);

  let status: TelegramStatus = { state: 'idle' };
  const setStatus = (next: TelegramStatus) => {
    status = next;
  };
  /** Every update, polled or posted, is checked before grammY sees it. */
  const dropUnhandleable = (raw: unknown): Update | undefined => {
    const checked = checkUpdate(raw);
    if (checked.ok) return checked.update;
    logger.warn({ updateId: checked.updateId, issues: checked.issues }, 'dropping a telegram update that cannot be handled');
    return undefined;
  };
  let poller: Poller | undefined;
  let keeper: LeaseKeeper | undefined;
  let stopping = false;

  const startPolling = (fenced?: { fence: () => Promise<boolean>; onFenced: () => void }) => {
    const own: Poller = createPoller({
      bot,
      logger,
      allowedUpdates: ALLOWED_UPDATES,
      timeoutSeconds: opts.polling?.timeoutSeconds ?? 30,
      backoff: opts.polling?.backoff ?? { initialMs: 1_000, maxMs: 30_000 },
      random: opts.polling?.random,
      // A poller that lost the lease says nothing about this replica any more.
      onState: (state) => poller === own && setStatus(state),
      consume: async (raw) => {
        const update = dropUnhandleable(raw);
        if (update) await bot.handleUpdate(update);
      },
      ...fenced,
    });
    poller = own;
    own.start();
    logger.info({}, 'telegram long polling started');
  };

  /** Stops polling without confirming the offset (the lease is, or may be, another replica's). */
  const standBy = async () => {
    const own = poller;
    poller = undefined;
    if (!stopping) setStatus({ state: 'standby' });
    await own?.abandon();
  };

  const startLeased = (leased: NonNullable<TelegramAdapterOptions['pollingLease']>) => {
    const { lease } = leased;
    const stillOurs = (hold: Hold) => async () => {
      const current = keeper?.current();
      return current?.token === hold.token && lease.check(current);
    };
    setStatus({ state: 'standby' });
    keeper = createLeaseKeeper({
      lease,
      logger,
      renewEveryMs: leased.renewEveryMs,
      retryEveryMs: leased.retryEveryMs,
      timers: leased.timers,
      now: leased.now,
      onAcquired: (hold) => {
        if (stopping) return;
        logger.info({ epoch: hold.epoch }, 'telegram polling lease taken');
        startPolling({
          fence: stillOurs(hold),
          onFenced: () => {
            void standBy();
            void keeper?.drop();
          },
        });
      },
      onLost: (hold) => {
        logger.warn({ epoch: hold.epoch }, 'telegram polling lease lost; standing by');
        void standBy();
      },
    });
    keeper.start();
    logger.info({ key: lease.key }, 'telegram long polling: standing by until this replica holds the polling lease');
  };

  return {
    bot,
    start: async () => {
      await prepare(bot, opts.core, logger);
      if (mode.kind === 'webhook') return setWebhook(bot, mode, logger, setStatus);
      await bot.api.deleteWebhook({ drop_pending_updates: false });
      if (opts.pollingLease) startLeased(opts.pollingLease);
      else startPolling();
    },
    stop: async () => {
      stopping = true;
      // Polling ends (and confirms its offset) while the lease is still renewed; then the lease is released.
      await poller?.stop();
      if (!keeper) return;
      await keeper.stop();
      setStatus({ state: 'stopped' });
    },
    webhookHandler:
      mode.kind === 'webhook'
        ? createWebhookHandler({
            secretToken: mode.secretToken,
            maxBodyBytes: opts.webhookMaxBodyBytes ?? 1024 * 1024,
            answerWithinMs: opts.webhookAnswerWithinMs ?? 9_000,
            logger,
            handleUpdate: (update) => bot.handleUpdate(update),
          })
        : async (_req, res) => {
            res.writeHead(404).end();
          },
    status: () => status,
    repliesSettled: () => lanes.idle(),
    readiness: {
      name: 'telegram',
      check: async () => {
        if (status.state === 'polling' || status.state === 'webhook' || status.state === 'standby') return;
        throw new Error('error' in status && status.error ? `${status.state}: ${status.error}` : status.state);
      },
    },
  };
}

function chatKey(ctx: Context): string | undefined {
  const id = ctx.chat?.id ?? ctx.from?.id;
  return id === undefined ? undefined : String(id);
}

async function prepare(bot: Bot, core: ChatCore, logger: Logger): Promise<void> {
  await bot.init();
  try {
    await bot.api.setMyCommands(toBotCommands(core.commands()));
  } catch (err) {
    // The menu is a convenience; commands work without it.
    logger.warn({ err }, 'setMyCommands failed');
  }
}

async function setWebhook(bot: Bot, mode: Extract<TelegramMode, { kind: 'webhook' }>, logger: Logger, setStatus: (s: TelegramStatus) => void): Promise<void> {
  try {
    await bot.api.setWebhook(mode.url, {
      secret_token: mode.secretToken,
      allowed_updates: [...ALLOWED_UPDATES],
      drop_pending_updates: false,
    });
  } catch (err) {
    setStatus({ state: 'webhook_failed', error: err instanceof Error ? err.message : String(err) });
    throw err;
  }
  setStatus({ state: 'webhook' });
  logger.info({ url: mode.url }, 'telegram webhook set');
}

/** The in-process filter, in the async shape the handlers expect. */
function memoryDedupe(): (updateId: number) => Promise<boolean> {
  const firstSeen = createMemoryDedupe<number>();
  return async (updateId) => firstSeen(updateId);
}
