/** Telegram as a chat platform (see chat-platform.ts). grammY is loaded only when a bot token is set. */
import { z } from 'zod';
import type { ChatPlatform } from '../chat-platform.js';
import { optionalEnv, urlEnv } from '../env-fields.js';
import { chatsForPlatform } from '../notifier/chat-bindings.js';
import { attachPosted } from '../notifier/message-attach.js';
import { secretDigest } from '../redis/lease.js';

export const TELEGRAM = 'telegram';

export const TELEGRAM_WEBHOOK_PATH = '/telegram/webhook';

/** A killed poller's lease lapses after this; a standby replica asks every fifth of it, so it takes over within 12 s. */
const POLLING_LEASE_TTL_MS = 10_000;

const env = z.object({
  TELEGRAM_BOT_TOKEN: optionalEnv.refine((v) => v === undefined || /^\d+:[A-Za-z0-9_-]{20,}$/.test(v), 'must look like 123456:ABC… (from @BotFather)'),
  TELEGRAM_API_ROOT: urlEnv('e.g. http://127.0.0.1:8081 for a self-hosted Bot API server'),
  TELEGRAM_WEBHOOK_URL: urlEnv('the public https URL Telegram posts updates to, ending in /telegram/webhook'),
  TELEGRAM_WEBHOOK_SECRET: optionalEnv.refine((v) => v === undefined || /^[A-Za-z0-9_-]{16,256}$/.test(v), 'must be 16–256 characters of A-Z a-z 0-9 _ -'),
});

/** A Telegram user id (numeric; YAML may write it as a number). */
const person = z.object({ telegram: z.union([z.string().min(1), z.number().int()]).transform(String).optional() });

export const telegramPlatform = {
  id: TELEGRAM,
  userIdLabel: 'telegram user id',
  personField: 'telegram',
  person,
  bindsChats: true,
  env,
  enabledBy: 'TELEGRAM_BOT_TOKEN',
  checkEnv(e, ctx) {
    if (e.TELEGRAM_WEBHOOK_URL && !e.TELEGRAM_WEBHOOK_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['TELEGRAM_WEBHOOK_SECRET'], message: 'is required when TELEGRAM_WEBHOOK_URL is set' });
    }
  },
  configured: (e, mode) => mode === 'server' && e.TELEGRAM_BOT_TOKEN !== undefined,
  async wire(e, ctx) {
    const token = e.TELEGRAM_BOT_TOKEN!;
    const [{ createTelegramAdapter }, { createTelegramDelivery, TELEGRAM_LIMITS }] = await Promise.all([import('./telegram.adapter.js'), import('./telegram.delivery.js')]);
    const webhook = e.TELEGRAM_WEBHOOK_URL;
    // Every outbound message goes through the outbox, delivered per chat within Telegram's limits; replies too
    // (the adapter writes them there and returns), except when the outbox cannot be written: those are sent
    // at once on the adapter's own client and retried in its per-chat reply lanes.
    const { queue } = createTelegramDelivery({
      token,
      apiRoot: e.TELEGRAM_API_ROOT,
      chatsFor: chatsForPlatform(ctx.catalog.chats, TELEGRAM),
      posted: ctx.posted,
      outbox: ctx.outbox,
      onPosted: (ref, pendingIds) => attachPosted(ctx.core, pendingIds, ref, ctx.logger),
      logger: ctx.logger,
      // The limits are the bot token's, whichever replica sends: kept in Redis when there is one.
      gate: ctx.rateGate?.(`telegram:${secretDigest(token)}`, TELEGRAM_LIMITS),
    });
    const adapter = createTelegramAdapter({
      token,
      apiRoot: e.TELEGRAM_API_ROOT,
      core: ctx.core,
      logger: ctx.logger,
      mode: webhook ? { kind: 'webhook', url: webhook, secretToken: e.TELEGRAM_WEBHOOK_SECRET! } : { kind: 'polling' },
      isFirstSeen: (id) => ctx.isFirstSeen(String(id)),
      outbox: queue,
      // Telegram allows one getUpdates per token at a time: replicas sharing the token take turns by lease.
      pollingLease: !webhook && ctx.lease ? { lease: ctx.lease(`telegram-poller:${secretDigest(token)}`, POLLING_LEASE_TTL_MS) } : undefined,
    });
    return {
      id: TELEGRAM,
      adapter,
      notifier: queue,
      send: (chatId, reply) => queue.send(chatId, reply),
      routes: webhook ? [{ method: 'POST', path: TELEGRAM_WEBHOOK_PATH, handler: adapter.webhookHandler }] : [],
      readiness: [adapter.readiness],
      start: async () => {
        queue.start();
        await adapter.start();
      },
      stop: () => adapter.stop(),
      drain: async () => {
        await Promise.all([queue.stop(), adapter.repliesSettled()]);
      },
      pending: () => queue.pending(),
    };
  },
} satisfies ChatPlatform<typeof env>;
