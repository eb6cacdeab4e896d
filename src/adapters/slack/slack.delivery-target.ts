import type { webApi } from '@slack/bolt';
import { z } from 'zod';
import type { Reply } from '../../core/messages/reply.js';
import type { Logger } from '../../core/ports/logger.port.js';
import type { MessageRef } from '../../core/ports/pending-action.port.js';
import type { SlackMessage } from './slack-block.types.js';
import type { DeliveryTarget, Sent } from '../notifier/delivery.queue.js';
import { hasButtons } from './slack-reply.target.js';
import { renderSlack } from './slack.renderer.js';
import { uploadChart } from './slack-reply.delivery.js';

export interface SlackDeliveryTargetOptions {
  /**
   * The client to call: the delivery queue's own (slack.delivery.ts: rate gate, no retries of its own), or
   * the adapter's `app.client` (waits for Retry-After on 429 and retries per the adapter's retryConfig).
   */
  client: webApi.WebClient;
  logger: Logger;
}

const channelId = z.string().regex(/^[CDG][A-Z0-9]{2,30}$/, 'a Slack conversation id');
const refSchema = z.object({
  platform: z.literal('slack'),
  chatId: channelId,
  messageId: z.string().regex(/^\d{1,12}\.\d{1,8}$/, 'a Slack message ts'),
});

/** Slack's answers when a message can no longer be updated (deleted, or not the bot's own). */
const UNEDITABLE = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);

/**
 * Push calls to Slack, the target the delivery queue (slack.delivery.ts) hands pushes to, one channel at a
 * time: progress updates the confirm message in place, a keyed message is posted once and updated after.
 * Fan-out to the channels bound to a project is the queue's.
 */
export class SlackDeliveryTarget implements DeliveryTarget {
  private readonly logger: Logger;

  constructor(private readonly opts: SlackDeliveryTargetOptions) {
    this.logger = opts.logger.child({ notifier: 'slack' });
  }

  /**
   * chat.update with the rendered blocks (buttons disappear when the reply has none); further messages of a
   * long reply follow with chat.postMessage. A message that can no longer be updated (message_not_found,
   * cant_update_message) gets the reply as a new message instead, whose ts is returned (`first`).
   * `buttons`: the message that carries the reply's buttons. Other failures throw.
   */
  async edit(ref: MessageRef, reply: Reply): Promise<Sent> {
    const { chatId: channel, messageId: ts } = refSchema.parse(ref);
    const [first, ...rest] = renderSlack(reply);
    if (!first) return {};
    try {
      await this.opts.client.chat.update({ channel, ts, text: first.text, blocks: first.blocks });
    } catch (err) {
      if (!UNEDITABLE.has(slackError(err) ?? '')) throw err;
      this.logger.info({ channel, ts, error: slackError(err) }, 'message no longer editable; posting the update as a new message');
      return this.post(channel, [first, ...rest]);
    }
    const later = await this.post(channel, rest);
    const buttons = later.buttons ?? (hasButtons(first) ? ts : undefined);
    return buttons === undefined ? {} : { buttons };
  }

  /**
   * Posts to one channel; returns the ts of the first message (the one later edits replace) and of the one
   * carrying buttons. Throws on failure.
   */
  async send(channel: string, reply: Reply): Promise<Sent> {
    if (!channelId.safeParse(channel).success) throw new Error(`malformed Slack channel id ${channel}`);
    const sent = await this.post(channel, renderSlack(reply));
    // The chart follows the text in the channel; a failed upload is logged, not retried (the text is out).
    if (reply.chart) await uploadChart(this.opts.client, { channel }, reply.chart, this.logger);
    return sent;
  }

  private async post(channel: string, messages: SlackMessage[]): Promise<Sent> {
    const sent: Sent = {};
    for (const m of messages) {
      const posted = await this.opts.client.chat.postMessage({ channel, text: m.text, blocks: m.blocks });
      const ts = typeof posted.ts === 'string' ? posted.ts : undefined;
      sent.first ??= ts;
      if (ts !== undefined && hasButtons(m)) sent.buttons = ts;
    }
    return sent;
  }
}

/** The `error` field of a Slack platform error (e.g. `message_not_found`). */
function slackError(err: unknown): string | undefined {
  const code = (err as { data?: { error?: unknown } } | undefined)?.data?.error;
  return typeof code === 'string' ? code : undefined;
}
