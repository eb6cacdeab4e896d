import { z } from 'zod';
import type { Platform } from '../../core/messages/inbound.js';
import type { Reply } from '../../core/messages/reply.js';
import { systemClock, type Clock } from '../../core/ports/clock.port.js';
import type { Logger } from '../../core/ports/logger.port.js';
import type { Notifier } from '../../core/ports/notifier.port.js';
import type { MessageRef } from '../../core/ports/pending-action.port.js';
import type { PostedMessageStore } from '../../core/ports/posted-message.port.js';
import { ChatQueue, type QueuedPush } from './delivery.chat-queue.js';
import { backoffMs, classifyFailure, failureSummary } from './delivery.errors.js';
import { groupReplies } from './delivery.grouping.js';
import { PostedRefs } from './delivery.posted-refs.js';
import { systemTimers, type DeliveryTimers } from './delivery.timers.js';

/** What the queue hands a push to: one chat at a time; it throws on failure (see `classifyFailure`). */
export interface DeliveryTarget {
  /** Posts to one chat; resolves to the id of the (first) message posted, when the platform gave one. */
  send(chatId: string, reply: Reply): Promise<string | undefined>;
  /** Edits in place; resolves to the id of a new message when the old one was gone and the reply was posted anew. */
  edit(ref: MessageRef, reply: Reply): Promise<string | undefined>;
}

export interface DeliveryQueueOptions {
  platform: Platform;
  target: DeliveryTarget;
  /** Chat ids bound to a project (announcements and publishes go to each). */
  chatsFor: (project: string) => string[];
  /** Where keyed publishes were posted (durable, so a restarted queue keeps editing the same messages). */
  posted: PostedMessageStore;
  /** Wall clock for the posted-at time of remembered messages. */
  clock?: Clock;
  /** Does a reply fit in one platform message? Groups are built to fit. */
  fits: (reply: Reply) => boolean;
  logger: Logger;
  timers?: DeliveryTimers;
  /** Pushes waiting in a chat before new announcements are merged into the last one (default 20). */
  maxQueued?: number;
  /** Backoff after 5xx and network errors: base doubles per consecutive failure up to max (ms). */
  backoff?: { baseMs: number; maxMs: number };
}

const optionsSchema = z.object({
  platform: z.string().min(1),
  maxQueued: z.number().int().min(1).max(10_000).default(20),
  backoff: z.object({ baseMs: z.number().min(1), maxMs: z.number().min(1) }).default({ baseMs: 500, maxMs: 30_000 }),
});
const refSchema = z.object({ platform: z.string(), chatId: z.string().min(1).max(64), messageId: z.string().min(1).max(64) });
const keySchema = z.string().min(1).max(200);

export interface DeliveryStats {
  /** Pushes accepted (one per chat per announcement or publish, one per edit). */
  accepted: number;
  /** Pushes that reached the chat (inside a message of their own, a group, or a coalesced edit). */
  delivered: number;
  /** Platform calls made by the queue that succeeded (a group counts once). */
  sends: number;
  grouped: number;
  coalescedEdits: number;
  /** Publishes that replaced a waiting publish of the same key in the same chat. */
  coalescedPublishes: number;
  rateLimited: number;
  transientRetries: number;
  /** Pushes given up on after a permanent error (bad chat, bot kicked...). */
  failed: number;
}

interface ChatState {
  queue: ChatQueue;
  running: boolean;
  blockedUntil: number;
  failures: number;
}

/**
 * A Notifier decorator for one platform: every push goes to a queue per chat, delivered in order by one
 * worker per chat. Edits of a message still waiting are coalesced, and so are publishes of a key still
 * waiting; announcements that pile up are grouped into messages that fit the platform's size limit (never
 * with a publish); 429s wait `retry_after`, 5xx and network errors back off exponentially, and the push is
 * retried, never dropped (only a permanent error ends a push). A publish looks up where its key was posted
 * in the chat when it is delivered: edit that message, or post and remember it; since a chat's worker is
 * serial, a second publish of a key sees the first one's message. The call rate itself is paced by the
 * target's rate gate (see telegram/telegram.delivery.ts). `announce`, `publish` and `edit` return once queued;
 * `drain()` waits for everything queued to be out.
 */
export class DeliveryQueue implements Notifier {
  private readonly chats = new Map<string, ChatState>();
  private readonly timers: DeliveryTimers;
  private readonly logger: Logger;
  private readonly settings: z.infer<typeof optionsSchema>;
  private readonly refs: PostedRefs;
  private idleWaiters: (() => void)[] = [];
  private readonly counters: DeliveryStats = {
    accepted: 0, delivered: 0, sends: 0, grouped: 0, coalescedEdits: 0, coalescedPublishes: 0, rateLimited: 0, transientRetries: 0, failed: 0,
  };

  constructor(private readonly opts: DeliveryQueueOptions) {
    this.settings = optionsSchema.parse({ platform: opts.platform, maxQueued: opts.maxQueued, backoff: opts.backoff });
    this.timers = opts.timers ?? systemTimers;
    this.logger = opts.logger.child({ component: 'delivery', platform: opts.platform });
    this.refs = new PostedRefs(opts.posted, this.settings.platform, opts.clock ?? systemClock, this.logger);
  }

  async edit(ref: MessageRef, reply: Reply): Promise<void> {
    const parsed = refSchema.parse(ref);
    const state = this.stateOf(parsed.chatId);
    this.counters.accepted += 1;
    if (state.queue.pushEdit({ ...parsed, platform: ref.platform }, reply)) this.counters.coalescedEdits += 1;
    this.wake(parsed.chatId, state);
  }

  async announce(project: string, reply: Reply): Promise<void> {
    for (const chatId of new Set(this.opts.chatsFor(project))) await this.send(chatId, reply);
  }

  async publish(project: string, key: string, reply: Reply): Promise<void> {
    const parsedKey = keySchema.parse(key);
    for (const chatId of new Set(this.opts.chatsFor(project))) {
      const state = this.stateOf(chatId);
      this.counters.accepted += 1;
      if (state.queue.pushPublish(parsedKey, reply)) this.counters.coalescedPublishes += 1;
      this.wake(chatId, state);
    }
  }

  /** Queues a message to one chat (scheduled reports), with the same limits, grouping and retries. */
  async send(chatId: string, reply: Reply): Promise<void> {
    const state = this.stateOf(chatId);
    this.counters.accepted += 1;
    if (state.queue.pushAnnouncement(reply)) this.counters.grouped += 1;
    this.wake(chatId, state);
  }

  stats(): DeliveryStats {
    return { ...this.counters };
  }

  /** Pushes still waiting in the chats' queues (not counting one in flight). */
  pending(): number {
    return [...this.chats.values()].reduce((n, s) => n + s.queue.length, 0);
  }

  /** Resolves when no chat has anything queued or in flight. */
  drain(): Promise<void> {
    if (![...this.chats.values()].some((s) => s.running)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private stateOf(chatId: string): ChatState {
    let state = this.chats.get(chatId);
    if (!state) {
      state = { queue: new ChatQueue({ fits: this.opts.fits, maxQueued: this.settings.maxQueued }), running: false, blockedUntil: 0, failures: 0 };
      this.chats.set(chatId, state);
    }
    return state;
  }

  private wake(chatId: string, state: ChatState): void {
    if (state.running) return;
    state.running = true;
    void this.run(chatId, state)
      .catch((err: unknown) => this.logger.error({ err: failureSummary(err), chatId }, 'delivery worker failed'))
      .finally(() => {
      state.running = false;
      if (state.queue.length > 0) return this.wake(chatId, state);
      if (![...this.chats.values()].some((s) => s.running)) this.notifyIdle();
    });
  }

  private async run(chatId: string, state: ChatState): Promise<void> {
    while (state.queue.length > 0) {
      const wait = state.blockedUntil - this.timers.now();
      if (wait > 0) await this.timers.sleep(wait);
      const taken = state.queue.take();
      if (!taken) return;
      this.counters.grouped += taken.absorbed;
      await this.deliver(chatId, state, taken.push);
    }
  }

  private async deliver(chatId: string, state: ChatState, push: QueuedPush): Promise<void> {
    const count = push.kind === 'announce' ? push.parts.length : 1;
    try {
      await this.dispatch(chatId, push);
      state.failures = 0;
      this.counters.sends += 1;
      this.counters.delivered += count;
    } catch (err) {
      this.onFailure(chatId, state, push, err, count);
    }
  }

  private async dispatch(chatId: string, push: QueuedPush): Promise<void> {
    if (push.kind === 'edit') await this.opts.target.edit(push.ref, push.reply);
    else if (push.kind === 'announce') await this.opts.target.send(chatId, groupReplies(push.parts));
    else await this.publishIn(chatId, push.key, push.reply);
  }

  /** Edits the key's message in the chat; posts it (and remembers where) when there is none yet or it is gone. */
  private async publishIn(chatId: string, key: string, reply: Reply): Promise<void> {
    const known = await this.refs.find(key, chatId);
    const posted = known
      ? await this.opts.target.edit({ platform: this.settings.platform, chatId, messageId: known }, reply)
      : await this.opts.target.send(chatId, reply);
    if (posted !== undefined && posted !== known) await this.refs.remember(key, chatId, posted);
    else if (!known) this.logger.warn({ chatId, key }, 'the platform gave no message id; the next publish of the key posts anew');
  }

  private onFailure(chatId: string, state: ChatState, push: QueuedPush, err: unknown, count: number): void {
    const failure = classifyFailure(err);
    if (failure.kind === 'permanent') {
      this.counters.failed += count;
      this.logger.error({ err: failureSummary(err), chatId, kind: push.kind, pushes: count }, 'push failed permanently; dropped');
      return;
    }
    state.failures += 1;
    const { baseMs, maxMs } = this.settings.backoff;
    const delay = failure.kind === 'rate-limited' ? failure.retryAfterMs : backoffMs(state.failures, baseMs, maxMs);
    if (failure.kind === 'rate-limited') this.counters.rateLimited += 1;
    else this.counters.transientRetries += 1;
    state.blockedUntil = this.timers.now() + delay;
    state.queue.unshift(push);
    this.logger.warn({ err: failureSummary(err), chatId, kind: failure.kind, retryInMs: Math.round(delay) }, 'push will be retried');
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
