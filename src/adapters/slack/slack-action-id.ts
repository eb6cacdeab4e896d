import { SLACK_LIMITS as L, type SlackBlock } from './slack-block.types.js';

/**
 * Slack refuses a message in which two elements share an action_id (`invalid_blocks`), but the core gives
 * every button of a kind the same action id (`faq.cat`, `faq.yes`…) and tells them apart by the pending
 * id. So the renderer numbers the repeats of an action id within one message (`faq.cat`, `faq.cat#2`,
 * `faq.cat#3`) and the click parser takes the number off again.
 */
const REPEAT = /#\d+$/;

/** The blocks with every repeated action_id made unique within them (one message's blocks). */
export function uniqueActionIds(blocks: SlackBlock[]): SlackBlock[] {
  const seen = new Map<string, number>();
  return blocks.map((block) => {
    if (block.type !== 'actions') return block;
    const elements = block.elements.map((e) => {
      const n = (seen.get(e.action_id) ?? 0) + 1;
      seen.set(e.action_id, n);
      if (n === 1) return e;
      const suffix = `#${n}`;
      return { ...e, action_id: `${e.action_id.slice(0, L.actionId - suffix.length)}${suffix}` };
    });
    return { ...block, elements };
  });
}

/** The core's action id of a clicked button: its action_id without the repeat number. */
export const clickedActionId = (actionId: string): string => actionId.replace(REPEAT, '');
