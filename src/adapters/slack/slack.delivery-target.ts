import type { webApi } from '@slack/bolt';
import { z } from 'zod';
import type { Reply } from '../../core/messages/reply.js';
import type { Logger } from '../../core/ports/logger.port.js';
import type { MessageRef } from '../../core/ports/pending-action.port.js';
import type { SlackMessage } from './slack-block.types.js';
import { failureSummary } from '../notifier/delivery.errors.js';
import type { DeliveryTarget, Sent } from '../notifier/delivery.queue.js';
import type { OutboxAddress } from '../notifier/outbox.port.js';
import { slackAddressSchema, type SlackAddress } from './slack-address.js';
import { postToResponseUrl } from './slack-response-url.js';
import { cannotPost, hasButtons } from './slack-reply.target.js';
import { renderSlack } from './slack.renderer.js';
import { uploadFiles } from './slack-reply.delivery.js';

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
 * Fan-out to the channels bound to a project is the queue's. Replies carry their address (slack-address.ts):
 * the thread, the one user who sees them, the event's response_url; they are sent where the listener would
 * have sent them inline (slack-reply.target.ts).
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
  async edit(ref: MessageRef, reply: Reply, address?: OutboxAddress): Promise<Sent> {
    const { chatId: channel, messageId: ts } = refSchema.parse(ref);
    const to = parseAddress(address);
    const [first, ...rest] = renderSlack(reply);
    if (!first) return {};
    // A click's answer in place: through the click's response_url, as the listener would have answered it.
    if (to?.responseUrl) await postToResponseUrl(to.responseUrl, { replace_original: true, text: first.text, blocks: first.blocks });
    else {
      try {
        await this.opts.client.chat.update({ channel, ts, text: first.text, blocks: first.blocks });
      } catch (err) {
        if (!UNEDITABLE.has(slackError(err) ?? '')) throw err;
        this.logger.info({ channel, ts, error: slackError(err) }, 'message no longer editable; posting the update as a new message');
        return this.post(channel, [first, ...rest], to, reply);
      }
    }
    const later = await this.post(channel, rest, to && { ...to, replaceOriginal: false }, to ? reply : undefined);
    const buttons = later.buttons ?? (hasButtons(first) ? ts : undefined);
    return buttons === undefined ? {} : { buttons };
  }

  /**
   * Posts to one channel; returns the ts of the first message (the one later edits replace) and of the one
   * carrying buttons. Throws on failure.
   */
  async send(channel: string, reply: Reply, address?: OutboxAddress): Promise<Sent> {
    if (!channelId.safeParse(channel).success) throw new Error(`malformed Slack channel id ${channel}`);
    const to = parseAddress(address);
    const messages = renderSlack(reply);
    const only = to?.only;
    if (to && only) {
      // Ephemeral: no ts to edit later, and never a file (a file would be visible to the whole channel).
      for (const m of messages) await this.whisper(channel, { ...to, only }, m);
      return {};
    }
    if (to?.replaceOriginal && to.responseUrl) {
      // In place of a clicked ephemeral message (it has no ts to edit), then the rest follow.
      const [first, ...rest] = messages;
      if (first) await postToResponseUrl(to.responseUrl, { replace_original: true, text: first.text, blocks: first.blocks });
      return this.post(channel, rest, { ...to, replaceOriginal: false }, reply);
    }
    return this.post(channel, messages, to, reply);
  }

  /**
   * Posts to one channel (in the address's thread, through its response_url for messages without buttons);
   * returns the ts of the first message (the one later edits replace) and of the one carrying buttons. The
   * reply's files follow when `files` is given; a failed upload is logged, not retried (the text is out).
   * Throws on failure.
   */
  private async post(channel: string, messages: SlackMessage[], to?: SlackAddress, files?: Reply): Promise<Sent> {
    const sent: Sent = {};
    for (const m of messages) {
      const ts = await this.postOne(channel, m, to);
      sent.first ??= ts;
      if (ts !== undefined && hasButtons(m)) sent.buttons = ts;
    }
    if (files) {
      const where = to?.threadTs ? { channel, threadTs: to.threadTs } : { channel };
      await uploadFiles(this.opts.client, where, files, this.logger, (text) => this.tellAsker(channel, to, text));
    }
    return sent;
  }

  private async postOne(channel: string, m: SlackMessage, to?: SlackAddress): Promise<string | undefined> {
    const url = to?.responseUrl;
    const viaUrl = () =>
      postToResponseUrl(url!, { response_type: 'in_channel', ...(to?.replaceOriginal === false ? { replace_original: false } : {}), text: m.text, blocks: m.blocks });
    if (url && !hasButtons(m)) return void (await viaUrl());
    try {
      const thread = to?.threadTs ? { thread_ts: to.threadTs } : {};
      const posted = await this.opts.client.chat.postMessage({ channel, ...thread, text: m.text, blocks: m.blocks });
      return typeof posted.ts === 'string' ? posted.ts : undefined;
    } catch (err) {
      // The bot cannot post where it is not a member (a slash command in someone's DM); response_url still can.
      if (!url || !cannotPost(err)) throw err;
      return void (await viaUrl());
    }
  }

  private async whisper(channel: string, to: SlackAddress & { only: string }, m: SlackMessage): Promise<void> {
    if (to.responseUrl) {
      const replace = to.replaceOriginal === false ? { replace_original: false } : {};
      return postToResponseUrl(to.responseUrl, { response_type: 'ephemeral', ...replace, text: m.text, blocks: m.blocks });
    }
    const thread = to.threadTs ? { thread_ts: to.threadTs } : {};
    await this.opts.client.chat.postEphemeral({ channel, user: to.only, ...thread, text: m.text, blocks: m.blocks });
  }

  /** A note only the asker sees (a file that could not be attached); logged and let go when it fails too. */
  private async tellAsker(channel: string, to: SlackAddress | undefined, text: string): Promise<void> {
    const only = to?.asker;
    if (!only) return;
    const [m] = renderSlack({ tone: 'warning', text, blocks: [] });
    if (!m) return;
    await this.whisper(channel, { ...to, only, replaceOriginal: false }, m).catch((err: unknown) =>
      this.logger.warn({ err: failureSummary(err), channel }, 'telling the asker about a missing file failed'),
    );
  }
}

/** A row's address as SlackDeliveryTarget reads it; a malformed one is refused (the row fails for good). */
function parseAddress(address: OutboxAddress | undefined): SlackAddress | undefined {
  return address === undefined ? undefined : slackAddressSchema.parse(address);
}

/** The `error` field of a Slack platform error (e.g. `message_not_found`). */
function slackError(err: unknown): string | undefined {
  const code = (err as { data?: { error?: unknown } } | undefined)?.data?.error;
  return typeof code === 'string' ? code : undefined;
}
