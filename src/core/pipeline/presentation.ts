import { keepsClickedMessage } from '../domain/incident-actions.js';
import type { AnyInboundEvent } from '../messages/inbound.js';
import type { Reply } from '../messages/reply.js';

const hasButtons = (reply: Reply): boolean => reply.blocks.some((b) => b.type === 'buttons' && b.buttons.length > 0);

/**
 * Who sees the answer to an event and where it goes, decided once for every platform (a reply that already
 * says, such as `help`, keeps what it says):
 * - private: errors (a refusal, a typo) and, for a click, warnings that change nothing (a stale or refused
 *   click) — only the asker needs to hear them, and the clicked message keeps its buttons. A reply with
 *   buttons is never private: its message must stay where everyone can press them and progress can edit it.
 * - replace-clicked: the answer to a click takes the clicked message's place, except on an alert's living
 *   message (edited by the notifier), whose answers are new messages.
 */
export function presentReply(event: AnyInboundEvent, reply: Reply): Reply {
  const buttons = hasButtons(reply);
  const quiet = reply.tone === 'error' || (event.kind === 'action' && reply.tone === 'warning');
  const visibility = buttons ? 'chat' : (reply.visibility ?? (quiet ? 'private' : 'chat'));
  const placement = reply.placement ?? (event.kind === 'action' && !keepsClickedMessage(event.actionId) ? 'replace-clicked' : 'new');
  return { ...reply, visibility, placement };
}
