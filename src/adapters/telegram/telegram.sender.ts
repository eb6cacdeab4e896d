import { type Api, GrammyError, InputFile } from 'grammy';
import { type Logger, silentLogger } from '../../core/ports/logger.port.js';
import { renderChartOrSkip } from '../charts/chart.renderer.js';
import type { TelegramDocument, TelegramMessage, TelegramPhoto } from './telegram.renderer.js';

type ChatId = number | string;

const TEXT_OPTIONS = { parse_mode: 'HTML', link_preview_options: { is_disabled: true } } as const;

/**
 * Sends rendered messages in order: each text (or photo), then its document. Returns the message_id of the
 * message that carries the inline keyboard, if any (the renderer puts it on the last message). A chart is
 * drawn here, at send time; one that cannot be drawn is logged and left out (its caption goes as a text).
 */
export async function sendMessages(api: Api, chatId: ChatId, messages: TelegramMessage[], logger: Logger = silentLogger): Promise<number | undefined> {
  let keyboardMessageId: number | undefined;
  for (const message of messages) {
    if (message.text !== '') {
      const sent = await api.sendMessage(chatId, message.text, withMarkup(message));
      if (message.reply_markup) keyboardMessageId = sent.message_id;
    }
    if (message.photo) await sendPhoto(api, chatId, message.photo, logger);
    if (message.document) await sendDocument(api, chatId, message.document);
  }
  return keyboardMessageId;
}

async function sendPhoto(api: Api, chatId: ChatId, photo: TelegramPhoto, logger: Logger): Promise<void> {
  const chart = await renderChartOrSkip(photo.chart, logger);
  if (!chart) {
    if (photo.caption) await api.sendMessage(chatId, photo.caption, { ...TEXT_OPTIONS });
    return;
  }
  const file = new InputFile(chart.png, chart.filename);
  await api.sendPhoto(chatId, file, photo.caption ? { caption: photo.caption, parse_mode: 'HTML' } : {});
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
  logger: Logger = silentLogger,
): Promise<number | undefined> {
  const [first, ...rest] = messages;
  if (!first) return undefined;
  if (first.text === '') {
    await ignoreNotModified(api.editMessageReplyMarkup(chatId, messageId));
    return sendMessages(api, chatId, messages, logger);
  }
  await ignoreNotModified(api.editMessageText(chatId, messageId, first.text, withMarkup(first)));
  if (first.document) await sendDocument(api, chatId, first.document);
  const later = await sendMessages(api, chatId, rest, logger);
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
