import type { Attachment, Block, Field, MentionPerson, Reply, Tone } from './reply.js';

/** Builds a Reply and derives its plain-text fallback from the blocks, so the two never disagree. */
export class ReplyBuilder {
  private readonly blocks: Block[] = [];
  private attachment: Attachment | undefined;

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

  build(): Reply {
    const reply: Reply = { tone: this.tone, text: plainText(this.blocks), blocks: [...this.blocks] };
    if (this.attachment) reply.attachment = this.attachment;
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
