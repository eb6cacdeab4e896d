import type { Platform } from '../../core/messages/inbound.js';
import type { Reply } from '../../core/messages/reply.js';
import type { ChatCore } from '../../core/pipeline/chat-core.js';
import type { Logger } from '../../core/ports/logger.port.js';

export interface PostedRef {
  platform: Platform;
  chatId: string;
  messageId: string;
}

/** Distinct pending-action ids of a reply's buttons, in the order they appear. */
export function pendingIdsOf(reply: Reply): string[] {
  const ids = new Set<string>();
  for (const block of reply.blocks) {
    if (block.type !== 'buttons') continue;
    for (const button of block.buttons) ids.add(button.pendingId);
  }
  return [...ids];
}

/**
 * Tells the core where a reply with buttons was posted (one call per distinct pending id), so job progress
 * can edit that message later. A failure is logged, never thrown: the reply is already out.
 */
export async function attachPosted(
  core: Pick<ChatCore, 'attachMessage'>,
  pendingIds: readonly string[],
  ref: PostedRef,
  logger: Logger,
): Promise<void> {
  for (const pendingId of pendingIds) {
    try {
      await core.attachMessage(pendingId, ref);
    } catch (err) {
      logger.warn({ err: summary(err), pendingId, platform: ref.platform }, 'attaching the posted message failed');
    }
  }
}

function summary(err: unknown): { message: string } {
  return { message: err instanceof Error ? err.message : String(err) };
}
