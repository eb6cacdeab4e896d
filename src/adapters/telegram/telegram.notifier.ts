import type { Api } from 'grammy';
import { z } from 'zod';
import type { Reply } from '../../core/messages/reply.js';
import type { Logger } from '../../core/ports/logger.port.js';
import type { Notifier } from '../../core/ports/notifier.port.js';
import type { MessageRef } from '../../core/ports/pending-action.port.js';
import { type RenderOptions, renderTelegram } from './telegram.renderer.js';
import { editWithMessages, isUneditable, sendMessages } from './telegram.sender.js';

export interface TelegramNotifierOptions {
  /** The adapter's `bot.api`: its calls already go through the per-chat throttler and 429 auto-retry. */
  api: Api;
  /** Telegram chat ids bound to a project (announcements go to each). */
  chatsFor: (project: string) => string[];
  logger: Logger;
  render?: RenderOptions;
}

const chatId = z.string().regex(/^-?\d{1,15}$/, 'a numeric Telegram chat id');
const refSchema = z.object({
  platform: z.literal('telegram'),
  chatId,
  messageId: z.string().regex(/^\d{1,12}$/, 'a Telegram message_id'),
});

/** Push delivery to Telegram: progress edits the confirm message in place; announcements go to bound chats. */
export class TelegramNotifier implements Notifier {
  private readonly logger: Logger;

  constructor(private readonly opts: TelegramNotifierOptions) {
    this.logger = opts.logger.child({ notifier: 'telegram' });
  }

  /**
   * editMessageText with the rendered HTML; the keyboard goes away unless the reply brings buttons. An
   * unchanged text ("message is not modified") is fine; a message that can no longer be edited gets the
   * reply as a new message instead. Other failures throw.
   */
  async edit(ref: MessageRef, reply: Reply): Promise<void> {
    const parsed = refSchema.parse(ref);
    const chat = Number(parsed.chatId);
    const messageId = Number(parsed.messageId);
    const messages = renderTelegram(reply, this.opts.render);
    try {
      await editWithMessages(this.opts.api, chat, messageId, messages);
    } catch (err) {
      if (!isUneditable(err)) throw err;
      this.logger.info({ chatId: chat, messageId }, 'message no longer editable; sending the update as a new message');
      await sendMessages(this.opts.api, chat, messages);
    }
  }

  /** sendMessage to every Telegram chat bound to the project; one chat failing does not stop the others. */
  async announce(project: string, reply: Reply): Promise<void> {
    const messages = renderTelegram(reply, this.opts.render);
    for (const chat of new Set(this.opts.chatsFor(project))) {
      if (!chatId.safeParse(chat).success) {
        this.logger.warn({ project, chatId: chat }, 'skipping a malformed Telegram chat id');
        continue;
      }
      try {
        await sendMessages(this.opts.api, Number(chat), messages);
      } catch (err) {
        this.logger.error({ err: summary(err), project, chatId: chat }, 'telegram announcement failed');
      }
    }
  }
}

function summary(err: unknown): { message: string } {
  return { message: err instanceof Error ? err.message : String(err) };
}
