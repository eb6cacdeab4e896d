import { z } from 'zod';
import type { ActionEvent, ChatType, CommandEvent } from '../../core/messages/inbound.js';
import { unescapeMrkdwn } from './slack-mrkdwn.js';

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

export function commandEventFromSlash(p: SlashCommandPayload, receivedAt: Date): CommandEvent {
  const event: CommandEvent = {
    kind: 'command',
    platform: 'slack',
    platformUserId: p.user_id,
    chatId: p.channel_id,
    chatType: chatTypeOf(p.channel_id, p.channel_name),
    text: commandText(p.text),
    receivedAt,
  };
  if (p.user_name) event.userName = p.user_name;
  if (p.trigger_id) event.eventId = p.trigger_id;
  return event;
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
    platform: 'slack',
    platformUserId: e.user,
    chatId: e.channel,
    chatType: e.channel_type === 'im' ? 'private' : chatTypeOf(e.channel),
    text: commandText(stripMention(e.text, botUserId)),
    receivedAt,
  };
  if (p.event_id) event.eventId = p.event_id;
  return event;
}

/** The clicked button as an ActionEvent, or undefined when the action is not one of our buttons. */
export function actionEventFromBlockAction(p: BlockActionPayload, receivedAt: Date): ActionEvent | undefined {
  const action = p.actions[0];
  const chatId = p.channel?.id ?? p.container?.channel_id;
  if (!action || action.type !== 'button' || !action.value || !chatId) return undefined;
  const event: ActionEvent = {
    kind: 'action',
    platform: 'slack',
    platformUserId: p.user.id,
    chatId,
    chatType: chatTypeOf(chatId, p.channel?.name),
    actionId: action.action_id,
    pendingId: action.value,
    receivedAt,
  };
  const name = p.user.username ?? p.user.name;
  if (name) event.userName = name;
  if (p.trigger_id) event.eventId = p.trigger_id;
  const ts = editableMessageTs(p);
  if (ts) event.messageRef = { platform: 'slack', chatId, messageId: ts };
  return event;
}

/** The clicked message's ts, when chat.update can edit it later (ephemeral messages cannot be updated). */
export function editableMessageTs(p: BlockActionPayload): string | undefined {
  if (p.container?.is_ephemeral) return undefined;
  return p.container?.message_ts;
}
