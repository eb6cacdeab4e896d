/** Slack as a chat platform (see chat-platform.ts). Bolt is loaded only when a bot token is set. */
import { z } from 'zod';
import type { ChatPlatform } from '../chat-platform.js';
import { optionalEnv, urlEnv } from '../env-fields.js';
import { chatsForPlatform } from '../notifier/chat-bindings.js';
import { attachPosted } from '../notifier/message-attach.js';
import { secretDigest } from '../redis/lease.js';

export const SLACK = 'slack';

export const SLACK_EVENTS_PATH = '/slack/events';

const env = z.object({
  SLACK_BOT_TOKEN: optionalEnv.refine((v) => v === undefined || v.startsWith('xoxb-'), 'must start with xoxb-'),
  SLACK_SIGNING_SECRET: optionalEnv,
  SLACK_APP_TOKEN: optionalEnv.refine((v) => v === undefined || v.startsWith('xapp-'), 'must start with xapp-'),
  SLACK_COMMAND: z.string().regex(/^\/[a-z0-9_-]{1,31}$/, 'must be a slash command such as /deckhand').default('/deckhand'),
  SLACK_API_URL: urlEnv('Slack Web API base, default https://slack.com/api/'),
});

/** A Slack user id (U… or W…). */
const person = z.object({ slack: z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'a Slack user id such as U012AB3CD').optional() });

export const slackPlatform = {
  id: SLACK,
  userIdLabel: 'slack user id',
  personField: 'slack',
  person,
  bindsChats: true,
  env,
  enabledBy: 'SLACK_BOT_TOKEN',
  checkEnv(e, ctx) {
    if (e.SLACK_BOT_TOKEN && !e.SLACK_APP_TOKEN && !e.SLACK_SIGNING_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['SLACK_SIGNING_SECRET'], message: 'is required for HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)' });
    }
  },
  configured: (e, mode) => mode === 'server' && e.SLACK_BOT_TOKEN !== undefined,
  async wire(e, ctx) {
    const token = e.SLACK_BOT_TOKEN!;
    const [{ createSlackAdapter }, { createSlackDelivery, SLACK_LIMITS }] = await Promise.all([import('./slack.adapter.js'), import('./slack.delivery.js')]);
    // Every outbound message goes through the outbox, delivered per channel within Slack's limits; replies
    // too (the listener writes them there, then acknowledges the request), except when the outbox cannot be
    // written: those are sent at once on the adapter's own client and retried in its per-channel reply lanes.
    const { queue } = createSlackDelivery({
      token,
      apiUrl: e.SLACK_API_URL,
      chatsFor: chatsForPlatform(ctx.catalog.chats, SLACK),
      posted: ctx.posted,
      outbox: ctx.outbox,
      onPosted: (ref, pendingIds) => attachPosted(ctx.core, pendingIds, ref, ctx.logger),
      logger: ctx.logger,
      // The limits are the bot token's, whichever replica sends: kept in Redis when there is one.
      gate: ctx.rateGate?.(`slack:${secretDigest(token)}`, SLACK_LIMITS),
    });
    const adapter = createSlackAdapter({
      botToken: token,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      commandName: e.SLACK_COMMAND,
      apiUrl: e.SLACK_API_URL,
      core: ctx.core,
      logger: ctx.logger,
      isFirstSeen: (key) => ctx.isFirstSeen(key),
      outbox: queue,
    });
    const listener = adapter.requestListener;
    return {
      id: SLACK,
      adapter,
      notifier: queue,
      send: (chatId, reply) => queue.send(chatId, reply),
      routes: listener ? [{ method: 'POST', path: SLACK_EVENTS_PATH, handler: listener }] : [],
      readiness: [],
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
