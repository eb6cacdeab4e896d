import type { webApi } from '@slack/bolt';
import { z } from 'zod';
import type { Reply } from '../../core/messages/reply.js';
import type { Logger } from '../../core/ports/logger.port.js';
import type { MessageRef } from '../../core/ports/pending-action.port.js';
import type { SlackMessage } from './slack-block.types.js';
import { failureSummary } from '../notifier/delivery.errors.js';
import { noProgress, postParts, type Part, type PartProgress } from '../notifier/delivery.parts.js';
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
   * `buttons`: the message that carries the reply's buttons. Other failures throw. With `progress`, the
   * calls an earlier try made (the update first) are not made again.
   */
  async edit(ref: MessageRef, reply: Reply, address?: OutboxAddress, progress: PartProgress = noProgress): Promise<Sent> {
    const { chatId: channel, messageId: ts } = refSchema.parse(ref);
    const to = parseAddress(address);
    const [first, ...rest] = renderSlack(reply);
    if (!first) return {};
    const following = to && { ...to, replaceOriginal: false };
    const inPlace: Part = async () => {
      // A click's answer in place: through the click's response_url, as the listener would have answered it.
      if (to?.responseUrl) {
        await postToResponseUrl(to.responseUrl, { replace_original: true, text: first.text, blocks: first.blocks });
        return ts;
      }
      try {
        await this.opts.client.chat.update({ channel, ts, text: first.text, blocks: first.blocks });
        return ts;
      } catch (err) {
        if (!UNEDITABLE.has(slackError(err) ?? '')) throw err;
        this.logger.info({ channel, ts, error: slackError(err) }, 'message no longer editable; posting the update as a new message');
        return this.postOne(channel, first, to);
      }
    };
    const ids = await postParts([inPlace, ...rest.map((m): Part => () => this.postOne(channel, m, following))], progress);
    // The update went out as a new message: later edits replace that one.
    const anew = ids[0] !== ts;
    // A reply's files go with its answer (an addressed row) or with an update posted anew.
    if (to || anew) await this.attachFiles(channel, to, reply);
    const buttons = lastWithButtons([first, ...rest], ids);
    return { ...(anew && ids[0] ? { first: ids[0] } : {}), ...(buttons ? { buttons } : {}) };
  }

  /**
   * Posts to one channel; returns the ts of the first message (the one later edits replace) and of the one
   * carrying buttons. Throws on failure. With `progress`, the messages an earlier try posted are not posted
   * again.
   */
  async send(channel: string, reply: Reply, address?: OutboxAddress, progress: PartProgress = noProgress): Promise<Sent> {
    if (!channelId.safeParse(channel).success) throw new Error(`malformed Slack channel id ${channel}`);
    const to = parseAddress(address);
    const messages = renderSlack(reply);
    const only = to?.only;
    if (to && only) {
      // Ephemeral: no ts to edit later, and never a file (a file would be visible to the whole channel).
      await postParts(
        messages.map((m): Part => async () => void (await this.whisper(channel, { ...to, only }, m))),
        progress,
      );
      return {};
    }
    // In place of a clicked ephemeral message (it has no ts to edit) through its response_url, then the rest follow.
    const replacing = to?.replaceOriginal && to.responseUrl ? to.responseUrl : undefined;
    const following = replacing ? { ...to!, replaceOriginal: false } : to;
    const parts = messages.map((m, i): Part =>
      replacing && i === 0 ? async () => void (await postToResponseUrl(replacing, { replace_original: true, text: m.text, blocks: m.blocks })) : () => this.postOne(channel, m, following),
    );
    const ids = await postParts(parts, progress);
    await this.attachFiles(channel, to, reply);
    // The first message with a ts (one through a response_url has none) is the one later edits replace.
    const first = ids.find((id) => id !== '');
    const buttons = lastWithButtons(messages, ids);
    return { ...(first ? { first } : {}), ...(buttons ? { buttons } : {}) };
  }

  /** The reply's files, after its text; a failed upload is logged, not retried (the text is out). */
  private async attachFiles(channel: string, to: SlackAddress | undefined, reply: Reply): Promise<void> {
    const where = to?.threadTs ? { channel, threadTs: to.threadTs } : { channel };
    await uploadFiles(this.opts.client, where, reply, this.logger, (text) => this.tellAsker(channel, to, text));
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

/** The ts of the last posted message that carries buttons (a long reply puts them on its last message). */
function lastWithButtons(messages: readonly SlackMessage[], ids: readonly string[]): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) if (hasButtons(messages[i]!) && ids[i]) return ids[i];
  return undefined;
}
