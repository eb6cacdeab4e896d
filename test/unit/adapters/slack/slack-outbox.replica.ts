/**
 * A Slack replica as the bot wires it: the adapter's real Bolt receiver on a local port, its replies written
 * to the platform's outbox and delivered by its DeliveryQueue through the real WebClient (the Web API and
 * response_url intercepted with msw by the test). Several replicas may share one outbox.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { attachPosted } from '../../../../src/adapters/notifier/message-attach.js';
import type { DeliveryTimers } from '../../../../src/adapters/notifier/delivery.timers.js';
import type { DeliveryQueue } from '../../../../src/adapters/notifier/delivery.queue.js';
import type { OutboxStore } from '../../../../src/adapters/notifier/outbox.port.js';
import { createSlackAdapter, type SlackAdapter } from '../../../../src/adapters/slack/slack.adapter.js';
import type { InboundEvent, Platform } from '../../../../src/core/messages/inbound.js';
import { ReplyBuilder } from '../../../../src/core/messages/reply-builder.js';
import type { Reply } from '../../../../src/core/messages/reply.js';
import type { ChatCore } from '../../../../src/core/pipeline/chat-core.js';
import { presentReply } from '../../../../src/core/pipeline/presentation.js';
import type { Logger } from '../../../../src/core/ports/logger.port.js';
import { MemoryPostedMessages } from '../../../fakes/memory-posted-messages.js';
import { testSlackDelivery } from '../../../support/started-delivery.js';
import { API } from './slack-api.recorder.js';
import { SignedSlackClient } from './slack-signed.client.js';

export const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';

/** The ChatCore stand-in: records events and where buttons were attached, answers `reply` as the real core presents it. */
export class OutboxCore implements ChatCore {
  events: InboundEvent[] = [];
  attached: { pendingId: string; ref: { platform: Platform; chatId: string; messageId: string } }[] = [];
  reply: Reply = new ReplyBuilder('success').text('web running').build();
  async attachMessage(pendingId: string, ref: { platform: Platform; chatId: string; messageId: string }): Promise<void> {
    this.attached.push({ pendingId, ref });
  }
  async handle(event: InboundEvent): Promise<Reply> {
    this.events.push(event);
    return presentReply(event, this.reply);
  }
  commands() {
    return [{ name: 'status', summary: 'Show service status' }];
  }
}

export interface SlackReplica {
  adapter: SlackAdapter;
  queue: DeliveryQueue;
  client: SignedSlackClient;
  /** Every request's full handling (listeners included). */
  handling: Promise<void>[];
  close(): Promise<void>;
}

export async function slackReplica(opts: { core: ChatCore; outbox: OutboxStore; logger: Logger; timers: DeliveryTimers; holder?: string; inlineWaitMs?: number }): Promise<SlackReplica> {
  const { queue } = testSlackDelivery({
    token: 'xoxb-test-token',
    apiUrl: `${API}/`,
    posted: new MemoryPostedMessages(),
    outbox: opts.outbox,
    chatsFor: () => [],
    logger: opts.logger,
    timers: opts.timers,
    onPosted: (ref, pendingIds) => attachPosted(opts.core, pendingIds, ref, opts.logger),
    delivery: { pollMs: 20, ...(opts.holder ? { holder: opts.holder } : {}) },
  });
  const adapter = createSlackAdapter({
    botToken: 'xoxb-test-token',
    signingSecret: SECRET,
    apiUrl: API,
    core: opts.core,
    logger: opts.logger,
    retryConfig: { retries: 0 },
    replies: { timers: opts.timers, ...(opts.inlineWaitMs === undefined ? {} : { inlineWaitMs: opts.inlineWaitMs }) },
    outbox: queue,
  });
  const handling: Promise<void>[] = [];
  const listener = adapter.requestListener!;
  const server: Server = createServer((req, res) => void handling.push(listener(req, res)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    adapter,
    queue,
    client: new SignedSlackClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, SECRET),
    handling,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
