import { z } from 'zod';
import type { ActionEvent, ChatType, CommandEvent } from '../../core/messages/inbound.js';
import { clickedActionId } from './slack-action-id.js';
import { unescapeMrkdwn } from './slack-mrkdwn.js';
import { SLACK } from './slack.platform.js';

/** Validation of the Slack payload fields the adapter uses; everything else is ignored. */

const id = z.string().min(1).max(64);

export const slashCommandSchema = z.object({
  command: z.string().min(1),
  text: z.string().max(4000).default(''),
  user_id: id,
  user_name: z.string().max(200).optional(),
  channel_id: id,
  channel_name: z.string().max(200).optional(),
  trigger_id: z.string().max(200).optional(),
  response_url: z.url(),
});

export const appMentionSchema = z.object({
  event_id: z.string().min(1).max(200).optional(),
  event: z.object({
    type: z.literal('app_mention'),
    user: id,
    text: z.string().max(40_000),
    ts: z.string().min(1).max(64),
    channel: id,
    thread_ts: z.string().min(1).max(64).optional(),
    channel_type: z.string().max(32).optional(),
  }),
});

export const blockActionSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id, username: z.string().max(200).optional(), name: z.string().max(200).optional() }),
  channel: z.object({ id, name: z.string().max(200).optional() }).optional(),
  container: z
    .object({ message_ts: z.string().regex(/^\d{1,12}\.\d{1,8}$/).optional(), channel_id: id.optional(), is_ephemeral: z.boolean().optional() })
    .optional(),
  trigger_id: z.string().max(200).optional(),
  response_url: z.url().optional(),
  actions: z
    .array(z.object({ type: z.string(), action_id: z.string().min(1).max(255), value: z.string().min(1).max(2000).optional() }))
    .min(1),
});

export type SlashCommandPayload = z.infer<typeof slashCommandSchema>;
export type AppMentionPayload = z.infer<typeof appMentionSchema>;
export type BlockActionPayload = z.infer<typeof blockActionSchema>;

/** DMs have ids starting with D (slash commands also say channel_name "directmessage"). */
export function chatTypeOf(channelId: string, channelName?: string): ChatType {
  return channelId.startsWith('D') || channelName === 'directmessage' || channelName === 'im' ? 'private' : 'group';
}

/** Command text without Slack's escaping; an empty command asks for help. */
export function commandText(raw: string): string {
  const text = unescapeMrkdwn(raw).trim().replace(/\s+/g, ' ');
  return text.length > 0 ? text : 'help';
}

/** A Slack user mention as a word of a command: `<@U012AB3CD>` or `<@U012AB3CD|ann>`. */
const USER_MENTION = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/;

/**
 * The words of a command that mention a Slack user, each with the user id it names (the core finds the
 * configured person with that Slack account), or undefined when there are none.
 */
export function mentionsOf(text: string): Record<string, string> | undefined {
  const found = text.split(' ').flatMap((word) => {
    const m = USER_MENTION.exec(word);
    return m?.[1] ? [[word, m[1]] as const] : [];
  });
  return found.length > 0 ? Object.fromEntries(found) : undefined;
}

function withMentions(event: CommandEvent): CommandEvent {
  const mentions = mentionsOf(event.text);
  if (mentions) event.mentions = mentions;
  return event;
}

export function commandEventFromSlash(p: SlashCommandPayload, receivedAt: Date): CommandEvent {
  const event: CommandEvent = {
    kind: 'command',
    platform: SLACK,
    platformUserId: p.user_id,
    chatId: p.channel_id,
    chatType: chatTypeOf(p.channel_id, p.channel_name),
    text: commandText(p.text),
    receivedAt,
  };
  if (p.user_name) event.userName = p.user_name;
  if (p.trigger_id) event.eventId = p.trigger_id;
  // Its trigger id opens a modal (views.open) for the next 3 seconds.
  if (p.trigger_id) event.abilities = { form: true };
  return withMentions(event);
}

/** Removes mentions of the bot (`<@U123>` or `<@U123|name>`), or the leading mention when the bot id is unknown. */
export function stripMention(text: string, botUserId?: string): string {
  if (botUserId) return text.replace(new RegExp(`<@${botUserId}(\\|[^>]*)?>`, 'g'), ' ');
  return text.replace(/^\s*<@[A-Z0-9]+(\|[^>]*)?>/, ' ');
}

export function commandEventFromMention(p: AppMentionPayload, receivedAt: Date, botUserId?: string): CommandEvent {
  const e = p.event;
  const event: CommandEvent = {
    kind: 'command',
    platform: SLACK,
    platformUserId: e.user,
    chatId: e.channel,
    chatType: e.channel_type === 'im' ? 'private' : chatTypeOf(e.channel),
    text: commandText(stripMention(e.text, botUserId)),
    receivedAt,
  };
  if (p.event_id) event.eventId = p.event_id;
  return withMentions(event);
}

/** The clicked button as an ActionEvent, or undefined when the action is not one of our buttons. */
export function actionEventFromBlockAction(p: BlockActionPayload, receivedAt: Date): ActionEvent | undefined {
  const action = p.actions[0];
  const chatId = p.channel?.id ?? p.container?.channel_id;
  if (!action || action.type !== 'button' || !action.value || !chatId) return undefined;
  const event: ActionEvent = {
    kind: 'action',
    platform: SLACK,
    platformUserId: p.user.id,
    chatId,
    chatType: chatTypeOf(chatId, p.channel?.name),
    actionId: clickedActionId(action.action_id),
    pendingId: action.value,
    receivedAt,
  };
  const name = p.user.username ?? p.user.name;
  if (name) event.userName = name;
  if (p.trigger_id) event.eventId = p.trigger_id;
  const ts = editableMessageTs(p);
  if (ts) event.messageRef = { platform: SLACK, chatId, messageId: ts };
  return event;
}

/** The clicked message's ts, when chat.update can edit it later (ephemeral messages cannot be updated). */
export function editableMessageTs(p: BlockActionPayload): string | undefined {
  if (p.container?.is_ephemeral) return undefined;
  return p.container?.message_ts;
}

/** An Events API envelope as far as routing and redelivery need it (each event's listener checks the rest). */
export const eventEnvelopeSchema = z.object({
  type: z.literal('event_callback'),
  event_id: z.string().min(1).max(200),
  event: z.looseObject({ type: z.string().min(1).max(100) }),
});

/** A submitted modal as far as routing needs it (slack-form.ts checks the rest). */
const viewSubmissionCheck = z.object({
  type: z.literal('view_submission'),
  user: z.object({ id }),
  view: z.looseObject({ callback_id: z.string().min(1).max(255), private_metadata: z.string().max(3000), state: z.looseObject({ values: z.record(z.string(), z.unknown()) }) }),
});

/** The request kinds this app answers; any other signed request is acknowledged and ignored. */
const requestSchemas = new Map<string, z.ZodType>([
  ['event_callback', eventEnvelopeSchema],
  ['block_actions', blockActionSchema],
  ['view_submission', viewSubmissionCheck],
]);

export type SlackRequestCheck =
  | { kind: 'handle' }
  | { kind: 'ssl_check' }
  | { kind: 'url_verification' }
  /** A body that is not a payload at all (JSON null, a number, an array…): answered 400. */
  | { kind: 'malformed'; reason: string }
  /** A payload of a kind the app does not handle, or lacking fields it needs: acknowledged and ignored. */
  | { kind: 'invalid'; what: string; issues: string[] };

const plainObject = z.record(z.string(), z.unknown());

/**
 * Checks a verified, parsed request body before Bolt sees it, so a payload lacking fields is answered and
 * ignored rather than crashing Bolt's routing (which dereferences `event`, `actions`, `view`… unchecked).
 */
export function checkSlackRequest(body: unknown): SlackRequestCheck {
  const object = plainObject.safeParse(body);
  if (!object.success || Array.isArray(body)) return { kind: 'malformed', reason: `body is ${body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body}` };
  const b = object.data;
  if (b['ssl_check'] === '1') return { kind: 'ssl_check' };
  if (b['type'] === 'url_verification' && typeof b['challenge'] === 'string') return { kind: 'url_verification' };
  const what = b['command'] !== undefined ? 'slash command' : typeof b['type'] === 'string' ? b['type'].slice(0, 64) : 'request without a type';
  const schema = b['command'] !== undefined ? slashCommandSchema : typeof b['type'] === 'string' ? requestSchemas.get(b['type']) : undefined;
  if (!schema) return { kind: 'invalid', what, issues: ['not a request kind this app handles'] };
  const parsed = schema.safeParse(b);
  if (!parsed.success) return { kind: 'invalid', what, issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) };
  return { kind: 'handle' };
}
