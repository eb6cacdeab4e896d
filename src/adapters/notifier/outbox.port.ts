/**
 * The outbox: every outbound chat message is a row before it is sent, so a push survives a restart, a
 * SIGKILL mid-send and a platform that answers 429 or 5xx for a while, and replicas share the work.
 *
 * Rows of one chat are delivered in order by whoever holds the chat's lane (a lease, so a killed holder's
 * chats are taken over when it lapses). A row has a deterministic key: putting the same key twice queues it
 * once. Edits of one message and publishes of one key that are still waiting are coalesced into one row (the
 * latest reply wins). Times are milliseconds since the epoch, on the clock of the delivery queue.
 */
import type { Reply } from '../../core/messages/reply.js';
import type { Notifier } from '../../core/ports/notifier.port.js';

export type OutboxKind =
  /** A new message in the chat (announcement, report, a reply that goes through the outbox). */
  | 'send'
  /** An edit of `target` (a message id) in place. */
  | 'edit'
  /** The living message of `target` (a publish key): posted once in the chat, edited afterwards. */
  | 'publish';

/**
 * Where exactly in the chat a row goes, in the platform's own terms (Slack: the thread, the one user who
 * sees it, the event's response_url); opaque to the queue, validated by the platform's delivery target.
 */
export type OutboxAddress = Readonly<Record<string, string | boolean>>;

export interface OutboxPayload {
  reply: Reply;
  /** Set only on replies (never grouped): see OutboxAddress. */
  address?: OutboxAddress;
  /** Pending-action ids of the reply's buttons, told to the core once the message is posted (replies). */
  attach?: string[];
  /** Never grouped with other rows (a reply to a command or click stays a message of its own). */
  standalone?: boolean;
}

export interface NewOutboxEntry {
  /** Deterministic: the same key is queued once, whoever puts it and however often. */
  key: string;
  platform: string;
  chatId: string;
  kind: OutboxKind;
  /** edit: the message id; publish: the publish key; send: absent. */
  target?: string;
  payload: OutboxPayload;
  /** When it was put (ms since the epoch). */
  at: number;
  /** Past this it is given up (ms since the epoch). */
  expiresAt: number;
}

export interface OutboxEntry extends NewOutboxEntry {
  /** Orders the rows of one chat (ascending). */
  seq: number;
  /** 5xx and network failures so far (a 429 is not counted: it says when to come back, not to back off). */
  attempts: number;
  /** Not tried again before this (ms since the epoch); 0 when it may go now. */
  notBefore: number;
  /**
   * The message ids of the parts of this row's reply an earlier try posted (a reply longer than one platform
   * message), in order; absent or empty when none is out. The next try goes on after them.
   */
  parts?: string[];
}

/** What `put` did: a new row, the waiting row of the same message/key now carrying this reply, or nothing (key seen). */
export type PutOutcome = 'queued' | 'coalesced' | 'duplicate';

/** How a row ended: reached the chat (with the platform's message id, when it gave one), merged into another, or not. */
export type OutboxEnd =
  | { state: 'sent'; messageId?: string }
  | { state: 'merged' }
  | { state: 'failed'; error: string }
  | { state: 'expired'; error: string };

export interface OutboxStore {
  put(entry: NewOutboxEntry): Promise<PutOutcome>;
  /**
   * Takes the lanes of up to `limit` chats of the platform whose first waiting row may go at `now` and whose
   * lane no other holder has (or whose holder's lease lapsed); the lanes are `holder`'s until `now + leaseMs`.
   * Returns their chat ids. Chats in `skip` are not taken (this holder is working on them already).
   */
  claimLanes(platform: string, holder: string, opts: { now: number; leaseMs: number; limit: number; skip?: readonly string[] }): Promise<string[]>;
  /** Extends a lane this holder has; false when it is not (or no longer) this holder's. */
  renewLane(platform: string, chatId: string, holder: string, opts: { now: number; leaseMs: number }): Promise<boolean>;
  /** Gives a lane up (another holder may take it at once). */
  releaseLane(platform: string, chatId: string, holder: string): Promise<void>;
  /** The chat's waiting rows, in order (at most `limit`). */
  waiting(platform: string, chatId: string, limit: number): Promise<OutboxEntry[]>;
  /**
   * Marks rows as being sent and returns them as they are now (a put may have coalesced a newer reply into
   * one since it was read): send what this returns. A put of the same message or key no longer coalesces
   * into them (a new row waits behind instead); a lapsed lane's rows being sent wait for the next holder.
   * Rows that ended meanwhile are not returned.
   */
  take(seqs: readonly number[]): Promise<OutboxEntry[]>;
  /**
   * Records the parts of a row being sent posted so far (all of them, in order), after each part: a holder
   * that takes the chat over goes on after them. Nothing happens when the row is not being sent. A put that
   * coalesces a newer reply into a waiting row forgets its parts (they were parts of the older reply).
   */
  progress(seq: number, parts: readonly string[]): Promise<void>;
  /** Ends rows (sent, merged into another message, failed for good, expired). */
  finish(seqs: readonly number[], end: OutboxEnd, now: number): Promise<void>;
  /**
   * A failed try: the row waits until `notBefore` (and so does the rest of its chat). When a newer edit of the
   * same message (publish of the same key) is waiting already, the row is merged into it instead.
   */
  retryLater(seq: number, opts: { notBefore: number; error: string; countsAsFailure: boolean }): Promise<void>;
  /** Rows still waiting for the platform (all chats). */
  backlog(platform: string): Promise<number>;
  /** Forgets ended rows that ended before `before` (their keys may be queued again after that). */
  prune(before: number): Promise<number>;
}

/** Registers what runs once a unit of work committed (never when it rolled back). */
export type AfterCommit = (callback: () => void) => void;

/** A notifier whose pushes can be written as part of a unit of work (UnitOfWork), to that unit's view of the outbox. */
export interface TransactionalNotifier extends Notifier {
  within(outbox: OutboxStore, afterCommit: AfterCommit): Notifier;
}

export const isTransactional = (notifier: Notifier): notifier is TransactionalNotifier =>
  typeof (notifier as Partial<TransactionalNotifier>).within === 'function';
