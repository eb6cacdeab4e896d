import { createHash } from 'node:crypto';
import type { App, webApi } from '@slack/bolt';
import { z } from 'zod';
import type { Logger } from '../../core/ports/logger.port.js';
import { failureSummary } from '../notifier/delivery.errors.js';
import { dispatch, type DispatchDeps } from './slack-dispatch.js';
import { RECEIVED_AT, SIGNATURE_HASH } from './slack-http.receiver.js';
import type { IsFirstSeen } from '../memory-dedupe.js';
import {
  actionEventFromBlockAction,
  appMentionSchema,
  blockActionSchema,
  commandEventFromMention,
  commandEventFromSlash,
  editableMessageTs,
  slashCommandSchema,
} from './slack-event.parser.js';
import { actionTarget, mentionTarget, slashTarget } from './slack-reply.target.js';
import { formEventFromSubmission, formView, viewSubmissionSchema } from './slack-form.js';
import type { Reply } from '../../core/messages/reply.js';

export interface ListenerDeps extends DispatchDeps {
  commandName: string;
  isFirstSeen: IsFirstSeen;
  now: () => Date;
}

const eventEnvelope = z.object({ event_id: z.string().min(1).max(200) });
const triggered = z.object({ trigger_id: z.string().min(1).max(200) });

/**
 * The key a request is recognised by when Slack (or anyone holding a captured request) sends it again:
 * an Events API event by its event_id (Slack's retries are signed anew), a slash command or interaction by
 * its trigger_id, anything else by the hash of its timestamp and signature (HTTP mode only).
 */
export function requestKey(body: unknown, context: Record<string, unknown>): string | undefined {
  const envelope = eventEnvelope.safeParse(body);
  if (envelope.success) return envelope.data.event_id;
  const trigger = triggered.safeParse(body);
  if (trigger.success) {
    const id = trigger.data.trigger_id;
    return `slack-req:${id.length <= 180 ? id : createHash('sha256').update(id).digest('hex')}`;
  }
  const signature = context[SIGNATURE_HASH];
  return typeof signature === 'string' ? `slack-sig:${signature}` : undefined;
}

/** The outbox key of a request's reply: the request's own key, so a redelivery or a second replica queues it once. */
export function replyKey(body: unknown, context: Record<string, unknown>): string | undefined {
  const key = requestKey(body, context);
  if (key === undefined) return undefined;
  return `reply:${key.length <= 180 ? key : createHash('sha256').update(key).digest('hex')}`;
}

/** Slack counts 3 s from sending the request; acknowledged by this long after it arrived, whatever else is going on. */
const ACK_WITHIN_MS = 2_000;

/**
 * The request's acknowledgement, given once: when the reply is durable (`accepted` in slack-dispatch.ts),
 * or `ACK_WITHIN_MS` after the request arrived if that comes first (a slow core, a slow outbox), so Slack's
 * 3-second limit always holds. It never waits for the reply's send.
 */
export function boundedAck(ack: () => Promise<void>, context: Record<string, unknown>, log: Logger): () => Promise<void> {
  let once: Promise<void> | undefined;
  const give = () => {
    clearTimeout(timer);
    once ??= ack().catch((err: unknown) => log.warn({ err: failureSummary(err) }, 'acknowledging the slack request failed'));
    return once;
  };
  const arrived = typeof context[RECEIVED_AT] === 'number' ? context[RECEIVED_AT] : Date.now();
  const timer = setTimeout(() => void give(), Math.max(0, arrived + ACK_WITHIN_MS - Date.now()));
  timer.unref();
  return give;
}

/**
 * Drops requests already seen (Slack retries with X-Slack-Retry-Num, replays of a signed request within its
 * 5-minute window): acknowledged, so Slack stops retrying, and logged at info. When the store cannot answer
 * the request is handled anyway (a click's pending action is still claimed only once).
 */
export function registerDedupe(app: App, deps: ListenerDeps): void {
  app.use(async (args) => {
    const { body, context, next } = args;
    const key = requestKey(body, context);
    if (key !== undefined && !(await firstSeen(deps, key))) {
      if ('ack' in args && typeof args.ack === 'function') await args.ack();
      deps.logger.info({ key, retryNum: context.retryNum, retryReason: context.retryReason }, 'dropped a repeated slack request');
      return;
    }
    await next();
  });
}

/** Slack wants its answer within 3 s; a store slower than this is treated as unavailable. */
const DEDUPE_WITHIN_MS = 1_500;

async function firstSeen(deps: ListenerDeps, key: string): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${DEDUPE_WITHIN_MS} ms`)), DEDUPE_WITHIN_MS);
    timer.unref();
  });
  try {
    return await Promise.race([deps.isFirstSeen(key), slow]);
  } catch (err) {
    deps.logger.warn({ err: failureSummary(err), key }, 'slack dedupe store unavailable; handling the request');
    return true;
  } finally {
    clearTimeout(timer);
  }
}

function invalid(log: Logger, what: string, error: z.ZodError): void {
  log.warn({ issues: error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) }, `ignored invalid slack ${what}`);
}

/** `/deckhand status shop prod`: ack once the reply is in the outbox, then answer through response_url. */
export function registerCommand(app: App, deps: ListenerDeps): void {
  app.command(deps.commandName, async ({ ack, body, respond, client, context }) => {
    const accepted = boundedAck(() => ack(), context, deps.logger);
    const parsed = slashCommandSchema.safeParse(body);
    if (!parsed.success) {
      await accepted();
      return invalid(deps.logger, 'slash command', parsed.error);
    }
    const event = commandEventFromSlash(parsed.data, deps.now());
    const trigger = parsed.data.trigger_id;
    // A reply that is a form opens as a modal from the command's trigger id.
    const openForm = trigger
      ? async (reply: Reply) => {
          if (reply.form) await client.views.open({ trigger_id: trigger, view: formView(reply.form, event.chatId) as unknown as webApi.ViewsOpenArguments['view'] });
        }
      : undefined;
    const asked = { user: parsed.data.user_id, responseUrl: parsed.data.response_url };
    const key = replyKey(body, context);
    await dispatch(deps, client, event, slashTarget(respond, client, event.chatId, asked), { form: openForm, accepted, ...(key ? { key } : {}) });
  });
}

/** `@Deckhand status shop prod`: Events API acks itself; answer in the mention's thread or channel. */
export function registerMention(app: App, deps: ListenerDeps): void {
  app.event('app_mention', async ({ body, context, client }) => {
    const parsed = appMentionSchema.safeParse(body);
    if (!parsed.success) return invalid(deps.logger, 'app_mention', parsed.error);
    const event = commandEventFromMention(parsed.data, deps.now(), context.botUserId);
    const e = parsed.data.event;
    const key = replyKey(body, context);
    await dispatch(deps, client, event, mentionTarget(client, e.channel, e.user, e.thread_ts), key ? { key } : {});
  });
}

/** A submitted modal (a form of the core's): ack at once (the modal closes), then the answer goes to the channel it came from. */
export function registerViews(app: App, deps: ListenerDeps): void {
  app.view({ type: 'view_submission' }, async ({ ack, body, client, context }) => {
    // Acknowledged at once: the ack closes the modal, and the form's answer goes to the channel after it.
    await ack();
    const parsed = viewSubmissionSchema.safeParse(body);
    if (!parsed.success) return invalid(deps.logger, 'view submission', parsed.error);
    const event = formEventFromSubmission(parsed.data, deps.now());
    if (!event) return deps.logger.warn({ callbackId: parsed.data.view.callback_id }, 'ignored slack view submission that is not one of our forms');
    const key = replyKey(body, context);
    await dispatch(deps, client, event, mentionTarget(client, event.chatId, event.platformUserId), key ? { key } : {});
  });
}

/** Button clicks: ack, dispatch an ActionEvent, answer in place of the clicked message or after it, as the core says. */
export function registerActions(app: App, deps: ListenerDeps): void {
  app.action({ type: 'block_actions' }, async ({ ack, body, respond, client, context }) => {
    const accepted = boundedAck(() => ack(), context, deps.logger);
    const parsed = blockActionSchema.safeParse(body);
    const event = parsed.success ? actionEventFromBlockAction(parsed.data, deps.now()) : undefined;
    if (!parsed.success || !event) {
      await accepted();
      if (!parsed.success) return invalid(deps.logger, 'block action', parsed.error);
      return deps.logger.warn({ actionId: parsed.data.actions[0]?.action_id }, 'ignored slack action without a value');
    }
    const p = parsed.data;
    const messageTs = editableMessageTs(p);
    const clicked = { channel: event.chatId, user: event.platformUserId, ...(messageTs ? { messageTs } : {}) };
    const key = replyKey(body, context);
    const target = actionTarget(client, clicked, p.response_url ? respond : undefined, p.response_url);
    await dispatch(deps, client, event, target, { accepted, ...(key ? { key } : {}) });
  });
}
