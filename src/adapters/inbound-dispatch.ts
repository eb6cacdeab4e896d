/**
 * The one inbound path every chat platform uses: hand the event to the core, render the reply, send it the
 * way the reply says (visibility, placement: decided by the core), and tell the core where messages with
 * buttons were posted so job progress can edit them. Platforms supply only what differs: how to render and
 * how to post, replace or whisper. What the core needs to know of the platform (its user-id label) comes
 * from the platform's descriptor, put on the event here.
 */
import type { AnyInboundEvent as InboundEvent } from '../core/messages/inbound.js';
import type { Reply } from '../core/messages/reply.js';
import type { ChatCore } from '../core/pipeline/chat-core.js';
import { presentReply } from '../core/pipeline/presentation.js';
import type { Logger } from '../core/ports/logger.port.js';
import type { PlatformIdentity } from './chat-platform.js';
import { failureSummary } from './notifier/delivery.errors.js';
import { attachPosted } from './notifier/message-attach.js';

/** A message as posted, with the pending actions of the buttons it carries. */
export interface PostedMessage {
  chatId: string;
  messageId: string;
  /** The pending ids of the buttons on this message: `pendingIdsOf(reply)` (notifier/message-attach.ts) for one message per reply. */
  pendingIds: readonly string[];
}

/** How one event's reply reaches the chat. `R` is the platform's rendered form. */
export interface ReplyChannel<R> {
  render(reply: Reply): R;
  /** New messages in the chat. */
  post(rendered: R, reply: Reply): Promise<PostedMessage[]>;
  /** In place of the clicked message (then new messages); absent: replies are posted as new messages. */
  replace?(rendered: R, reply: Reply): Promise<PostedMessage[]>;
  /** Only the asker sees it; absent where the platform cannot (then it is shown in the chat). */
  whisper?(rendered: R, reply: Reply): Promise<void>;
  /** Shows the reply's form (Reply.form) to the asker; only platforms that announce the ability have it. */
  form?(reply: Reply): Promise<void>;
}

export type DispatchStep = 'handle' | 'render' | 'deliver';

export interface InboundDispatch {
  /** The platform's descriptor (`telegramPlatform`, …): its id and the label of its user ids. */
  platform: PlatformIdentity;
  core: ChatCore;
  logger: Logger;
  /**
   * The answer when a step fails (the core should never throw, a renderer neither; sending may), after
   * logging it. Undefined: the failure is thrown to the platform's own error handling.
   */
  failed?(err: unknown, step: DispatchStep, event: InboundEvent): Reply | undefined;
  /**
   * Sends the reply (render, send, remember) through the platform's retrying lane for the chat
   * (notifier/delivery.reply-lanes.ts); absent: it is sent directly.
   */
  lane?(chatId: string, send: () => Promise<void>): Promise<void>;
}

export async function dispatchInbound<R>(d: InboundDispatch, inbound: InboundEvent, channel: ReplyChannel<R>): Promise<void> {
  const event: InboundEvent = { ...inbound, userIdLabel: d.platform.userIdLabel };
  // A message that is not a command reaches the core only when it answers an open dialog of its sender.
  if (event.kind === 'message' && !(await d.core.awaitsAnswer?.(event))) return;
  const answer = (err: unknown, step: DispatchStep): Reply => {
    const reply = d.failed?.(err, step, event);
    if (!reply) throw err;
    return presentReply(event, reply);
  };
  let reply: Reply;
  try {
    reply = await d.core.handle(event);
  } catch (err) {
    reply = answer(err, 'handle');
  }
  const sent = (r: Reply) => (d.lane ? d.lane(event.chatId, () => deliver(d, channel, r, answer)) : deliver(d, channel, r, answer));
  try {
    await sent(reply);
  } catch (err) {
    const failure = answer(err, 'deliver');
    try {
      await sent(failure);
    } catch (again) {
      d.logger.error({ err: failureSummary(again) }, `${d.platform.id} error reply failed`);
    }
  }
}

async function deliver<R>(d: InboundDispatch, channel: ReplyChannel<R>, reply: Reply, answer: (err: unknown, step: DispatchStep) => Reply): Promise<void> {
  let rendered: R;
  try {
    rendered = channel.render(reply);
  } catch (err) {
    reply = answer(err, 'render');
    rendered = channel.render(reply);
  }
  const posted = await send(channel, rendered, reply);
  for (const p of posted) {
    await attachPosted(d.core, p.pendingIds, { platform: d.platform.id, chatId: p.chatId, messageId: p.messageId }, d.logger);
  }
}

/** The reply's visibility and placement, as far as the platform can follow them. */
async function send<R>(channel: ReplyChannel<R>, rendered: R, reply: Reply): Promise<PostedMessage[]> {
  if (reply.form && channel.form) {
    await channel.form(reply);
    return [];
  }
  if (reply.visibility === 'private' && channel.whisper) {
    await channel.whisper(rendered, reply);
    return [];
  }
  if (reply.placement === 'replace-clicked' && channel.replace) return channel.replace(rendered, reply);
  return channel.post(rendered, reply);
}
