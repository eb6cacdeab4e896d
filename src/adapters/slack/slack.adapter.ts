import { App, type webApi } from '@slack/bolt';
import { z } from 'zod';
import type { ChatCore } from '../../core/pipeline/chat-core.js';
import type { Logger } from '../../core/ports/logger.port.js';
import { createMemoryDedupe, type IsFirstSeen } from '../memory-dedupe.js';
import { ReplyLanes, type ReplyLanesOptions } from '../notifier/delivery.reply-lanes.js';
import type { DeliveryTimers } from '../notifier/delivery.timers.js';
import { registerActions, registerCommand, registerDedupe, registerMention, registerViews, type ListenerDeps } from './slack-listeners.js';
import { SlackHttpReceiver, type SlackRequestListener } from './slack-http.receiver.js';
import { boltLogger } from './slack-logger.bridge.js';
import type { ReplyOutbox } from './slack-dispatch.js';

import { SLACK_EVENTS_PATH } from './slack.platform.js';

export { SLACK_EVENTS_PATH };

const configSchema = z
  .object({
    botToken: z.string().min(1),
    signingSecret: z.string().min(1).optional(),
    appToken: z.string().startsWith('xapp-').optional(),
    commandName: z.string().regex(/^\/[a-z0-9_-]{1,31}$/).default('/deckhand'),
    apiUrl: z.url().optional(),
    port: z.number().int().min(0).max(65535).optional(),
  })
  .refine((c) => c.appToken !== undefined || c.signingSecret !== undefined, {
    message: 'either appToken (Socket Mode) or signingSecret (HTTP mode) is required',
  });

export interface SlackAdapterOptions {
  botToken: string;
  /** HTTP mode: Bolt verifies every request's signature with it. */
  signingSecret?: string;
  /** Socket Mode when set (xapp-…); no public URL needed. */
  appToken?: string;
  /** Slash command to answer, default `/deckhand`. */
  commandName?: string;
  /** Web API base URL (Bolt clientOptions.slackApiUrl), e.g. for tests. */
  apiUrl?: string;
  /** HTTP mode only: let Bolt's receiver listen on its own port instead of mounting `requestListener`. */
  port?: number;
  core: ChatCore;
  logger: Logger;
  /**
   * Redelivery and replay filter, asked once per request with its key (`<event_id>`, `slack-req:<trigger_id>`
   * or `slack-sig:<sha256>`); defaults to an in-memory LRU (use a shared store when running several replicas).
   */
  isFirstSeen?: IsFirstSeen;
  /** Outbound retry policy (p-retry options); 429s always wait for Retry-After first. */
  retryConfig?: webApi.RetryOptions;
  /** How replies are retried past that: inline wait, expiry (15 min), backoff, and the clock they run on. */
  replies?: Omit<ReplyLanesOptions, 'platform' | 'logger' | 'timers'> & { timers?: DeliveryTimers };
  /**
   * Where replies go (the platform's DeliveryQueue over the outbox): public replies, private ones and click
   * answers are rows before the request is acknowledged; absent, or when the outbox cannot be written,
   * replies are sent inline through the lanes.
   */
  outbox?: ReplyOutbox;
  now?: () => Date;
}

export interface SlackAdapter {
  app: App;
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * HTTP mode: mount on the bot's HTTP server for POST /slack/events (req.url must stay `/slack/events`).
   * Its promise settles once the request is fully handled, listeners included.
   */
  requestListener?: SlackRequestListener;
  /** Resolves when no reply is waiting to be retried (shutdown, tests). */
  repliesSettled(): Promise<void>;
}

export const defaultSlackRetryConfig: webApi.RetryOptions = { retries: 5, factor: 2, minTimeout: 500, maxTimeout: 30_000, randomize: true };

export function createSlackAdapter(opts: SlackAdapterOptions): SlackAdapter {
  const config = configSchema.parse({
    botToken: opts.botToken,
    signingSecret: opts.signingSecret,
    appToken: opts.appToken,
    commandName: opts.commandName,
    apiUrl: opts.apiUrl,
    port: opts.port,
  });
  const logger = opts.logger.child({ adapter: 'slack' });
  const bolt = boltLogger(logger);
  const clientOptions = webClientOptions(config.apiUrl, opts.retryConfig);
  const socketMode = config.appToken !== undefined;
  const receiver = socketMode
    ? undefined
    : new SlackHttpReceiver({ signingSecret: config.signingSecret ?? '', path: SLACK_EVENTS_PATH, logger, boltLogger: bolt });
  const app = receiver
    ? new App({ token: config.botToken, receiver, logger: bolt, clientOptions })
    : new App({ token: config.botToken, appToken: config.appToken, socketMode: true, logger: bolt, clientOptions });
  app.error(async (err) => {
    logger.error({ err: { message: err.message, code: err.code } }, 'slack app error');
  });

  const deps: ListenerDeps = {
    core: opts.core,
    logger,
    commandName: config.commandName,
    isFirstSeen: opts.isFirstSeen ?? createMemoryDedupe(),
    now: opts.now ?? (() => new Date()),
    lanes: new ReplyLanes({ platform: 'slack', logger, ...opts.replies }),
    ...(opts.outbox ? { outbox: opts.outbox } : {}),
  };
  registerDedupe(app, deps);
  registerCommand(app, deps);
  registerMention(app, deps);
  registerActions(app, deps);
  registerViews(app, deps);

  return lifecycle(app, receiver, config.port, logger, deps.lanes!);
}

/** Outbound calls wait for Retry-After on 429 and then retry (never rejected as rate limited). */
function webClientOptions(apiUrl: string | undefined, retryConfig: webApi.RetryOptions | undefined): webApi.WebClientOptions {
  const options: webApi.WebClientOptions = { retryConfig: retryConfig ?? defaultSlackRetryConfig, rejectRateLimitedCalls: false };
  if (apiUrl) options.slackApiUrl = apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`;
  return options;
}

function lifecycle(app: App, receiver: SlackHttpReceiver | undefined, port: number | undefined, logger: Logger, lanes: ReplyLanes): SlackAdapter {
  const listens = receiver === undefined || port !== undefined;
  let running = false;
  const adapter: SlackAdapter = {
    app,
    async start() {
      if (running || !listens) return;
      await (receiver && port !== undefined ? app.start(port) : app.start());
      running = true;
      logger.info({ mode: receiver ? 'http' : 'socket', port }, 'slack adapter started');
    },
    async stop() {
      if (!running) return;
      running = false;
      await app.stop();
    },
    repliesSettled: () => lanes.idle(),
  };
  if (receiver) adapter.requestListener = receiver.requestListener;
  return adapter;
}
