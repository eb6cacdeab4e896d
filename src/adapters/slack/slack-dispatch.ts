import { randomUUID } from 'node:crypto';
import type { webApi } from '@slack/bolt';
import type { InboundEvent } from '../../core/messages/inbound.js';
import { replies } from '../../core/messages/reply-builder.js';
import type { ChatCore } from '../../core/pipeline/chat-core.js';
import type { Logger } from '../../core/ports/logger.port.js';
import { attachPosted } from '../notifier/message-attach.js';
import { deliverReply, errorSummary } from './slack-reply.delivery.js';
import { buttonPendingIds, type PostedMessage, type ReplyTarget } from './slack-reply.target.js';
import { renderSlack } from './slack.renderer.js';

export interface DispatchDeps {
  core: ChatCore;
  logger: Logger;
}

/** `help` is personal (it lists what the asker may run), so it is answered privately. */
export function isHelp(event: InboundEvent): boolean {
  return event.kind === 'command' && /^help(\s|$)/i.test(event.text);
}

/**
 * Calls the core (after the platform event was acknowledged) and delivers its reply: errors and refusals
 * privately, the rest publicly. A delivery failure is logged and answered with a short reference, never a
 * stack trace.
 */
export async function dispatch(
  deps: DispatchDeps,
  client: webApi.WebClient,
  event: InboundEvent,
  target: ReplyTarget,
): Promise<void> {
  const log = deps.logger;
  try {
    const reply = await deps.core.handle(event);
    // Refused or stale clicks change nothing: only the clicker hears about it, the message stays as it is.
    const privately = reply.tone === 'error' || isHelp(event) || (event.kind === 'action' && reply.tone === 'warning' && !reply.blocks.some((b) => b.type === 'buttons'));
    const posted = await deliverReply(client, target, reply, { private: privately, logger: log });
    await attachButtons(deps, posted);
  } catch (err) {
    const ref = randomUUID().slice(0, 8);
    const summary = errorSummary(err);
    log.error({ err: summary, stack: err instanceof Error ? err.stack : undefined, ref, kind: event.kind }, 'slack dispatch failed');
    try {
      await target.whisper(renderSlack(replies.error(`Something went wrong; it has been logged (ref ${ref}).`)));
    } catch (again) {
      log.error({ err: errorSummary(again), ref }, 'slack error reply failed');
    }
  }
}

/** Tells the core where each posted message with buttons lives, so job progress can chat.update it. */
async function attachButtons(deps: DispatchDeps, posted: PostedMessage[]): Promise<void> {
  for (const { channel, ts, message } of posted) {
    if (!ts) continue;
    await attachPosted(deps.core, buttonPendingIds(message), { platform: 'slack', chatId: channel, messageId: ts }, deps.logger);
  }
}
