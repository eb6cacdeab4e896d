import { type Api, GrammyError, InputFile } from 'grammy';
import type { TelegramDocument, TelegramMessage } from './telegram.renderer.js';

type ChatId = number | string;

const TEXT_OPTIONS = { parse_mode: 'HTML', link_preview_options: { is_disabled: true } } as const;

/**
 * Sends rendered messages in order: each text, then its document. Returns the message_id of the message
 * that carries the inline keyboard, if any (the renderer puts it on the last message).
 */
export async function sendMessages(api: Api, chatId: ChatId, messages: TelegramMessage[]): Promise<number | undefined> {
  let keyboardMessageId: number | undefined;
  for (const message of messages) {
    if (message.text !== '') {
      const sent = await api.sendMessage(chatId, message.text, withMarkup(message));
      if (message.reply_markup) keyboardMessageId = sent.message_id;
    }
    if (message.document) await sendDocument(api, chatId, message.document);
  }
  return keyboardMessageId;
}

/**
 * Replaces the message a button was on with the first rendered message (dropping the old keyboard
 * unless the reply brings a new one), then sends the rest as new messages. Returns the message_id of
 * the message that carries the new keyboard, if any.
 */
export async function editWithMessages(
  api: Api,
  chatId: ChatId,
  messageId: number,
  messages: TelegramMessage[],
): Promise<number | undefined> {
  const [first, ...rest] = messages;
  if (!first) return undefined;
  if (first.text === '') {
    await ignoreNotModified(api.editMessageReplyMarkup(chatId, messageId));
    return sendMessages(api, chatId, messages);
  }
  await ignoreNotModified(api.editMessageText(chatId, messageId, first.text, withMarkup(first)));
  if (first.document) await sendDocument(api, chatId, first.document);
  const later = await sendMessages(api, chatId, rest);
  return later ?? (first.reply_markup ? messageId : undefined);
}

async function sendDocument(api: Api, chatId: ChatId, document: TelegramDocument): Promise<void> {
  const file = new InputFile(Buffer.from(document.content, 'utf8'), document.filename);
  await api.sendDocument(chatId, file, document.caption ? { caption: document.caption, parse_mode: 'HTML' } : {});
}

function withMarkup(message: TelegramMessage) {
  return message.reply_markup ? { ...TEXT_OPTIONS, reply_markup: message.reply_markup } : { ...TEXT_OPTIONS };
}

/** True for Telegram's answers when a message can no longer be edited (deleted, too old, not ours). */
export function isUneditable(err: unknown): boolean {
  return (
    err instanceof GrammyError &&
    /message to edit not found|message can't be edited|MESSAGE_ID_INVALID/i.test(err.description)
  );
}

/** A double click can re-render identical content; Telegram then answers 400 "message is not modified". */
async function ignoreNotModified(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (err) {
    if (err instanceof GrammyError && err.description.includes('message is not modified')) return;
    throw err;
  }
}
