import { formatDefinitions, formatTable, mentionText } from '../../core/messages/reply-builder.js';
import type { Block, Button, Field, Reply, Tone } from '../../core/messages/reply.js';

/** Plain-text rendering of a neutral Reply for the local REPL. Pure: colour only when asked (a TTY). */

export interface ShellRenderOptions {
  color?: boolean;
}

export interface RenderedShellReply {
  text: string;
  /** Every button of the reply, in the order they are numbered ([1], [2], …). */
  buttons: Button[];
}

const CODE_INDENT = '    ';
const ATTACHMENT_PREVIEW_LINES = 10;

const ansi = {
  bold: (s: string) => `\u001b[1m${s}\u001b[22m`,
  dim: (s: string) => `\u001b[2m${s}\u001b[22m`,
  red: (s: string) => `\u001b[31m${s}\u001b[39m`,
  yellow: (s: string) => `\u001b[33m${s}\u001b[39m`,
  green: (s: string) => `\u001b[32m${s}\u001b[39m`,
};

type Paint = (kind: 'bold' | 'dim' | 'red' | 'yellow' | 'green', s: string) => string;

function painter(color: boolean): Paint {
  return (kind, s) => (color ? ansi[kind](s) : s);
}

function renderFields(fields: Field[]): string {
  const width = Math.max(...fields.map((f) => f.label.length));
  return fields.map((f) => `${`${f.label}:`.padEnd(width + 1)} ${f.value}`).join('\n');
}

function renderButtons(buttons: Button[], firstNumber: number, paint: Paint): string {
  return buttons
    .map((b, i) => {
      const label = `[${firstNumber + i}] ${b.label}`;
      return b.style === 'danger' ? paint('red', label) : b.style === 'primary' ? paint('bold', label) : label;
    })
    .join('  ');
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? l : prefix + l))
    .join('\n');
}

function renderBlock(block: Block, firstButton: number, paint: Paint): string | null {
  switch (block.type) {
    case 'header':
      return paint('bold', `${block.text}\n${'='.repeat(Math.min(block.text.length, 72))}`);
    case 'text':
      return block.text;
    case 'fields':
      return block.fields.length > 0 ? renderFields(block.fields) : null;
    case 'table':
      return formatTable(block.columns, block.rows);
    case 'definitions':
      return formatDefinitions(block.items);
    case 'code':
      return indent(block.text, CODE_INDENT);
    case 'context':
      return paint('dim', block.text);
    case 'mention':
      return mentionText(block.people, block.text);
    case 'buttons':
      return block.buttons.length > 0 ? renderButtons(block.buttons, firstButton, paint) : null;
    case 'divider':
      return '-'.repeat(40);
  }
}

function toneMark(tone: Tone, paint: Paint): string {
  if (tone === 'error') return paint('red', 'Error: ');
  if (tone === 'warning') return paint('yellow', 'Warning: ');
  return '';
}

export function renderShellReply(reply: Reply, options: ShellRenderOptions = {}): RenderedShellReply {
  const paint = painter(options.color ?? false);
  const buttons: Button[] = [];
  const parts: string[] = [];
  for (const block of reply.blocks) {
    const rendered = renderBlock(block, buttons.length + 1, paint);
    if (block.type === 'buttons') buttons.push(...block.buttons);
    if (rendered !== null) parts.push(rendered);
  }
  const body = parts.length > 0 ? parts.join('\n\n') : reply.text;
  return { text: toneMark(reply.tone, paint) + body, buttons };
}

/** Where an attachment went, with its first lines so short output needs no second command. */
export function renderAttachmentNotice(path: string, content: string, title?: string, maxLines = ATTACHMENT_PREVIEW_LINES): string {
  const lines = content.replace(/\n$/, '').split('\n');
  const shown = lines.slice(0, maxLines);
  const more = lines.length - shown.length;
  const head = `${title ? `${title}: ` : 'Attachment: '}saved to ${path}`;
  const tail = more > 0 ? `\n${CODE_INDENT}… ${more} more line${more === 1 ? '' : 's'}` : '';
  return `${head}\n${indent(shown.join('\n'), CODE_INDENT)}${tail}`;
}

/** The answer to a number that matches no button of the last reply. */
export function renderInvalidChoice(input: string, count: number): string {
  return `No option ${input}: choose 1–${count}, or type a command.`;
}
