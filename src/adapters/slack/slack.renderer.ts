import type { Block, MentionPerson, Reply } from '../../core/messages/reply.js';
import { uniqueActionIds } from './slack-action-id.js';
import { mapBlock, type RenderedBlock } from './slack-block.mapper.js';
import { escapeMrkdwn, splitEscaped } from './slack-mrkdwn.js';
import { SLACK_LIMITS as L, type SlackFileUpload, type SlackMessage } from './slack-block.types.js';
import { SLACK } from './slack.platform.js';

export type { SlackBlock, SlackFileUpload, SlackMessage } from './slack-block.types.js';

/**
 * Renders a neutral Reply as one or more Slack messages (pure). Each message holds at most 50 blocks and
 * 40,000 characters of text; its `text` is the mrkdwn-escaped plain fallback of exactly its own blocks, and
 * no action_id occurs twice in it (slack-action-id.ts).
 */
export function renderSlack(reply: Reply): SlackMessage[] {
  const rendered = reply.blocks.length > 0 ? reply.blocks.flatMap(renderBlock) : mapBlock({ type: 'text', text: reply.text });
  return pack(rendered);
}

function renderBlock(block: Block): RenderedBlock[] {
  return block.type === 'mention' ? mentionSections(block.people, block.text) : mapBlock(block);
}

/** `<@U123>` for people with a Slack id (they get notified), else the escaped name. */
export function slackMention(person: MentionPerson): string {
  const id = person.accounts?.[SLACK];
  return id && /^[UW][A-Z0-9]{2,20}$/.test(id) ? `<@${id}>` : escapeMrkdwn(person.name.slice(0, 64));
}

/** Mentions then text as sections; the fallback keeps the `<@U…>` so the notification mentions them too. */
function mentionSections(people: MentionPerson[], text: string): RenderedBlock[] {
  const tags = people.slice(0, 50).map(slackMention).join(' ');
  const budget = Math.max(L.sectionText - tags.length - 1, 100);
  const [first = '', ...rest] = text === '' ? [''] : splitEscaped(text, budget);
  const head = [tags, first].filter((s) => s !== '').join(' ');
  return [head, ...rest].filter((t) => t !== '').map((t) => ({ block: { type: 'section', text: { type: 'mrkdwn', text: t } }, fallback: t }));
}

/** The reply's attachment as a file upload, or undefined when it has none. */
export function renderSlackFile(reply: Reply): SlackFileUpload | undefined {
  const a = reply.attachment;
  if (!a) return undefined;
  return { filename: a.filename, content: a.content, title: a.title ?? a.filename };
}

/** Characters of text a block shows (what Slack's 40,000-character message limit counts). */
export function blockTextLength({ block }: RenderedBlock): number {
  switch (block.type) {
    case 'header':
      return block.text.text.length;
    case 'section':
      return 'fields' in block ? block.fields.reduce((n, f) => n + f.text.length, 0) : block.text.text.length;
    case 'context':
      return block.elements.reduce((n, e) => n + e.text.length, 0);
    case 'actions':
      return block.elements.reduce((n, e) => n + e.text.text.length, 0);
    case 'divider':
      return 0;
  }
}

function pack(rendered: RenderedBlock[]): SlackMessage[] {
  const messages: RenderedBlock[][] = [];
  let current: RenderedBlock[] = [];
  let textSize = 0;
  let fallbackSize = 0;
  for (const r of rendered) {
    const addText = blockTextLength(r);
    const addFallback = r.fallback.length + (current.length > 0 ? 2 : 0);
    const full =
      current.length >= L.blocksPerMessage ||
      textSize + addText > L.textPerMessage ||
      fallbackSize + addFallback > L.textPerMessage;
    if (current.length > 0 && full) {
      messages.push(current);
      current = [];
      textSize = 0;
      fallbackSize = 0;
    }
    textSize += addText;
    fallbackSize += r.fallback.length + (current.length > 0 ? 2 : 0);
    current.push(r);
  }
  if (current.length > 0) messages.push(current);
  return messages.map(toMessage);
}

function toMessage(blocks: RenderedBlock[]): SlackMessage {
  const text = blocks
    .map((b) => b.fallback)
    .filter((t) => t.length > 0)
    .join('\n\n');
  return { text, blocks: uniqueActionIds(blocks.map((b) => b.block)) };
}
