import { randomUUID } from 'node:crypto';
import type { webApi } from '@slack/bolt';
import type { AnyInboundEvent as InboundEvent } from '../../core/messages/inbound.js';
import { replies } from '../../core/messages/reply-builder.js';
import type { Reply } from '../../core/messages/reply.js';
import type { ChatCore } from '../../core/pipeline/chat-core.js';
import type { Logger } from '../../core/ports/logger.port.js';
import type { ReplyLanes } from '../notifier/delivery.reply-lanes.js';
import { dispatchInbound, type PostedMessage as Posted, type ReplyChannel } from '../inbound-dispatch.js';
import { errorSummary, uploadFile } from './slack-reply.delivery.js';
import { buttonPendingIds, type PostedMessage, type ReplyTarget } from './slack-reply.target.js';
import type { SlackMessage } from './slack-block.types.js';
import { slackPlatform } from './slack.platform.js';
import { renderSlack } from './slack.renderer.js';

export interface DispatchDeps {
  core: ChatCore;
  logger: Logger;
  /** The per-channel lanes replies are sent and retried through; absent: sent once. */
  lanes?: ReplyLanes;
}

/**
 * Calls the core (after the platform event was acknowledged) and delivers its reply as the core says:
 * private replies only to the asker (ephemeral, never a file upload: a file would be visible to the whole
 * channel), the rest in the channel, a click's answer in place of the clicked message unless the core says
 * otherwise. Any failure is logged and answered privately with a short reference, never a stack trace.
 */
export async function dispatch(deps: DispatchDeps, client: webApi.WebClient, event: InboundEvent, target: ReplyTarget, form?: (reply: Reply) => Promise<void>): Promise<void> {
  const log = deps.logger;
  const withFile = async (posted: PostedMessage[], reply: Reply) => {
    await uploadFile(client, target, reply, log);
    return editable(posted);
  };
  const channel: ReplyChannel<SlackMessage[]> = {
    render: (reply) => renderSlack(reply),
    post: async (messages, reply) => withFile(await target.publish(messages), reply),
    whisper: (messages) => target.whisper(messages),
  };
  if (form) channel.form = form;
  const replace = target.replace;
  if (replace) channel.replace = async (messages, reply) => withFile(await replace(messages), reply);
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
