import type { Attachment, Block, ChartSpec, Definition, Field, MentionPerson, Reply, Tone } from './reply.js';

/** Builds a Reply and derives its plain-text fallback from the blocks, so the two never disagree. */
export class ReplyBuilder {
  private readonly blocks: Block[] = [];
  private attachment: Attachment | undefined;
  private chartSpec: ChartSpec | undefined;

  constructor(private readonly tone: Tone = 'info') {}

  header(text: string): this {
    this.blocks.push({ type: 'header', text });
    return this;
  }

  text(text: string): this {
    this.blocks.push({ type: 'text', text });
    return this;
  }

  fields(fields: Field[]): this {
    if (fields.length > 0) this.blocks.push({ type: 'fields', fields });
    return this;
  }

  table(columns: string[], rows: string[][]): this {
    this.blocks.push({ type: 'table', columns, rows });
    return this;
  }

  /** Terms with their descriptions under them, laid out narrow (see formatDefinitions). */
  definitions(items: Definition[]): this {
    this.blocks.push({ type: 'definitions', items });
    return this;
  }

  code(text: string): this {
    this.blocks.push({ type: 'code', text });
    return this;
  }

  context(text: string): this {
    this.blocks.push({ type: 'context', text });
    return this;
  }

  /** Mentions people (they get notified where the platform supports it), then `text`. */
  mention(people: MentionPerson[], text: string): this {
    this.blocks.push({ type: 'mention', text, people });
    return this;
  }

  divider(): this {
    this.blocks.push({ type: 'divider' });
    return this;
  }

  block(block: Block): this {
    this.blocks.push(block);
    return this;
  }

  attach(attachment: Attachment): this {
    this.attachment = attachment;
    return this;
  }

  chart(chart: ChartSpec): this {
    this.chartSpec = chart;
    return this;
  }

  build(): Reply {
    const reply: Reply = { tone: this.tone, text: plainText(this.blocks), blocks: [...this.blocks] };
    if (this.attachment) reply.attachment = this.attachment;
    if (this.chartSpec) reply.chart = this.chartSpec;
    return reply;
  }
}

export function plainText(blocks: Block[]): string {
  const parts: string[] = [];
  for (const b of blocks) {
    switch (b.type) {
      case 'header':
      case 'text':
      case 'context':
      case 'code':
        parts.push(b.text);
        break;
      case 'fields':
        parts.push(b.fields.map((f) => `${f.label}: ${f.value}`).join('\n'));
        break;
      case 'table':
        parts.push(formatTable(b.columns, b.rows));
        break;
      case 'definitions':
        parts.push(formatDefinitions(b.items));
        break;
      case 'mention':
        parts.push(mentionText(b.people, b.text));
        break;
      case 'buttons':
        parts.push(b.buttons.map((btn, i) => `[${i + 1}] ${btn.label}`).join('  '));
        break;
      case 'divider':
        break;
    }
  }
  return parts.join('\n\n');
}

/** Plain form of a mention block: `@Alice @Bob text` (or just the text when nobody is mentioned). */
export function mentionText(people: readonly MentionPerson[], text: string): string {
  return [...people.map((p) => `@${p.name}`), text].filter((s) => s !== '').join(' ');
}

/** Aligned monospace table, shared by every renderer that shows tables as preformatted text. */
export function formatTable(columns: string[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(columns), ...rows.map(line)].join('\n');
}

/** Widest line a phone shows in a monospace block without scrolling sideways. */
export const NARROW_WIDTH = 60;
const TERM_HANGING_INDENT = '  ';
const DESCRIPTION_INDENT = '    ';

/**
 * Definitions as narrow monospace text, shared by every renderer: each term line at the margin (a term
 * too wide wraps at spaces with a hanging indent), the description indented under it. No line is wider
 * than `width`; a single word wider than a line is cut.
 *
 *   logs <service> [env] [--lines N] [--since 10m]
 *     [--grep text]
 *       Tail logs with secrets masked
 */
export function formatDefinitions(items: readonly Definition[], width = NARROW_WIDTH): string {
  const lines: string[] = [];
  for (const item of items) {
    for (const term of item.term.split('\n')) lines.push(...wrapWords(term, width, '', TERM_HANGING_INDENT));
    if (item.description !== '') lines.push(...wrapWords(item.description, width, DESCRIPTION_INDENT, DESCRIPTION_INDENT));
  }
  return lines.join('\n');
}

/** Greedy word wrap: `first` prefixes the first line, `rest` every later one; no line exceeds `width`. */
export function wrapWords(text: string, width: number, first: string, rest: string): string[] {
  const lines: string[] = [];
  let line = '';
  const prefix = () => (lines.length === 0 ? first : rest);
  const words = text.split(' ').filter((w) => w !== '');
  for (let word of words) {
    if (line !== '' && line.length + 1 + word.length <= width) {
      line += ` ${word}`;
      continue;
    }
    if (line !== '') lines.push(line);
    // A word longer than a whole line is cut into line-sized pieces.
    while (prefix().length + word.length > width) {
      const room = Math.max(width - prefix().length, 1);
      lines.push(prefix() + word.slice(0, room));
      word = word.slice(room);
    }
    line = word === '' ? '' : prefix() + word;
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}

/** Short replies used by the pipeline and intents alike. */
export const replies = {
  error(title: string, hint?: string): Reply {
    const b = new ReplyBuilder('error').text(title);
    if (hint) b.context(hint);
    return b.build();
  },
  warning(title: string, hint?: string): Reply {
    const b = new ReplyBuilder('warning').text(title);
    if (hint) b.context(hint);
    return b.build();
  },
  info(text: string): Reply {
    return new ReplyBuilder('info').text(text).build();
  },
};
