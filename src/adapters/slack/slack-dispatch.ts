import { randomUUID } from 'node:crypto';
import type { webApi } from '@slack/bolt';
import type { AnyInboundEvent as InboundEvent } from '../../core/messages/inbound.js';
import { replies } from '../../core/messages/reply-builder.js';
import type { Reply } from '../../core/messages/reply.js';
import type { ChatCore } from '../../core/pipeline/chat-core.js';
import type { Logger } from '../../core/ports/logger.port.js';
import type { ReplyLanes } from '../notifier/delivery.reply-lanes.js';
import type { DeliveryQueue } from '../notifier/delivery.queue.js';
import { failureSummary } from '../notifier/delivery.errors.js';
import { pendingIdsOf } from '../notifier/message-attach.js';
import { dispatchInbound, type PostedMessage as Posted, type ReplyChannel } from '../inbound-dispatch.js';
import { errorSummary, uploadFile } from './slack-reply.delivery.js';
import { buttonPendingIds, type PostedMessage, type ReplyTarget } from './slack-reply.target.js';
import type { SlackMessage } from './slack-block.types.js';
import { slackAddressSchema } from './slack-address.js';
import { slackPlatform } from './slack.platform.js';
import { renderSlack } from './slack.renderer.js';

export interface DispatchDeps {
  core: ChatCore;
  logger: Logger;
  /** The per-channel lanes replies are sent and retried through; absent: sent once. */
  lanes?: ReplyLanes;
  /**
   * The outbox replies go through (the platform's DeliveryQueue): the reply is a row before the request is
   * acknowledged, survives a restart and is retried through 429s and 5xx until it expires (15 min). A reply
   * the outbox cannot take (PostgreSQL away) is sent inline through the lanes instead.
   */
  outbox?: ReplyOutbox;
}

/** What the listeners need of the delivery queue. */
export type ReplyOutbox = Pick<DeliveryQueue, 'reply' | 'replyInPlace'>;

/** How one request's reply is made durable and when the request is acknowledged. */
export interface DispatchOptions {
  /** Shows a reply that is a form (a modal from the request's trigger id). */
  form?: (reply: Reply) => Promise<void>;
  /** The reply's outbox key, the same for every delivery of the request (a retry, a second replica). */
  key?: string;
  /** Acknowledges the request: called once the reply is in the outbox, or before it is sent inline (idempotent). */
  accepted?: () => Promise<void>;
}

/**
 * Calls the core and delivers its reply as the core says: private replies only to the asker (ephemeral,
 * never a file upload: a file would be visible to the whole channel), the rest in the channel, a click's
 * answer in place of the clicked message unless the core says otherwise. The reply is an outbox row first
 * (keyed by `opts.key`), sent inline only when it cannot be; the request is acknowledged (`opts.accepted`)
 * once the row is written, before an inline send, and in any case when this returns. Any failure is logged
 * and answered privately with a short reference, never a stack trace.
 */
export async function dispatch(deps: DispatchDeps, client: webApi.WebClient, event: InboundEvent, target: ReplyTarget, opts: DispatchOptions = {}): Promise<void> {
  const log = deps.logger;
  const accepted = opts.accepted ?? (async () => {});
  const withFile = async (posted: PostedMessage[], reply: Reply) => {
    await uploadFile(client, target, reply, log);
    return editable(posted);
  };
  const routes = target.durable;
  // A row whose address the sender would refuse (a response_url that is not https) would fail for good after
  // the request was acknowledged: such a reply is sent inline instead.
  const addressable = [routes.publish, routes.whisper, routes.replace?.address].every((a) => a === undefined || slackAddressSchema.safeParse(a).success);
  if (!addressable) log.warn({}, 'slack reply address not valid for the outbox; sending the reply directly');
  const outbox = addressable ? deps.outbox : undefined;
  const { key } = opts;
  // The reply as an outbox row first; inline (the lanes) only when there is no outbox or it cannot be written.
  const durably = async (put: (o: ReplyOutbox, k: string) => Promise<void>, inline: () => Promise<Posted[]>): Promise<Posted[]> => {
    const inOutbox = outbox && key !== undefined ? await queued(log, () => put(outbox, key)) : false;
    // Acknowledged once the reply is durable, or before an inline send: never after a send.
    await accepted();
    return inOutbox ? [] : inline();
  };
  const channel: ReplyChannel<SlackMessage[]> = {
    render: (reply) => renderSlack(reply),
    post: (messages, reply) =>
      durably(
        (o, k) => o.reply(event.chatId, reply, { key: k, attach: pendingIdsOf(reply), address: routes.publish }),
        async () => withFile(await target.publish(messages), reply),
      ),
    whisper: async (messages, reply) => {
      await durably(
        (o, k) => o.reply(event.chatId, reply, { key: k, address: routes.whisper }),
        async () => (await target.whisper(messages), []),
      );
    },
  };
  if (opts.form) {
    const form = opts.form;
    channel.form = async (reply) => {
      await form(reply);
      await accepted();
    };
  }
  const replace = target.replace;
  const inPlace = routes.replace;
  if (replace && inPlace) {
    channel.replace = (messages, reply) =>
      durably(
        (o, k) => {
          const options = { key: k, attach: pendingIdsOf(reply), address: inPlace.address };
          return inPlace.ref ? o.replyInPlace(inPlace.ref, reply, options) : o.reply(event.chatId, reply, options);
        },
        async () => withFile(await replace(messages), reply),
      );
  }
  try {
    await dispatchToCore(deps, event, channel);
  } finally {
    await accepted();
  }
}

/**
 * Hands a reply to the outbox: true once it is written (the outbox tells the core where its buttons went);
 * false when it could not be written, and the reply is sent inline instead.
 */
async function queued(log: Logger, put: () => Promise<void>): Promise<boolean> {
  try {
    await put();
    return true;
  } catch (err) {
    log.warn({ err: failureSummary(err) }, 'outbox not writable; sending the reply directly');
    return false;
  }
}

async function dispatchToCore(deps: DispatchDeps, event: InboundEvent, channel: ReplyChannel<SlackMessage[]>): Promise<void> {
  const log = deps.logger;
  await dispatchInbound(
    {
      platform: slackPlatform,
      core: deps.core,
      logger: log,
      lane: deps.lanes && ((chatId, send) => deps.lanes!.run(chatId, send)),
      failed: (err) => {
        const ref = randomUUID().slice(0, 8);
        log.error({ err: errorSummary(err), stack: err instanceof Error ? err.stack : undefined, ref, kind: event.kind }, 'slack dispatch failed');
        return replies.error(`Something went wrong; it has been logged (ref ${ref}).`);
      },
    },
    event,
    channel,
  );
}

/** The posted messages progress can chat.update later (those with a ts), with the pending ids of their buttons. */
function editable(posted: PostedMessage[]): Posted[] {
  return posted.flatMap(({ channel, ts, message }) => (ts ? [{ chatId: channel, messageId: ts, pendingIds: buttonPendingIds(message) }] : []));
}
