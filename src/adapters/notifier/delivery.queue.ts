import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import type { Platform } from '../../core/messages/inbound.js';
import type { Reply } from '../../core/messages/reply.js';
import { systemClock, type Clock } from '../../core/ports/clock.port.js';
import type { Logger } from '../../core/ports/logger.port.js';
import type { Notifier, PushOptions } from '../../core/ports/notifier.port.js';
import type { MessageRef } from '../../core/ports/pending-action.port.js';
import type { PostedMessageStore } from '../../core/ports/posted-message.port.js';
import { backoffMs, classifyFailure, failureSummary } from './delivery.errors.js';
import { groupReplies } from './delivery.grouping.js';
import type { PartProgress } from './delivery.parts.js';
import { planNext, type Dispatch } from './delivery.plan.js';
import { PostedRefs } from './delivery.posted-refs.js';
import { systemTimers, type DeliveryTimers } from './delivery.timers.js';
import { isStoreUnavailable } from '../../core/ports/store-errors.js';
import type { AfterCommit, NewOutboxEntry, OutboxAddress, OutboxEnd, OutboxEntry, OutboxStore } from './outbox.port.js';

/** What a platform call posted, where the platform gave ids. */
export interface Sent {
  /** The first message posted (the one a keyed message's later edits replace); for an edit, set only when the old message was gone and the reply was posted anew. */
  first?: string;
  /** The message that carries the reply's buttons (a long reply puts them on its last message). */
  buttons?: string;
}

/**
 * What the queue hands a push to: one chat at a time; it throws on failure (see `classifyFailure`). A reply
 * that takes several calls posts them with `postParts` (notifier/delivery.parts.ts): `progress` says which an
 * earlier try of the row posted already, and records each new one in the row. A put with an address (where in
 * the chat, in the platform's terms) is handed over with it.
 */
export interface DeliveryTarget {
  send(chatId: string, reply: Reply, address?: OutboxAddress, progress?: PartProgress): Promise<Sent>;
  edit(ref: MessageRef, reply: Reply, address?: OutboxAddress, progress?: PartProgress): Promise<Sent>;
}

/** How a reply is put: its deterministic key, the pending ids of its buttons, where in the chat it goes. */
export interface ReplyOptions {
  key: string;
  attach?: string[];
  address?: OutboxAddress;
}

/** How a push is put: its key, the message or publish key it edits, the reply's buttons, how long it is tried. */
interface PutExtra {
  target?: string;
  key?: string;
  attach?: string[];
  address?: OutboxAddress;
  standalone?: boolean;
  ttlMs?: number;
}

/** Where a reply with buttons was posted, for the core (notifier/message-attach.ts). */
export type OnPosted = (ref: MessageRef, pendingIds: readonly string[]) => Promise<void>;

export interface DeliveryQueueOptions {
  platform: Platform;
  target: DeliveryTarget;
  /** Where every push waits until it is out (PrismaOutbox: shared by the replicas, survives restarts). */
  outbox: OutboxStore;
  /** Chat ids bound to a project (announcements and publishes go to each). */
  chatsFor: (project: string) => string[];
  /** Where keyed publishes were posted (durable, so a restarted queue keeps editing the same messages). */
  posted: PostedMessageStore;
  /** Wall clock for the posted-at time of remembered messages. */
  clock?: Clock;
  /** Does a reply fit in one platform message? Groups are built to fit. */
  fits: (reply: Reply) => boolean;
  logger: Logger;
  /** The queue's clock (ms since the epoch in production: replicas compare lease and retry times). */
  timers?: DeliveryTimers;
  /** Told where a reply with buttons was posted once it is out. */
  onPosted?: OnPosted;
  /** Waiting rows in a chat past which announcements with buttons are grouped too (default 20). */
  maxQueued?: number;
  /** Backoff after 5xx and network errors: base doubles per such failure of a row up to max (default 0.5 s to 15 s). */
  backoff?: { baseMs: number; maxMs: number };
  /** How long an announcement, edit or publish is tried before it is given up (default 24 h). */
  pushTtlMs?: number;
  /** The same for replies (default 15 min). */
  replyTtlMs?: number;
  /** A chat's lane lease: another replica takes the chat over this long after its holder died (default 5 s). */
  leaseMs?: number;
  /** How often the outbox is asked for work this process was not woken for (default 250 ms). */
  pollMs?: number;
  /** Chats delivered at once by this process (default 128; a lane mostly waits for its chat's 1/s slot); the platform's limits pace them. */
  maxLanes?: number;
  /** Identifies this process in lane leases (default host:pid:random). */
  holder?: string;
}

const optionsSchema = z.object({
  platform: z.string().min(1),
  maxQueued: z.number().int().min(1).max(10_000).default(20),
  backoff: z.object({ baseMs: z.number().min(1), maxMs: z.number().min(1) }).default({ baseMs: 500, maxMs: 15_000 }),
  pushTtlMs: z.number().int().min(1).default(24 * 60 * 60_000),
  replyTtlMs: z.number().int().min(1).default(15 * 60_000),
  leaseMs: z.number().int().min(100).default(5_000),
  pollMs: z.number().int().min(1).default(250),
  maxLanes: z.number().int().min(1).max(1_000).default(128),
});
const refSchema = z.object({ platform: z.string(), chatId: z.string().min(1).max(64), messageId: z.string().min(1).max(64) });
const keySchema = z.string().min(1).max(200);

/** Rows read per chat at a time (a group never spans more). */
const BATCH = 200;
/** Pushes kept in memory while the outbox cannot be written, oldest first; past this the oldest are dropped (logged). */
const SPOOL_LIMIT = 10_000;
/** A lane gives its chat up after this many calls, so one busy chat does not hold a slot while others wait. */
const LANE_TURN = 20;
/** Lanes are claimed at most this often, however often puts wake the loop. */
const MIN_CLAIM_GAP_MS = 50;
/** Tries of the bookkeeping after a call went out (marking rows sent), before the lane gives the chat up. */
const BOOKKEEPING_TRIES = 3;
/** Ended rows are kept this long, so a push retried with the same key within it is not sent twice. */
const KEEP_ENDED_MS = 7 * 24 * 60 * 60_000;
const PRUNE_EVERY_MS = 10 * 60_000;

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
  /** Pushes put with a key already queued (a retried job, another replica). */
  duplicates: number;
  rateLimited: number;
  transientRetries: number;
  /** Pushes given up on after a permanent error (bad chat, bot kicked...). */
  failed: number;
  /** Pushes given up on because their expiry passed before they could be sent. */
  expired: number;
}

/**
 * A Notifier for one platform over the outbox. Every push is a row first (`announce`, `publish`, `edit`,
 * `send` and `reply` return once it is written); delivery workers in every replica take chats' lanes and
 * send each chat's rows in order. Edits of a message still waiting are coalesced, and so are publishes of a
 * key still waiting; announcements that pile up are grouped into messages that fit the platform's size limit
 * (never with a publish or a reply); 429s wait `retry_after`, 5xx and network errors back off, and the row is
 * tried again until it expires (only a permanent error ends it sooner). A publish looks up where its key was
 * posted in the chat when it is delivered: edit that message, or post and remember it. The call rate itself
 * is paced by the target's rate gate (see telegram/telegram.delivery.ts). While the outbox cannot be written
 * (PostgreSQL away), pushes wait in memory and are written when it is back.
 */
export class DeliveryQueue implements Notifier {
  private readonly timers: DeliveryTimers;
  private readonly logger: Logger;
  private readonly settings: z.infer<typeof optionsSchema>;
  private readonly refs: PostedRefs;
  private readonly holder: string;
  private readonly lanes = new Map<string, Promise<void>>();
  private readonly spool: NewOutboxEntry[] = [];
  private running: Promise<void> | undefined;
  private stopping = false;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private lastPrune = 0;
  private outboxDown = false;
  private readonly counters: DeliveryStats = {
    accepted: 0, delivered: 0, sends: 0, grouped: 0, coalescedEdits: 0, coalescedPublishes: 0, duplicates: 0, rateLimited: 0, transientRetries: 0, failed: 0, expired: 0,
  };

  constructor(private readonly opts: DeliveryQueueOptions) {
    this.settings = optionsSchema.parse({
      platform: opts.platform, maxQueued: opts.maxQueued, backoff: opts.backoff, pushTtlMs: opts.pushTtlMs, replyTtlMs: opts.replyTtlMs,
      leaseMs: opts.leaseMs, pollMs: opts.pollMs, maxLanes: opts.maxLanes,
    });
    this.timers = opts.timers ?? systemTimers;
    this.logger = opts.logger.child({ component: 'delivery', platform: opts.platform });
    this.refs = new PostedRefs(opts.posted, this.settings.platform, opts.clock ?? systemClock, this.logger);
    this.holder = opts.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  async edit(ref: MessageRef, reply: Reply, options?: PushOptions & { attach?: string[] }): Promise<void> {
    const parsed = refSchema.parse(ref);
    await this.put(parsed.chatId, 'edit', reply, { target: parsed.messageId, key: options?.key, attach: options?.attach });
  }

  async announce(project: string, reply: Reply, options?: PushOptions): Promise<void> {
    for (const chatId of new Set(this.opts.chatsFor(project))) await this.send(chatId, reply, options);
  }

  async publish(project: string, key: string, reply: Reply, options?: PushOptions): Promise<void> {
    const parsedKey = keySchema.parse(key);
    for (const chatId of new Set(this.opts.chatsFor(project))) await this.put(chatId, 'publish', reply, { target: parsedKey, key: options?.key });
  }

  /** Queues a message to one chat (scheduled reports), with the same limits, grouping and retries. */
  async send(chatId: string, reply: Reply, options?: PushOptions): Promise<void> {
    await this.put(chatId, 'send', reply, { key: options?.key });
  }

  /** Notifier.tell: a message to one chat of this platform (a scheduled action's requester). */
  async tell(chat: { chatId: string }, reply: Reply, options?: PushOptions): Promise<void> {
    await this.send(chat.chatId, reply, options);
  }

  /**
   * Queues a reply to a command or click: a message of its own (never grouped), tried until the reply's
   * expiry (15 min), and the core told where its buttons were posted (`attach`, `onPosted`). Throws when the
   * outbox cannot be written (the caller sends the reply itself rather than leave it in memory).
   */
  async reply(chatId: string, reply: Reply, options: ReplyOptions): Promise<void> {
    await this.put(chatId, 'send', reply, { ...options, standalone: true, ttlMs: this.settings.replyTtlMs, direct: true });
  }

  /** A reply that replaces the clicked message (the click's answer), through the outbox like `reply`. */
  async replyInPlace(ref: MessageRef, reply: Reply, options: ReplyOptions): Promise<void> {
    const parsed = refSchema.parse(ref);
    await this.put(parsed.chatId, 'edit', reply, { ...options, target: parsed.messageId, ttlMs: this.settings.replyTtlMs, direct: true });
  }

  stats(): DeliveryStats {
    return { ...this.counters };
  }

  /** Rows of this platform still waiting in the outbox (every replica's), plus pushes not yet written to it. */
  async pending(): Promise<number> {
    return this.spool.length + (await this.opts.outbox.backlog(this.settings.platform));
  }

  /** Starts delivering: this process takes chats' lanes from the outbox until `stop()`. */
  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.running = this.loop().catch((err: unknown) => this.logger.error({ err: failureSummary(err) }, 'delivery loop failed'));
  }

  /**
   * Stops delivering: no new lanes are taken, each chat's call in flight finishes and its lane is given up.
   * What still waits stays in the outbox for the next replica (or the next start).
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.running;
    this.running = undefined;
    await Promise.allSettled([...this.lanes.values()]);
    if (this.spool.length > 0) {
      this.logger.error({ pushes: this.spool.length }, 'stopping while the outbox was unwritable: pushes kept in memory are lost');
    }
  }

  /** Resolves when the outbox holds nothing of this platform and no lane of this process is busy (tests, benchmarks). */
  async drain(): Promise<void> {
    for (;;) {
      if (this.lanes.size === 0 && (await this.pending().catch(() => 1)) === 0) return;
      await this.timers.sleep(this.settings.pollMs);
    }
  }

  /**
   * This queue's pushes as part of a unit of work: rows built as this queue builds them, written to `outbox`
   * (the unit's transaction), so they go out once it commits and never when it rolls back. A push that cannot
   * be written throws (nothing waits in memory: the unit fails instead); the loop is woken after the commit.
   * Pushes of the same chat still kept in memory from an outage are written in the unit first, so they keep
   * their place ahead of it (and stay in memory if it rolls back).
   */
  within(outbox: OutboxStore, afterCommit: AfterCommit): Notifier {
    const write = async (chatId: string, kind: NewOutboxEntry['kind'], reply: Reply, extra: PutExtra) => {
      const entry = this.entryFor(chatId, kind, reply, extra);
      // The chat's pushes still kept in memory go first, in the same unit (they leave memory once it commits).
      const older = await this.writeSpooled(chatId, outbox);
      this.count(kind, await outbox.put(entry));
      this.counters.accepted += 1;
      afterCommit(() => {
        this.unspool(older);
        this.wake();
      });
    };
    const chats = (project: string) => new Set(this.opts.chatsFor(project));
    return {
      edit: async (ref, reply, options) => {
        const parsed = refSchema.parse(ref);
        await write(parsed.chatId, 'edit', reply, { target: parsed.messageId, key: options?.key });
      },
      announce: async (project, reply, options) => {
        for (const chatId of chats(project)) await write(chatId, 'send', reply, { key: options?.key });
      },
      publish: async (project, key, reply, options) => {
        const target = keySchema.parse(key);
        for (const chatId of chats(project)) await write(chatId, 'publish', reply, { target, key: options?.key });
      },
      tell: (chat, reply, options) => write(chat.chatId, 'send', reply, { key: options?.key }),
    };
  }

  private entryFor(chatId: string, kind: NewOutboxEntry['kind'], reply: Reply, extra: PutExtra): NewOutboxEntry {
    const now = this.timers.now();
    const key = extra.key === undefined ? randomUUID() : `${keySchema.parse(extra.key)}:${this.settings.platform}:${chatId}`;
    return {
      key,
      platform: this.settings.platform,
      chatId,
      kind,
      ...(extra.target === undefined ? {} : { target: extra.target }),
      payload: {
        reply,
        ...(extra.address ? { address: extra.address } : {}),
        ...(extra.attach ? { attach: extra.attach } : {}),
        ...(extra.standalone ? { standalone: true } : {}),
      },
      at: now,
      expiresAt: now + (extra.ttlMs ?? this.settings.pushTtlMs),
    };
  }

  private async put(chatId: string, kind: NewOutboxEntry['kind'], reply: Reply, extra: PutExtra & { direct?: boolean }): Promise<void> {
    const entry = this.entryFor(chatId, kind, reply, extra);
    if (extra.direct) {
      this.unspool(await this.writeSpooled(chatId, this.opts.outbox));
      this.count(kind, await this.opts.outbox.put(entry));
      this.counters.accepted += 1;
      return this.wake();
    }
    this.counters.accepted += 1;
    if (this.spool.length > 0) return this.keep(entry);
    try {
      this.count(kind, await this.opts.outbox.put(entry));
    } catch (err) {
      if (!isStoreUnavailable(err)) {
        // Not an outage: this push itself was refused (bad data); keeping it would block those behind it.
        this.counters.failed += 1;
        this.logger.error({ err: failureSummary(err), chatId, kind }, 'the outbox refused a push; dropped');
        return;
      }
      this.logger.warn({ err: failureSummary(err), chatId, kind }, 'outbox not writable; the push waits in memory until it is');
      this.keep(entry);
    }
    this.wake();
  }

  private count(kind: NewOutboxEntry['kind'], outcome: 'queued' | 'coalesced' | 'duplicate'): void {
    if (outcome === 'duplicate') this.counters.duplicates += 1;
    else if (outcome === 'coalesced' && kind === 'edit') this.counters.coalescedEdits += 1;
    else if (outcome === 'coalesced') this.counters.coalescedPublishes += 1;
  }

  private keep(entry: NewOutboxEntry): void {
    this.spool.push(entry);
    if (this.spool.length > SPOOL_LIMIT) {
      const dropped = this.spool.shift();
      this.counters.failed += 1;
      this.logger.error({ chatId: dropped?.chatId, kind: dropped?.kind }, 'outbox unwritable for too long; the oldest push kept in memory was dropped');
    }
  }

  /**
   * Writes the pushes of `chatId` kept in memory to `outbox`, in order, ahead of a push that does not wait
   * behind the memory (a unit's, a reply): written after them, they would reach the chat first. Returns
   * them, to be taken out of memory once their write holds (`unspool`); a key written twice is queued once.
   */
  private async writeSpooled(chatId: string, outbox: OutboxStore): Promise<NewOutboxEntry[]> {
    const older = this.spool.filter((e) => e.chatId === chatId);
    for (const entry of older) this.count(entry.kind, await outbox.put(entry));
    return older;
  }

  private unspool(entries: readonly NewOutboxEntry[]): void {
    for (const entry of entries) {
      const at = this.spool.indexOf(entry);
      if (at >= 0) this.spool.splice(at, 1);
    }
  }

  /** Writes pushes kept in memory, in order; stops at the first outage error (the outbox is still away). */
  private async flushSpool(): Promise<void> {
    while (this.spool.length > 0) {
      const [entry] = this.spool;
      if (!entry) return;
      try {
        this.count(entry.kind, await this.opts.outbox.put(entry));
      } catch (err) {
        if (isStoreUnavailable(err)) throw err;
        this.counters.failed += 1;
        this.logger.error({ err: failureSummary(err), chatId: entry.chatId, kind: entry.kind }, 'the outbox refused a push; dropped');
      }
      // By identity: a unit or a reply may have written (and taken out) pushes of its chat meanwhile.
      this.unspool([entry]);
    }
  }

  private wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async pause(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return;
    }
    await new Promise<void>((resolve) => {
      this.wakeUp = resolve;
      void this.timers.sleep(ms).then(resolve);
    });
    this.wakeUp = undefined;
    this.woken = false;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    let lastClaim = -Infinity;
    while (!this.stopping) {
      const gap = lastClaim + MIN_CLAIM_GAP_MS - this.timers.now();
      if (gap > 0) await this.timers.sleep(gap);
      lastClaim = this.timers.now();
      try {
        await this.flushSpool();
        const free = this.settings.maxLanes - this.lanes.size;
        if (free > 0) {
          const chats = await this.opts.outbox.claimLanes(this.settings.platform, this.holder, {
            now: this.timers.now(), leaseMs: this.settings.leaseMs, limit: free, skip: [...this.lanes.keys()],
          });
          for (const chatId of chats) this.startLane(chatId);
        }
        await this.pruneNow();
        if (this.outboxDown) this.logger.info({}, 'outbox reachable again; delivery goes on');
        this.outboxDown = false;
        failures = 0;
      } catch (err) {
        failures += 1;
        if (!isStoreUnavailable(err)) this.logger.error({ err: failureSummary(err) }, 'delivery loop failed; trying again');
        else if (!this.outboxDown) this.logger.warn({ err: failureSummary(err) }, 'outbox not reachable; delivery waits for it');
        this.outboxDown = isStoreUnavailable(err);
      }
      await this.pause(failures > 0 ? backoffMs(failures, this.settings.pollMs, 5_000) : this.settings.pollMs);
    }
  }

  private async pruneNow(): Promise<void> {
    const now = this.timers.now();
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    await this.opts.outbox.prune(now - KEEP_ENDED_MS);
  }

  private startLane(chatId: string): void {
    const lane = this.runLane(chatId)
      .catch((err: unknown) => this.logger.warn({ err: failureSummary(err), chatId }, 'delivery lane stopped; the chat is taken up again'))
      // Released before the chat may be claimed again by this process (a late release would drop a new claim).
      .then(() => this.opts.outbox.releaseLane(this.settings.platform, chatId, this.holder).catch(() => undefined))
      .finally(() => {
        this.lanes.delete(chatId);
        this.wake();
      });
    this.lanes.set(chatId, lane);
  }

  /** Sends the chat's rows in order while this process holds its lane and the head row may go now. */
  private async runLane(chatId: string): Promise<void> {
    const { outbox } = this.opts;
    const platform = this.settings.platform;
    for (let turn = 0; turn < LANE_TURN && !this.stopping; turn++) {
      const rows = await outbox.waiting(platform, chatId, BATCH);
      const now = this.timers.now();
      const [head] = rows;
      if (!head || head.notBefore > now) return;
      const planned = planNext(rows, now, { fits: this.opts.fits, maxQueued: this.settings.maxQueued });
      if (planned.expired.length > 0) await this.giveUp(planned.expired, now);
      if (!planned.dispatch) continue;
      // Send what the rows hold once taken: a put may have coalesced a newer reply into one since it was read.
      const taken = await outbox.take(planned.dispatch.seqs);
      const dispatch = withTaken(planned.dispatch, taken);
      if (!dispatch) continue;
      const absorbed = dispatch.seqs.length - 1;
      this.counters.grouped += dispatch.kind === 'send' ? absorbed : 0;
      this.counters.coalescedEdits += dispatch.kind === 'edit' ? absorbed : 0;
      this.counters.coalescedPublishes += dispatch.kind === 'publish' ? absorbed : 0;
      if (!(await this.deliver(chatId, dispatch, taken))) return;
      if (!(await outbox.renewLane(platform, chatId, this.holder, { now: this.timers.now(), leaseMs: this.settings.leaseMs }))) {
        this.logger.warn({ chatId }, 'delivery lane lapsed; another replica goes on with the chat');
        return;
      }
    }
  }

  private async giveUp(rows: OutboxEntry[], now: number): Promise<void> {
    this.counters.expired += rows.length;
    this.logger.error({ chatId: rows[0]?.chatId, pushes: rows.length, kinds: [...new Set(rows.map((r) => r.kind))] }, 'push given up: it could not be sent before it expired');
    await this.opts.outbox.finish(rows.map((r) => r.seq), { state: 'expired', error: 'expired before it could be sent' }, now);
  }

  /** One call; true when the lane may go on with the chat's next row. */
  private async deliver(chatId: string, dispatch: Dispatch, rows: readonly OutboxEntry[]): Promise<boolean> {
    const keepAlive = this.keepLane(chatId);
    let sent: Sent;
    try {
      sent = await this.dispatch(chatId, dispatch, this.progressOf(chatId, dispatch, rows));
    } catch (err) {
      return this.onFailure(chatId, dispatch, rows, err);
    } finally {
      clearInterval(keepAlive.timer);
    }
    this.counters.sends += 1;
    this.counters.delivered += dispatch.seqs.length;
    // The message is out: what follows is bookkeeping, retried on its own (a failure here is no platform failure).
    const messageId = sent.first;
    await this.bookkeeping(chatId, 'marking a sent message', async () => {
      const now = this.timers.now();
      const done: OutboxEnd = { state: 'sent', ...(messageId === undefined ? {} : { messageId }) };
      // A group's rows are marked in one statement: a process killed between two would leave the group's
      // tail unmarked, and the next holder of the chat would send those pushes a second time.
      if (dispatch.kind === 'send') return this.opts.outbox.finish(dispatch.seqs, done, now);
      await this.opts.outbox.finish(dispatch.seqs.slice(0, 1), done, now);
      await this.opts.outbox.finish(dispatch.seqs.slice(1), { state: 'merged' }, now);
    });
    await this.attach(chatId, dispatch, sent.buttons ?? sent.first);
    return !keepAlive.lost();
  }

  /** Runs bookkeeping after a send, a few times; then gives the chat up (the lane's rows wait for the next holder). */
  private async bookkeeping(chatId: string, what: string, work: () => Promise<void>): Promise<void> {
    for (let i = 1; ; i++) {
      try {
        return await work();
      } catch (err) {
        if (i >= BOOKKEEPING_TRIES) throw err;
        this.logger.warn({ err: failureSummary(err), chatId }, `${what} failed; trying again`);
        await this.timers.sleep(backoffMs(i, 200, 2_000));
      }
    }
  }

  /**
   * While a call waits (a rate-limited chat, a slow platform), the lane is renewed so no other replica takes
   * it; `lost()` says whether a renewal found it gone (another replica has the chat now: this lane stops).
   */
  private keepLane(chatId: string): { timer: NodeJS.Timeout; lost: () => boolean } {
    let lost = false;
    const every = Math.max(50, Math.floor(this.settings.leaseMs / 3));
    const timer = setInterval(() => {
      this.opts.outbox.renewLane(this.settings.platform, chatId, this.holder, { now: this.timers.now(), leaseMs: this.settings.leaseMs }).then(
        (held) => {
          if (!held) lost = true;
        },
        () => undefined,
      );
    }, every);
    timer.unref();
    return { timer, lost: () => lost };
  }

  /**
   * The parts of the call's reply posted by an earlier try, kept in the row whose reply the call renders: the
   * one row of a send (a group fits one message, and may be grouped otherwise next time), the latest row of
   * coalesced edits or publishes (a newer row coalesced next time renders its own reply, from its start).
   */
  private progressOf(chatId: string, dispatch: Dispatch, rows: readonly OutboxEntry[]): PartProgress | undefined {
    const seq = dispatch.kind === 'send' ? (dispatch.seqs.length === 1 ? dispatch.seqs[0] : undefined) : dispatch.seqs[dispatch.seqs.length - 1];
    if (seq === undefined) return undefined;
    const posted = rows.find((r) => r.seq === seq)?.parts ?? [];
    return {
      posted,
      // Not recording a part is no failure of the call (the part is out): only a takeover would post it again.
      record: (ids) =>
        this.opts.outbox.progress(seq, ids).catch((err: unknown) => this.logger.warn({ err: failureSummary(err), chatId }, 'recording a posted part failed')),
    };
  }

  private async dispatch(chatId: string, dispatch: Dispatch, progress: PartProgress | undefined): Promise<Sent> {
    const platform = this.settings.platform;
    if (dispatch.kind === 'edit') {
      const sent = await this.opts.target.edit({ platform, chatId, messageId: dispatch.messageId }, dispatch.reply, dispatch.address, progress);
      return { first: sent.first ?? dispatch.messageId, ...(sent.buttons === undefined ? {} : { buttons: sent.buttons }) };
    }
    if (dispatch.kind === 'send') return this.opts.target.send(chatId, groupReplies(dispatch.parts), dispatch.address, progress);
    return this.publishIn(chatId, dispatch.key, dispatch.reply, progress);
  }

  /** Edits the key's message in the chat; posts it (and remembers where) when there is none yet or it is gone. */
  private async publishIn(chatId: string, key: string, reply: Reply, progress: PartProgress | undefined): Promise<Sent> {
    const known = await this.refs.find(key, chatId);
    const sent = known
      ? await this.opts.target.edit({ platform: this.settings.platform, chatId, messageId: known }, reply, undefined, progress)
      : await this.opts.target.send(chatId, reply, undefined, progress);
    const posted = sent.first;
    if (posted !== undefined && posted !== known) await this.refs.remember(key, chatId, posted);
    else if (!known) this.logger.warn({ chatId, key }, 'the platform gave no message id; the next publish of the key posts anew');
    const first = posted ?? known ?? undefined;
    return first === undefined ? {} : { first };
  }

  private async attach(chatId: string, dispatch: Dispatch, messageId: string | undefined): Promise<void> {
    const pendingIds = dispatch.kind === 'publish' ? undefined : dispatch.attach;
    if (!pendingIds?.length || !this.opts.onPosted) return;
    if (messageId === undefined) {
      this.logger.warn({ chatId }, 'the platform gave no message id; progress of this action cannot edit its message');
      return;
    }
    await this.opts.onPosted({ platform: this.settings.platform, chatId, messageId }, pendingIds).catch((err: unknown) =>
      this.logger.warn({ err: failureSummary(err), chatId }, 'telling the core where buttons were posted failed'),
    );
  }

  private async onFailure(chatId: string, dispatch: Dispatch, rows: readonly OutboxEntry[], err: unknown): Promise<boolean> {
    const { outbox } = this.opts;
    const now = this.timers.now();
    const failure = classifyFailure(err);
    if (failure.kind === 'permanent') {
      this.counters.failed += dispatch.seqs.length;
      this.logger.error({ err: failureSummary(err), chatId, kind: dispatch.kind, pushes: dispatch.seqs.length }, 'push failed permanently; dropped');
      await outbox.finish(dispatch.seqs, { state: 'failed', error: failureSummary(err).message }, now);
      return true;
    }
    const head = rows.find((r) => r.seq === dispatch.seqs[0]);
    const { baseMs, maxMs } = this.settings.backoff;
    const delay = failure.kind === 'rate-limited' ? failure.retryAfterMs : backoffMs((head?.attempts ?? 0) + 1, baseMs, maxMs);
    if (failure.kind === 'rate-limited') this.counters.rateLimited += 1;
    else this.counters.transientRetries += 1;
    const error = failureSummary(err).message;
    const countsAsFailure = failure.kind !== 'rate-limited';
    for (const seq of dispatch.seqs) await outbox.retryLater(seq, { notBefore: now + delay, error, countsAsFailure });
    this.logger.warn({ err: failureSummary(err), chatId, kind: failure.kind, retryInMs: Math.round(delay) }, 'push will be retried');
    return false;
  }
}

/**
 * The planned call with the rows as they were taken: a row ended meanwhile is left out (the call is skipped
 * when that was its first), and an edit or publish carries the latest reply coalesced into its rows.
 */
function withTaken(planned: Dispatch, taken: readonly OutboxEntry[]): Dispatch | undefined {
  const rows = planned.seqs.map((seq) => taken.find((r) => r.seq === seq)).filter((r): r is OutboxEntry => r !== undefined);
  const [head] = rows;
  const last = rows[rows.length - 1];
  if (!head || !last || head.seq !== planned.seqs[0]) return undefined;
  const seqs = rows.map((r) => r.seq);
  if (planned.kind === 'send') return { ...planned, seqs, parts: rows.map((r) => r.payload.reply) };
  if (planned.kind === 'edit') return { ...planned, seqs, reply: last.payload.reply, attach: last.payload.attach, address: last.payload.address };
  return { ...planned, seqs, reply: last.payload.reply };
}
