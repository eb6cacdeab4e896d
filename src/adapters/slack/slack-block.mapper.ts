import type { Block, Button, Field } from '../../core/messages/reply.js';
import { formatDefinitions, formatTable } from '../../core/messages/reply-builder.js';
import { escapeMrkdwn, splitEscaped, truncateEscaped, truncatePlain } from './slack-mrkdwn.js';
import { SLACK_LIMITS as L, type SlackBlock, type SlackButton } from './slack-block.types.js';

/** A rendered Slack block with the escaped plain-text fallback of what it shows. */
export interface RenderedBlock {
  block: SlackBlock;
  fallback: string;
}

const FENCE = '```';
const FENCE_OVERHEAD = FENCE.length * 2 + 2; // "```\n" + body + "\n```"

/** Maps one neutral block to one or more Slack blocks, honouring Slack's per-block limits. */
export function mapBlock(block: Exclude<Block, { type: 'mention' }>): RenderedBlock[] {
  switch (block.type) {
    case 'header':
      return [header(truncatePlain(block.text, L.headerText))];
    case 'text':
      return splitEscaped(block.text, L.sectionText).map((text) => ({ block: { type: 'section', text: mrkdwn(text) }, fallback: text }));
    case 'fields':
      return chunk(block.fields, L.fieldsPerSection).map(fieldsSection);
    case 'table':
      return codeSections(formatTable(block.columns, block.rows));
    case 'definitions':
      return codeSections(formatDefinitions(block.items));
    case 'code':
      return codeSections(block.text);
    case 'context':
      return [context(truncateEscaped(block.text, L.contextText))];
    case 'divider':
      return [{ block: { type: 'divider' }, fallback: '' }];
    case 'buttons':
      return chunk(block.buttons, L.buttonsPerActions).map(actions);
  }
}

function header(text: string): RenderedBlock {
  return { block: { type: 'header', text: plain(text) }, fallback: escapeMrkdwn(text) };
}

function context(text: string): RenderedBlock {
  return { block: { type: 'context', elements: [mrkdwn(text)] }, fallback: text };
}

function plain(text: string): { type: 'plain_text'; text: string; emoji: true } {
  return { type: 'plain_text', text, emoji: true };
}

function mrkdwn(text: string): { type: 'mrkdwn'; text: string } {
  return { type: 'mrkdwn', text };
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function fieldsSection(fields: Field[]): RenderedBlock {
  const pairs = fields.map((f) => {
    const label = truncateEscaped(f.label, 200);
    return { label, value: truncateEscaped(f.value, L.fieldText - label.length - 3) };
  });
  const fallback = pairs.map((p) => `${p.label}: ${p.value}`).join('\n');
  return { block: { type: 'section', fields: pairs.map((p) => mrkdwn(`*${p.label}*\n${p.value}`)) }, fallback };
}

function actions(buttons: Button[]): RenderedBlock {
  const elements = buttons.map((b): SlackButton => {
    const button: SlackButton = {
      type: 'button',
      text: plain(truncatePlain(b.label, L.buttonText)),
      action_id: b.actionId.slice(0, L.actionId),
      value: b.pendingId.slice(0, L.buttonValue),
    };
    if (b.style) button.style = b.style;
    return button;
  });
  const fallback = buttons.map((b, i) => `[${i + 1}] ${escapeMrkdwn(b.label)}`).join('  ');
  return { block: { type: 'actions', elements }, fallback };
}

/**
 * Code as fenced sections. Long code is split on line boundaries (a line longer than a section is cut
 * hard), each part closing and reopening its own fence. A fence inside the code is broken with a
 * zero-width space so it cannot close the block early.
 */
export function codeSections(code: string): RenderedBlock[] {
  const budget = L.sectionText - FENCE_OVERHEAD;
  const safe = code.replace(/```/g, '`\u200b``');
  const parts: string[] = [];
  let current: string[] = [];
  let size = 0;
  for (const line of safe.split('\n').flatMap((l) => splitEscaped(l, budget))) {
    const added = (current.length > 0 ? 1 : 0) + line.length;
    if (current.length > 0 && size + added > budget) {
      parts.push(current.join('\n'));
      current = [];
      size = 0;
    }
    size += (current.length > 0 ? 1 : 0) + line.length;
    current.push(line);
  }
  parts.push(current.join('\n'));
  return parts.map((body) => ({ block: { type: 'section', text: mrkdwn(`${FENCE}\n${body}\n${FENCE}`) }, fallback: body }));
}
