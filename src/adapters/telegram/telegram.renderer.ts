import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'grammy/types';
import { formatDefinitions, formatTable } from '../../core/messages/reply-builder.js';
import type { Block, Button, ChartSpec, MentionPerson, Reply } from '../../core/messages/reply.js';
import { encodeCallbackData } from './telegram.callback-data.js';
import { escapeHtml, escapedLines } from './telegram.html.js';
import { type HtmlBlock, packMessages } from './telegram.splitter.js';
import { TELEGRAM } from './telegram.platform.js';

/** Telegram's limit for a message text. */
export const TELEGRAM_TEXT_LIMIT = 4096;
/** Telegram's limit for a photo's caption, counted after the HTML is parsed (what the reader sees). */
export const TELEGRAM_CAPTION_LIMIT = 1024;

/** A file to send with sendDocument; `caption` is already HTML. */
export interface TelegramDocument {
  filename: string;
  content: string;
  caption?: string;
}

/**
 * A chart to send with sendPhoto, drawn at send time (the outbox keeps the spec, not the PNG); `caption`
 * is already HTML and is the whole reply when it fits a caption.
 */
export interface TelegramPhoto {
  chart: ChartSpec;
  caption?: string;
}

/**
 * One outbound message in HTML parse mode. `text` may be empty only when `document` or `photo` is set (the
 * message is then the photo, with the reply as its caption, or the document alone); a document is sent after
 * its text (or photo).
 */
export interface TelegramMessage {
  text: string;
  reply_markup?: InlineKeyboardMarkup;
  document?: TelegramDocument;
  photo?: TelegramPhoto;
}

export interface RenderOptions {
  /** Characters per message (default 4096). */
  limit?: number;
  /** Above this many messages, send the first part plus the whole plain text as a .txt file (default 4). */
  maxMessages?: number;
}

export const OVERFLOW_FILENAME = 'reply.txt';
const BUTTONS_PER_ROW = 3;

/** Renders a neutral Reply as Telegram messages: escaped HTML, split on line boundaries, buttons last. */
export function renderTelegram(reply: Reply, options: RenderOptions = {}): TelegramMessage[] {
  const limit = options.limit ?? TELEGRAM_TEXT_LIMIT;
  const maxMessages = options.maxMessages ?? 4;
  const blocks = reply.blocks.length > 0 ? reply.blocks : [{ type: 'text' as const, text: reply.text }];
  let parts = packMessages(blocks.map((b) => renderBlock(b, limit)).filter(isPresent), limit);
  if (parts.length === 0 && !reply.attachment) parts = ['<i>(empty reply)</i>'];
  let overflow: TelegramDocument | undefined;
  if (parts.length > maxMessages) {
    parts = parts.slice(0, 1);
    overflow = { filename: OVERFLOW_FILENAME, content: reply.text, caption: '<i>Full reply attached.</i>' };
  }
  const messages: TelegramMessage[] = parts.map((text) => ({ text }));
  const keyboard = inlineKeyboard(blocks);
  const last = messages[messages.length - 1];
  if (keyboard && last) last.reply_markup = keyboard;
  if (overflow && last) last.document = overflow;
  if (reply.attachment) {
    const { filename, content, title } = reply.attachment;
    const document: TelegramDocument = { filename, content };
    if (title) document.caption = escapeHtml(title);
    if (last && !last.document) last.document = document;
    else messages.push({ text: '', document });
  }
  return reply.chart ? withChart(messages, reply.chart) : messages;
}

/**
 * The chart as a photo: with the reply as its caption when the reply is one message without buttons whose
 * text fits a caption, else as a photo of its own after the reply's messages. A message with buttons stays
 * a text message, so progress can edit its text later.
 */
function withChart(messages: TelegramMessage[], chart: ChartSpec): TelegramMessage[] {
  const [only] = messages;
  if (messages.length === 1 && only && !only.reply_markup && only.text !== '' && captionLength(only.text) <= TELEGRAM_CAPTION_LIMIT) {
    const photo: TelegramMessage = { text: '', photo: { chart, caption: only.text } };
    if (only.document) photo.document = only.document;
    return [photo];
  }
  return [...messages, { text: '', photo: { chart } }];
}

/** Characters of a caption as Telegram counts them: after parsing, so tags are free and an entity is one. */
export function captionLength(html: string): number {
  return html.replace(/<[^>]*>/g, '').replace(/&(?:amp|lt|gt|quot|#\d+);/g, '_').length;
}

function renderBlock(block: Block, limit: number): HtmlBlock | undefined {
  switch (block.type) {
    case 'header':
      return plain(decorate(escapedLines(block.text, limit - 7), '<b>', '</b>'));
    case 'text':
      return plain(escapedLines(block.text, limit));
    case 'context':
      return plain(decorate(escapedLines(block.text, limit - 7), '<i>', '</i>'));
    case 'code':
      return pre(block.text, limit);
    case 'table':
      return pre(formatTable(block.columns, block.rows), limit);
    case 'definitions':
      return pre(formatDefinitions(block.items), limit);
    case 'fields':
      return plain(block.fields.flatMap((f) => fieldLines(f.label, f.value, limit)));
    case 'mention':
      return plain(mentionLines(block.people, block.text, limit));
    case 'buttons':
    case 'divider':
      return undefined;
  }
}

function fieldLines(label: string, value: string, limit: number): string[] {
  const head = `<b>${escapeHtml(label.slice(0, 64))}:</b> `;
  const [first = '', ...rest] = escapedLines(value, limit - head.length);
  return [head + first, ...rest];
}

/** `<a href="tg://user?id=…">Name</a>` for people with a Telegram id (they get notified), else the bare name. */
export function telegramMention(person: MentionPerson): string {
  const name = escapeHtml(person.name.slice(0, 64));
  const id = person.accounts?.[TELEGRAM];
  return id && /^\d{1,20}$/.test(id) ? `<a href="tg://user?id=${id}">${name}</a>` : name;
}

/** Mentions first, then the text; a line never splits a link, and long mention lists wrap between people. */
function mentionLines(people: MentionPerson[], text: string, limit: number): string[] {
  const lines: string[] = [];
  for (const tag of people.map(telegramMention)) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last]!.length + 1 + tag.length <= limit) lines[last] += ` ${tag}`;
    else lines.push(tag);
  }
  const [first = '', ...rest] = escapedLines(text, limit);
  const last = lines.length - 1;
  if (last >= 0 && first !== '' && lines[last]!.length + 1 + first.length <= limit) lines[last] += ` ${first}`;
  else lines.push(first);
  return [...lines, ...rest];
}

function pre(text: string, limit: number): HtmlBlock {
  return { open: '<pre>', close: '</pre>', lines: escapedLines(text, limit - '<pre></pre>'.length) };
}

function plain(lines: string[]): HtmlBlock {
  return { open: '', close: '', lines };
}

function decorate(lines: string[], open: string, close: string): string[] {
  return lines.map((l) => (l === '' ? '' : open + l + close));
}

function isPresent<T>(value: T | undefined): value is T {
  return value !== undefined;
}

function inlineKeyboard(blocks: Block[]): InlineKeyboardMarkup | undefined {
  const rows: InlineKeyboardButton[][] = [];
  for (const block of blocks) {
    if (block.type !== 'buttons') continue;
    for (let i = 0; i < block.buttons.length; i += BUTTONS_PER_ROW) {
      rows.push(block.buttons.slice(i, i + BUTTONS_PER_ROW).map(toKeyboardButton));
    }
  }
  return rows.length > 0 ? { inline_keyboard: rows } : undefined;
}

function toKeyboardButton(button: Button): InlineKeyboardButton {
  return { text: button.label, callback_data: encodeCallbackData(button) };
}
