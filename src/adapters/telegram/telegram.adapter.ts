import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AutoRetryOptions, autoRetry } from '@grammyjs/auto-retry';
import { type APIThrottlerOptions, apiThrottler } from '@grammyjs/transformer-throttler';
import { Bot, webhookCallback } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { z } from 'zod';
import type { ChatCore } from '../../core/pipeline/chat-core.js';
import type { Logger } from '../../core/ports/logger.port.js';
import { toBotCommands } from './telegram.command-parser.js';
import { createTelegramHandlers } from './telegram.handlers.js';
import type { RenderOptions } from './telegram.renderer.js';
import { createMemoryDedupe } from '../memory-dedupe.js';

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
  /** Retry settings for 429 (retry_after) and 5xx; default 5 attempts, waits up to 60 s. */
  retry?: Partial<AutoRetryOptions>;
  render?: RenderOptions;
  now?: () => Date;
}

export type WebhookHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface TelegramAdapter {
  bot: Bot;
  /** Registers the command menu, then starts long polling or sets the webhook. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Mount at /telegram/webhook. Wrong or missing secret token → 401; in polling mode → 404. */
  webhookHandler: WebhookHandler;
}

const ALLOWED_UPDATES = ['message', 'callback_query'] as const;

export function createTelegramAdapter(opts: TelegramAdapterOptions): TelegramAdapter {
  const { token, apiRoot, mode } = optionsSchema.parse(opts);
  const logger = opts.logger.child({ adapter: 'telegram' });
  const bot = new Bot(token, { botInfo: opts.botInfo, client: apiRoot ? { apiRoot } : {} });
  // Last installed runs first: retries go back through the limiter.
  if (opts.throttle !== false) bot.api.config.use(apiThrottler(opts.throttle ?? {}));
  bot.api.config.use(autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 60, ...opts.retry }));

  const handlers = createTelegramHandlers({
    core: opts.core,
    logger,
    isFirstSeen: opts.isFirstSeen ?? memoryDedupe(),
    now: opts.now ?? (() => new Date()),
    render: opts.render,
  });
  const onError = (err: { error: unknown; ctx: { update: { update_id: number } } }) => {
    logger.error({ err: err.error, updateId: err.ctx.update.update_id }, 'telegram update failed');
  };
  bot.use(bot.errorBoundary(onError, handlers));
  bot.catch(onError);

  return {
    bot,
    start: () => start(bot, opts.core, mode, logger),
    stop: async () => {
      if (bot.isRunning()) await bot.stop();
    },
    webhookHandler: createWebhookHandler(bot, mode, logger),
  };
}

async function start(bot: Bot, core: ChatCore, mode: TelegramMode, logger: Logger): Promise<void> {
  await bot.init();
  try {
    await bot.api.setMyCommands(toBotCommands(core.commands()));
  } catch (err) {
    // The menu is a convenience; commands work without it.
    logger.warn({ err }, 'setMyCommands failed');
  }
  if (mode.kind === 'webhook') {
    await bot.api.setWebhook(mode.url, {
      secret_token: mode.secretToken,
      allowed_updates: [...ALLOWED_UPDATES],
      drop_pending_updates: false,
    });
    logger.info({ url: mode.url }, 'telegram webhook set');
    return;
  }
  await new Promise<void>((resolve, reject) => {
    bot
      .start({ drop_pending_updates: false, allowed_updates: [...ALLOWED_UPDATES], onStart: () => resolve() })
      .catch((err: unknown) => {
        logger.error({ err }, 'telegram polling stopped');
        reject(err instanceof Error ? err : new Error(String(err)));
      });
  });
  logger.info({}, 'telegram long polling started');
}

function createWebhookHandler(bot: Bot, mode: TelegramMode, logger: Logger): WebhookHandler {
  if (mode.kind !== 'webhook') {
    return (_req, res) => {
      res.writeHead(404).end();
    };
  }
  // 'return': answer Telegram before its timeout; the update keeps being handled (redeliveries are dropped).
  const callback = webhookCallback(bot, 'http', {
    secretToken: mode.secretToken,
    onTimeout: 'return',
    timeoutMilliseconds: 9_000,
  });
  return (req, res) => {
    callback(req, res).catch((err: unknown) => {
      logger.error({ err }, 'telegram webhook request failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  };
}

/** The in-process filter, in the async shape the handlers expect. */
function memoryDedupe(): (updateId: number) => Promise<boolean> {
  const firstSeen = createMemoryDedupe<number>();
  return async (updateId) => firstSeen(updateId);
}
