import { randomUUID } from 'node:crypto';
import { Composer, type Context } from 'grammy';
import type { Chat } from 'grammy/types';
import { keepsClickedMessage } from '../../core/domain/incident-actions.js';
import { replies } from '../../core/messages/reply-builder.js';
import type { ActionEvent, ChatType, CommandEvent, InboundEvent } from '../../core/messages/inbound.js';
import type { Reply } from '../../core/messages/reply.js';
import type { ChatCore } from '../../core/pipeline/chat-core.js';
import type { Logger } from '../../core/ports/logger.port.js';
import { attachPosted, pendingIdsOf } from '../notifier/message-attach.js';
import { decodeCallbackData } from './telegram.callback-data.js';
import { parseCommand } from './telegram.command-parser.js';
import { type RenderOptions, type TelegramMessage, renderTelegram } from './telegram.renderer.js';
import { editWithMessages, sendMessages } from './telegram.sender.js';

export interface HandlerDeps {
  core: ChatCore;
  logger: Logger;
  isFirstSeen: (updateId: number) => Promise<boolean>;
  now: () => Date;
  render?: RenderOptions;
}

export const INVALID_BUTTON_TEXT = 'This button is no longer valid.';

/** Update handling: drop redeliveries, commands → CommandEvent, button clicks → ActionEvent. */
export function createTelegramHandlers(deps: HandlerDeps): Composer<Context> {
  const composer = new Composer<Context>();
  composer.use(async (ctx, next) => {
    if (await deps.isFirstSeen(ctx.update.update_id)) return next();
    deps.logger.debug({ updateId: ctx.update.update_id }, 'dropping redelivered telegram update');
  });
  composer.on('message:text', (ctx) => handleCommand(deps, ctx));
  composer.on('callback_query', (ctx) => handleCallback(deps, ctx));
  return composer;
}

async function handleCommand(deps: HandlerDeps, ctx: Context): Promise<void> {
  const message = ctx.message;
  const chatType = message && toChatType(message.chat.type);
  if (!message?.text || !message.from || !chatType) return;
  const text = parseCommand(message.text, ctx.me.username);
  if (text === undefined) return;
  const event: CommandEvent = {
    kind: 'command',
    ...base(deps, ctx, message.from, message.chat, chatType),
    text,
  };
  const reply = await dispatch(deps, event);
  const keyboardMessageId = await sendMessages(ctx.api, message.chat.id, renderSafely(deps, reply));
  await attachKeyboard(deps, reply, message.chat.id, keyboardMessageId);
}

async function handleCallback(deps: HandlerDeps, ctx: Context): Promise<void> {
  const query = ctx.callbackQuery;
  if (!query) return;
  const action = decodeCallbackData(query.data);
  const message = query.message;
  const chatType = message && toChatType(message.chat.type);
  if (!action || !message || !chatType) {
    await ctx.answerCallbackQuery({ text: INVALID_BUTTON_TEXT });
    return;
  }
  const event: ActionEvent = {
    kind: 'action',
    ...base(deps, ctx, query.from, message.chat, chatType),
    actionId: action.actionId,
    pendingId: action.pendingId,
    messageRef: { platform: 'telegram', chatId: String(message.chat.id), messageId: String(message.message_id) },
  };
  // The core answers clicks within the host timeout, so the query is answered once the answer is known.
  const reply = await dispatch(deps, event);
  if ((reply.tone === 'warning' || reply.tone === 'error') && pendingIdsOf(reply).length === 0) {
    // A refused or stale click changes nothing: tell only the clicker, leave the message (and its buttons) alone.
    await ctx.answerCallbackQuery({ text: reply.text.slice(0, 200), show_alert: true });
    return;
  }
  await ctx.answerCallbackQuery();
  const messages = renderSafely(deps, reply);
  // Alert buttons sit on the incident's living message: their answers (a Restart's confirm prompt) follow it.
  const keyboardMessageId = keepsClickedMessage(action.actionId)
    ? await sendMessages(ctx.api, message.chat.id, messages)
    : await editWithMessages(ctx.api, message.chat.id, message.message_id, messages);
  await attachKeyboard(deps, reply, message.chat.id, keyboardMessageId);
}

/** A reply with buttons was posted: tell the core which message holds them, so progress can edit it. */
async function attachKeyboard(deps: HandlerDeps, reply: Reply, chatId: number, messageId: number | undefined): Promise<void> {
  if (messageId === undefined) return;
  const ref = { platform: 'telegram' as const, chatId: String(chatId), messageId: String(messageId) };
  await attachPosted(deps.core, pendingIdsOf(reply), ref, deps.logger);
}

function base(
  deps: HandlerDeps,
  ctx: Context,
  from: { id: number; username?: string; first_name: string },
  chat: Chat,
  chatType: ChatType,
) {
  return {
    platform: 'telegram' as const,
    platformUserId: String(from.id),
    userName: from.username ?? from.first_name,
    chatId: String(chat.id),
    chatType,
    eventId: String(ctx.update.update_id),
    receivedAt: deps.now(),
  };
}

function toChatType(type: Chat['type']): ChatType | undefined {
  if (type === 'private') return 'private';
  if (type === 'group' || type === 'supergroup') return 'group';
  return undefined;
}

/** The core should never throw; if it does, the user gets a reference and the log gets the details. */
async function dispatch(deps: HandlerDeps, event: InboundEvent): Promise<Reply> {
  try {
    return await deps.core.handle(event);
  } catch (err) {
    return failure(deps, err, { eventKind: event.kind, eventId: event.eventId });
  }
}

function renderSafely(deps: HandlerDeps, reply: Reply): TelegramMessage[] {
  try {
    return renderTelegram(reply, deps.render);
  } catch (err) {
    return renderTelegram(failure(deps, err, { stage: 'render' }), deps.render);
  }
}

function failure(deps: HandlerDeps, err: unknown, bindings: Record<string, unknown>): Reply {
  const requestId = randomUUID().slice(0, 8);
  deps.logger.error({ err, requestId, ...bindings }, 'telegram request failed');
  return replies.error(`Something went wrong; it has been logged (request ${requestId}).`);
}
