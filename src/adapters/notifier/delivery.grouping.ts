import { ReplyBuilder } from '../../core/messages/reply-builder.js';
import type { Reply, Tone } from '../../core/messages/reply.js';

const TONE_RANK: Record<Tone, number> = { info: 0, success: 1, warning: 2, error: 3 };

/**
 * One message standing for several queued announcements: a header with the count, then each
 * announcement's plain text (its buttons become the "[1] Label" fallback text). The tone is the worst one.
 */
export function groupReplies(parts: readonly Reply[]): Reply {
  const [only] = parts;
  if (parts.length === 1 && only) return only;
  const tone = parts.reduce<Tone>((worst, p) => (TONE_RANK[p.tone] > TONE_RANK[worst] ? p.tone : worst), 'info');
  const builder = new ReplyBuilder(tone).header(`${parts.length} notifications (grouped while delivery was rate-limited)`);
  for (const part of parts) builder.text(part.text);
  return builder.build();
}

/**
 * Appends `next` to `parts` when the grouped message still fits in one platform message; returns whether it
 * did. A single announcement is always accepted into an empty group (the renderer splits an oversized one).
 */
export function tryAppend(parts: Reply[], next: Reply, fits: (reply: Reply) => boolean): boolean {
  if (parts.length === 0) {
    parts.push(next);
    return true;
  }
  if (!fits(groupReplies([...parts, next]))) return false;
  parts.push(next);
  return true;
}
