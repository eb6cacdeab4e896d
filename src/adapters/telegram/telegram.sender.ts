import { type Api, GrammyError, InputFile } from 'grammy';
import { type Logger, silentLogger } from '../../core/ports/logger.port.js';
import { renderChartOrSkip } from '../charts/chart.renderer.js';
import { noProgress, postParts, type Part, type PartProgress } from '../notifier/delivery.parts.js';
import type { TelegramDocument, TelegramMessage, TelegramPhoto } from './telegram.renderer.js';

type ChatId = number | string;

const TEXT_OPTIONS = { parse_mode: 'HTML', link_preview_options: { is_disabled: true } } as const;

/**
 * Sends rendered messages in order: each text (or photo), then its document. Returns the message_id of the
 * message that carries the inline keyboard, if any (the renderer puts it on the last message). A chart is
 * drawn here, at send time; one that cannot be drawn is logged and left out (its caption goes as a text).
 * `progress` (the delivery queue's): the calls an earlier try made are skipped, each new one is recorded.
 */
export async function sendMessages(api: Api, chatId: ChatId, messages: TelegramMessage[], logger: Logger = silentLogger, progress: PartProgress = noProgress): Promise<number | undefined> {
  const { parts, keyboard } = messageParts(api, chatId, messages, logger);
  const ids = await postParts(parts, progress);
  return keyboard === undefined ? undefined : Number(ids[keyboard]);
}

/** The calls that post `messages`, one message each, in order, and which of them posts the keyboard (the last that does). */
export function messageParts(api: Api, chatId: ChatId, messages: readonly TelegramMessage[], logger: Logger = silentLogger): { parts: Part[]; keyboard?: number } {
  const parts: Part[] = [];
  let keyboard: number | undefined;
  for (const message of messages) {
    if (message.text !== '') {
      if (message.reply_markup) keyboard = parts.length;
      parts.push(async () => String((await api.sendMessage(chatId, message.text, withMarkup(message))).message_id));
    }
    const { photo, document } = message;
    if (photo) parts.push(() => sendPhoto(api, chatId, photo, logger));
    if (document) parts.push(() => sendDocument(api, chatId, document));
  }
  return keyboard === undefined ? { parts } : { parts, keyboard };
}

async function sendPhoto(api: Api, chatId: ChatId, photo: TelegramPhoto, logger: Logger): Promise<string | undefined> {
  const chart = await renderChartOrSkip(photo.chart, logger);
  if (!chart) {
    if (!photo.caption) return undefined;
    return String((await api.sendMessage(chatId, photo.caption, { ...TEXT_OPTIONS })).message_id);
  }
  const file = new InputFile(chart.png, chart.filename);
  return String((await api.sendPhoto(chatId, file, photo.caption ? { caption: photo.caption, parse_mode: 'HTML' } : {})).message_id);
}

/**
 * Replaces the message a button was on with the first rendered message (dropping the old keyboard
 * unless the reply brings a new one), then sends the rest as new messages. Returns the message_id of
 * the message that carries the new keyboard, if any. `progress` as for `sendMessages` (the edit is the first call).
 */
export async function editWithMessages(
  api: Api,
  chatId: ChatId,
  messageId: number,
  messages: TelegramMessage[],
  logger: Logger = silentLogger,
  progress: PartProgress = noProgress,
): Promise<number | undefined> {
  const [first, ...rest] = messages;
  if (!first) return undefined;
  const edited = String(messageId);
  if (first.text === '') {
    const all = messageParts(api, chatId, messages, logger);
    const clearKeyboard: Part = async () => {
      await ignoreNotModified(api.editMessageReplyMarkup(chatId, messageId));
      return edited;
    };
    const ids = await postParts([clearKeyboard, ...all.parts], progress);
    return all.keyboard === undefined ? undefined : Number(ids[all.keyboard + 1]);
  }
  const later = messageParts(api, chatId, first.document ? [{ text: '', document: first.document }, ...rest] : rest, logger);
  const edit: Part = async () => {
    await ignoreNotModified(api.editMessageText(chatId, messageId, first.text, withMarkup(first)));
    return edited;
  };
  const ids = await postParts([edit, ...later.parts], progress);
  if (later.keyboard !== undefined) return Number(ids[later.keyboard + 1]);
  return first.reply_markup ? messageId : undefined;
}

async function sendDocument(api: Api, chatId: ChatId, document: TelegramDocument): Promise<string> {
  const file = new InputFile(Buffer.from(document.content, 'utf8'), document.filename);
  return String((await api.sendDocument(chatId, file, document.caption ? { caption: document.caption, parse_mode: 'HTML' } : {})).message_id);
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
