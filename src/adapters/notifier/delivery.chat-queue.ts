import type { Reply } from '../../core/messages/reply.js';
import type { MessageRef } from '../../core/ports/pending-action.port.js';
import { tryAppend } from './delivery.grouping.js';

/**
 * One push waiting for its chat: an announcement (possibly several grouped), the latest edit of a message, or
 * the latest state of a keyed living message (Notifier.publish: posted once, then edited).
 */
export type QueuedPush =
  | { kind: 'announce'; parts: Reply[]; keepsButtons: boolean }
  | { kind: 'edit'; ref: MessageRef; reply: Reply }
  | { kind: 'publish'; key: string; reply: Reply };

export interface ChatQueueLimits {
  /** Does this reply still fit in one platform message? */
  fits: (reply: Reply) => boolean;
  /** Past this many waiting pushes, new announcements are merged into the last one, buttons or not. */
  maxQueued: number;
}

const hasButtons = (reply: Reply) => reply.blocks.some((b) => b.type === 'buttons');

function supersedes(newer: QueuedPush, older: QueuedPush): boolean {
  if (newer.kind === 'edit' && older.kind === 'edit') return newer.ref.messageId === older.ref.messageId && newer.ref.chatId === older.ref.chatId;
  return newer.kind === 'publish' && older.kind === 'publish' && newer.key === older.key;
}

/**
 * The pushes waiting for one chat, in order. Edits of a message already waiting are coalesced (only the
 * latest is kept, in the place of the first), and so are publishes of a key already waiting; announcements
 * are grouped when taken, and already when queued once the queue is long, so memory grows with the text
 * waiting, not with the number of pushes. Only announcements are ever grouped: an edit or a publish always
 * goes out as a message of its own.
 */
export class ChatQueue {
  private readonly items: QueuedPush[] = [];

  constructor(private readonly limits: ChatQueueLimits) {}

  get length(): number {
    return this.items.length;
  }

  /** Returns true when the push was merged into one already waiting (coalesced edit or grouped announcement). */
  pushEdit(ref: MessageRef, reply: Reply): boolean {
    const waiting = this.items.find((i) => i.kind === 'edit' && i.ref.messageId === ref.messageId);
    if (waiting?.kind === 'edit') {
      waiting.reply = reply;
      return true;
    }
    this.items.push({ kind: 'edit', ref, reply });
    return false;
  }

  /** Returns true when a publish of the same key was waiting and now carries this reply instead. */
  pushPublish(key: string, reply: Reply): boolean {
    const waiting = this.items.find((i) => i.kind === 'publish' && i.key === key);
    if (waiting?.kind === 'publish') {
      waiting.reply = reply;
      return true;
    }
    this.items.push({ kind: 'publish', key, reply });
    return false;
  }

  pushAnnouncement(reply: Reply): boolean {
    const last = this.items[this.items.length - 1];
    const crowded = this.items.length >= this.limits.maxQueued;
    if (crowded && last?.kind === 'announce' && tryAppend(last.parts, reply, this.limits.fits)) {
      last.keepsButtons = false;
      return true;
    }
    this.items.push({ kind: 'announce', parts: [reply], keepsButtons: hasButtons(reply) });
    return false;
  }

  /**
   * Puts a push that failed back at the head, to be retried first. An edit or publish already superseded by
   * a newer one waiting is dropped (the newer one carries the latest state).
   */
  unshift(push: QueuedPush): void {
    if (this.items.some((i) => supersedes(i, push))) return;
    this.items.unshift(push);
  }

  /**
   * Takes the next push. An announcement without buttons absorbs the announcements without buttons right
   * behind it, as long as the group fits in one message. Returns how many queued pushes were absorbed too.
   */
  take(): { push: QueuedPush; absorbed: number } | undefined {
    const head = this.items.shift();
    if (!head) return undefined;
    if (head.kind !== 'announce' || head.keepsButtons) return { push: head, absorbed: 0 };
    let absorbed = 0;
    for (let next = this.items[0]; next?.kind === 'announce' && !next.keepsButtons; next = this.items[0]) {
      if (!this.absorb(head.parts, next.parts)) break;
      this.items.shift();
      absorbed += 1;
    }
    return { push: head, absorbed };
  }

  /** Appends all of `more` to `parts` if the whole group fits, else nothing (a group is never split). */
  private absorb(parts: Reply[], more: readonly Reply[]): boolean {
    const candidate = [...parts];
    for (const part of more) if (!tryAppend(candidate, part, this.limits.fits)) return false;
    parts.splice(0, parts.length, ...candidate);
    return true;
  }
}
