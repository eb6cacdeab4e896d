import { randomUUID } from 'node:crypto';
import { Composer, type Context } from 'grammy';
import type { Chat } from 'grammy/types';
import { replies } from '../../core/messages/reply-builder.js';
import type { ActionEvent, ChatType, CommandEvent, MessageEvent } from '../../core/messages/inbound.js';
import type { Reply } from '../../core/messages/reply.js';
import type { ChatCore } from '../../core/pipeline/chat-core.js';
import type { Logger } from '../../core/ports/logger.port.js';
import { dispatchInbound, type InboundDispatch, type PostedMessage } from '../inbound-dispatch.js';
import { failureSummary } from '../notifier/delivery.errors.js';
import type { DeliveryQueue } from '../notifier/delivery.queue.js';
import { ReplyGivenUp, type ReplyLanes } from '../notifier/delivery.reply-lanes.js';
import { pendingIdsOf } from '../notifier/message-attach.js';
import { decodeCallbackData } from './telegram.callback-data.js';
import { TELEGRAM, telegramPlatform } from './telegram.platform.js';
import { parseCommand } from './telegram.command-parser.js';
import { type RenderOptions, renderTelegram } from './telegram.renderer.js';
import { editWithMessages, sendMessages } from './telegram.sender.js';

export interface HandlerDeps {
  core: ChatCore;
  logger: Logger;
  isFirstSeen: (updateId: number) => Promise<boolean>;
  now: () => Date;
  render?: RenderOptions;
  /** The per-chat lanes replies are sent and retried through (and answerCallbackQuery always). */
  lanes: ReplyLanes;
  /**
   * The outbox replies go through (the platform's DeliveryQueue): the handler returns once the reply is
   * written, so a webhook is answered without waiting for the chat's send slot, and the reply survives a
   * restart. A reply the outbox cannot take (PostgreSQL away) is sent inline through the lane instead.
   */
  outbox?: ReplyOutbox;
}

/** What the handlers need of the delivery queue. */
export type ReplyOutbox = Pick<DeliveryQueue, 'reply' | 'replyInPlace'>;

export const INVALID_BUTTON_TEXT = 'This button is no longer valid.';

/** Update handling: drop redeliveries, commands → CommandEvent, button clicks → ActionEvent. */
export function createTelegramHandlers(deps: HandlerDeps): Composer<Context> {
  const composer = new Composer<Context>();
  composer.use(async (ctx, next) => {
    if (await deps.isFirstSeen(ctx.update.update_id)) return next();
    deps.logger.debug({ updateId: ctx.update.update_id }, 'dropping redelivered telegram update');
  });
  composer.on('message:text', (ctx) => handleCommand(deps, ctx));
  // Photos (and pictures sent as files) answer a dialog's screenshot question; nothing else reads them.
  composer.on(['message:photo', 'message:document'], (ctx) => handleMessage(deps, ctx));
  composer.on('callback_query', (ctx) => handleCallback(deps, ctx));
  return composer;
}

async function handleCommand(deps: HandlerDeps, ctx: Context): Promise<void> {
  const message = ctx.message;
  const chatType = message && toChatType(message.chat.type);
  if (!message?.text || !message.from || !chatType) return;
  const text = parseCommand(message.text, ctx.me.username);
  if (text === undefined) return handleMessage(deps, ctx);
  const event: CommandEvent = {
    kind: 'command',
    ...base(deps, ctx, message.from, message.chat, chatType),
    text,
    // The asker's next messages in this chat reach the bot (in a group with privacy mode on: their replies to it).
    abilities: { followUps: true },
  };
  const chat = message.chat.id;
  const key = replyKey(ctx);
  // A bot cannot write to one member of a group only: every answer to a command is shown in the chat.
  await dispatchInbound(inbound(deps), event, {
    render: (reply) => renderTelegram(reply, deps.render),
    post: async (messages, reply) =>
      (await queued(deps, () => deps.outbox?.reply(String(chat), reply, { key, attach: pendingIdsOf(reply) }))) ??
      keyboardAt(chat, await sendMessages(ctx.api, chat, messages, deps.logger), reply),
  });
}

/** A message that is not a command: handed on as an answer when its sender has a dialog open in this chat. */
async function handleMessage(deps: HandlerDeps, ctx: Context): Promise<void> {
  const message = ctx.message;
  const chatType = message && toChatType(message.chat.type);
  if (!message?.from || !chatType || message.from.is_bot) return;
  const largest = message.photo?.at(-1);
  const picture = message.document?.mime_type?.startsWith('image/') ? message.document : undefined;
  const photoRef = largest?.file_id ?? picture?.file_id;
  const event: MessageEvent = {
    kind: 'message',
    ...base(deps, ctx, message.from, message.chat, chatType),
    ...(message.text !== undefined ? { text: message.text } : message.caption !== undefined ? { text: message.caption } : {}),
    ...(photoRef ? { photo: { ref: photoRef } } : {}),
  };
  if (event.text === undefined && !event.photo) return;
  const chat = message.chat.id;
  const key = replyKey(ctx);
  await dispatchInbound(inbound(deps), event, {
    render: (reply) => renderTelegram(reply, deps.render),
    post: async (messages, reply) =>
      (await queued(deps, () => deps.outbox?.reply(String(chat), reply, { key, attach: pendingIdsOf(reply) }))) ??
      keyboardAt(chat, await sendMessages(ctx.api, chat, messages), reply),
  });
}

async function handleCallback(deps: HandlerDeps, ctx: Context): Promise<void> {
  const query = ctx.callbackQuery;
  if (!query) return;
  const action = decodeCallbackData(query.data);
  const message = query.message;
  const chatType = message && toChatType(message.chat.type);
  if (!action || !message || !chatType) {
    await deps.lanes.run(String(message?.chat.id ?? query.from.id), () => answerClick(deps, ctx, { text: INVALID_BUTTON_TEXT }));
    return;
  }
  const event: ActionEvent = {
    kind: 'action',
    ...base(deps, ctx, query.from, message.chat, chatType),
    actionId: action.actionId,
    pendingId: action.pendingId,
    messageRef: { platform: TELEGRAM, chatId: String(message.chat.id), messageId: String(message.message_id) },
  };
  const chat = message.chat.id;
  const key = replyKey(ctx);
  const clicked = { platform: TELEGRAM, chatId: String(message.chat.id), messageId: String(message.message_id) };
  // The core answers clicks within the host timeout, so the query is answered once the answer is known.
  await dispatchInbound(inbound(deps), event, {
    render: (reply) => renderTelegram(reply, deps.render),
    // Only the clicker sees the alert; the message (and its buttons) stays as it is.
    // Past Telegram's window the alert is let go (logged): posting it in the chat instead would show
    // everyone what only the clicker may see.
    whisper: (_messages, reply) => answerClick(deps, ctx, { text: reply.text.slice(0, 200), show_alert: true }),
    // The reply is made durable first; only then is the click answered (a 429 there must not hold it up).
    post: async (messages, reply) => {
      const inOutbox = await queued(deps, () => deps.outbox?.reply(String(chat), reply, { key, attach: pendingIdsOf(reply) }));
      await answerClick(deps, ctx);
      return inOutbox ?? keyboardAt(chat, await sendMessages(ctx.api, chat, messages, deps.logger), reply);
    },
    replace: async (messages, reply) => {
      const inOutbox = await queued(deps, () => deps.outbox?.replyInPlace(clicked, reply, { key, attach: pendingIdsOf(reply) }));
      await answerClick(deps, ctx);
      return inOutbox ?? keyboardAt(chat, await editWithMessages(ctx.api, chat, message.message_id, messages, deps.logger), reply);
    },
  });
}

/** The outbox key of an update's reply: a redelivered update (or a second replica) queues it once. Update ids are per bot. */
function replyKey(ctx: Context): string {
  return `reply:${ctx.me.id}:${ctx.update.update_id}`;
}

/**
 * Hands a reply to the outbox: [] once it is written (the outbox tells the core where its buttons went);
 * undefined when there is no outbox or it could not be written, and the reply is sent inline instead.
 */
async function queued(deps: HandlerDeps, put: () => Promise<void> | undefined): Promise<[] | undefined> {
  if (!deps.outbox) return undefined;
  try {
    await put();
    return [];
  } catch (err) {
    deps.logger.warn({ err: failureSummary(err) }, 'outbox not writable; sending the reply directly');
    return undefined;
  }
}

/**
 * Answers the click. When Telegram cannot take it before the click's window closes (about 15 s), it is let
 * go with one log line: the answer only ends the button's spinner, and the reply itself (a message edit or a
 * new message) still goes on through the lane, with the reply's own expiry.
 */
async function answerClick(deps: HandlerDeps, ctx: Context, other?: { text: string; show_alert?: boolean }): Promise<void> {
  try {
    await ctx.answerCallbackQuery(other);
  } catch (err) {
    if (err instanceof ReplyGivenUp) {
      deps.logger.warn({ err: failureSummary(err.last), chatId: ctx.chat?.id }, "callback query not answered within Telegram's window; dropped");
      return;
    }
    // A refused answer ("query is too old" after a backlog) only leaves the spinner turning: the reply itself
    // goes on; sending an error reply would hit the same refusal.
    deps.logger.warn({ err: failureSummary(err), chatId: ctx.chat?.id }, 'callback query answer refused; dropped');
  }
}

/** The message that carries the keyboard, so the core can remember where the buttons are. */
function keyboardAt(chatId: number, messageId: number | undefined, reply: Reply): PostedMessage[] {
  return messageId === undefined ? [] : [{ chatId: String(chatId), messageId: String(messageId), pendingIds: pendingIdsOf(reply) }];
}

function inbound(deps: HandlerDeps): InboundDispatch {
  return {
    platform: telegramPlatform,
    core: deps.core,
    logger: deps.logger,
    lane: (chatId, send) => deps.lanes.run(chatId, send),
    // The core and the renderer should never throw; if they do, the user gets a reference and the log the
    // details. A failed send is thrown to grammY's error boundary, which logs it.
    failed: (err, step, event) =>
      step === 'handle' ? failure(deps, err, { eventKind: event.kind, eventId: event.eventId }) : step === 'render' ? failure(deps, err, { stage: 'render' }) : undefined,
  };
}

function base(
  deps: HandlerDeps,
  ctx: Context,
  from: { id: number; username?: string; first_name: string },
  chat: Chat,
  chatType: ChatType,
) {
  return {
    platform: TELEGRAM,
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

function failure(deps: HandlerDeps, err: unknown, bindings: Record<string, unknown>): Reply {
  const requestId = randomUUID().slice(0, 8);
  deps.logger.error({ err, requestId, ...bindings }, 'telegram request failed');
  return replies.error(`Something went wrong; it has been logged (request ${requestId}).`);
}
