import type { Reply } from '../../core/messages/reply.js';
import { tryAppend } from './delivery.grouping.js';
import type { OutboxAddress, OutboxEntry } from './outbox.port.js';

/**
 * What a chat's lane sends next, from the chat's waiting outbox rows (in order): one platform call standing
 * for one row, or for several (announcements grouped into one message; edits of one message coalesced).
 */
export type Dispatch =
  | { kind: 'send'; parts: Reply[]; seqs: number[]; attach?: string[]; address?: OutboxAddress }
  | { kind: 'edit'; messageId: string; reply: Reply; seqs: number[]; attach?: string[]; address?: OutboxAddress }
  | { kind: 'publish'; key: string; reply: Reply; seqs: number[] };

export interface NextStep {
  /** Rows past their expiry, given up without a try. */
  expired: OutboxEntry[];
  /** The next call, if any row is left. */
  dispatch?: Dispatch;
  /** How many rows beyond the first the dispatch absorbed (grouped announcements, coalesced edits). */
  absorbed: number;
}

export interface PlanLimits {
  /** Does this reply still fit in one platform message? Groups are built to fit. */
  fits: (reply: Reply) => boolean;
  /** Past this many waiting rows, announcements with buttons are grouped too (their buttons become text). */
  maxQueued: number;
}

const hasButtons = (reply: Reply) => reply.blocks.some((b) => b.type === 'buttons');
/** A group is text only: a chart or a file would be lost in it. */
const carriesFile = (reply: Reply) => reply.chart !== undefined || reply.attachment !== undefined;

/**
 * A row that may be grouped with others: an announcement, never a reply (`standalone`), one whose buttons
 * must stay, or one with a chart or file.
 */
function groupable(row: OutboxEntry, crowded: boolean): boolean {
  return (
    row.kind === 'send' &&
    !row.payload.standalone &&
    row.payload.address === undefined &&
    row.payload.attach === undefined &&
    !carriesFile(row.payload.reply) &&
    (crowded || !hasButtons(row.payload.reply))
  );
}

/**
 * The next step of a chat, as the in-memory queue did it: an announcement without buttons absorbs the
 * announcements without buttons right behind it while the group fits in one message; an edit or a publish
 * goes out alone, carrying the latest reply of later rows for the same message or key (they are ended as
 * merged into it). Rows of the chat that expired are handed back to be ended first.
 */
export function planNext(rows: readonly OutboxEntry[], now: number, limits: PlanLimits): NextStep {
  const expired = rows.filter((r) => r.expiresAt <= now);
  const live = rows.filter((r) => r.expiresAt > now);
  const [head, ...rest] = live;
  if (!head) return { expired, absorbed: 0 };
  const crowded = live.length >= limits.maxQueued;
  if (head.kind === 'send') {
    if (!groupable(head, crowded)) {
      return { expired, dispatch: { kind: 'send', parts: [head.payload.reply], seqs: [head.seq], attach: head.payload.attach, address: head.payload.address }, absorbed: 0 };
    }
    const parts = [head.payload.reply];
    const seqs = [head.seq];
    for (const next of rest) {
      if (!groupable(next, crowded) || !tryAppend(parts, next.payload.reply, limits.fits)) break;
      seqs.push(next.seq);
    }
    return { expired, dispatch: { kind: 'send', parts, seqs }, absorbed: seqs.length - 1 };
  }
  const same = rest.filter((r) => r.kind === head.kind && r.target === head.target);
  const latest = same[same.length - 1] ?? head;
  const seqs = [head.seq, ...same.map((r) => r.seq)];
  const dispatch: Dispatch =
    head.kind === 'edit'
      ? { kind: 'edit', messageId: head.target ?? '', reply: latest.payload.reply, seqs, attach: latest.payload.attach, address: latest.payload.address }
      : { kind: 'publish', key: head.target ?? '', reply: latest.payload.reply, seqs };
  return { expired, dispatch, absorbed: same.length };
}
