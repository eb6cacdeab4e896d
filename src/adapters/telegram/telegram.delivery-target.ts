import type { Api } from 'grammy';
import { z } from 'zod';
import type { Reply } from '../../core/messages/reply.js';
import type { Logger } from '../../core/ports/logger.port.js';
import type { MessageRef } from '../../core/ports/pending-action.port.js';
import { type RenderOptions, type TelegramMessage, renderTelegram } from './telegram.renderer.js';
import type { DeliveryTarget, Sent } from '../notifier/delivery.queue.js';
import type { OutboxAddress } from '../notifier/outbox.port.js';
import { noProgress, postParts, type PartProgress } from '../notifier/delivery.parts.js';
import { editWithMessages, isUneditable, messageParts } from './telegram.sender.js';

export interface TelegramDeliveryTargetOptions {
  /** The Api to call: the delivery queue's own (rate gate, no auto-retry), or the adapter's `bot.api`. */
  api: Api;
  logger: Logger;
  render?: RenderOptions;
}

const chatId = z.string().regex(/^-?\d{1,15}$/, 'a numeric Telegram chat id');
const refSchema = z.object({
  platform: z.literal('telegram'),
  chatId,
  messageId: z.string().regex(/^\d{1,12}$/, 'a Telegram message_id'),
});

/**
 * Push calls to Telegram, the target the delivery queue (telegram.delivery.ts) hands pushes to, one chat at
 * a time: progress edits the confirm message in place, a keyed message is posted once and edited after.
 * Fan-out to the chats bound to a project is the queue's.
 */
export class TelegramDeliveryTarget implements DeliveryTarget {
  private readonly logger: Logger;

  constructor(private readonly opts: TelegramDeliveryTargetOptions) {
    this.logger = opts.logger.child({ notifier: 'telegram' });
  }

  /**
   * editMessageText with the rendered HTML; the keyboard goes away unless the reply brings buttons. An
   * unchanged text ("message is not modified") is fine; a message that can no longer be edited (deleted,
   * "message to edit not found") gets the reply as a new message instead, whose message_id is returned
   * (`first`). `buttons`: the message that carries the reply's keyboard. Other failures throw. With
   * `progress`, the calls an earlier try made (the edit first) are not made again.
   */
  async edit(ref: MessageRef, reply: Reply, _address?: OutboxAddress, progress: PartProgress = noProgress): Promise<Sent> {
    const parsed = refSchema.parse(ref);
    const chat = Number(parsed.chatId);
    const messageId = Number(parsed.messageId);
    const messages = renderTelegram(reply, this.opts.render);
    const [done] = progress.posted;
    // An earlier try found the message gone and began posting the reply anew: go on with that.
    if (done !== undefined && done !== parsed.messageId) return this.post(chat, messages, progress);
    try {
      const buttons = await editWithMessages(this.opts.api, chat, messageId, messages, this.logger, progress);
      return buttons === undefined ? {} : { buttons: String(buttons) };
    } catch (err) {
      if (!isUneditable(err)) throw err;
      this.logger.info({ chatId: chat, messageId }, 'message no longer editable; sending the update as a new message');
      return this.post(chat, messages, progress);
    }
  }

  /**
   * Posts to one chat; returns the message_id of the first message (the one later edits replace) and of the
   * one carrying the keyboard (the renderer puts it on the last). Throws on failure. With `progress`, the
   * messages an earlier try posted are not posted again.
   */
  async send(chat: string, reply: Reply, _address?: OutboxAddress, progress: PartProgress = noProgress): Promise<Sent> {
    return this.post(Number(chatId.parse(chat)), renderTelegram(reply, this.opts.render), progress);
  }

  /** Sends the messages in order; the first one's id, unless it is a bare document or a photo (no text to edit later). */
  private async post(chat: number, messages: TelegramMessage[], progress: PartProgress): Promise<Sent> {
    const { parts, keyboard } = messageParts(this.opts.api, chat, messages, this.logger);
    const ids = await postParts(parts, progress);
    const first = messages[0]?.text ? ids[0] : undefined;
    const buttons = keyboard === undefined ? undefined : ids[keyboard];
    return { ...(first ? { first } : {}), ...(buttons ? { buttons } : {}) };
  }
}
