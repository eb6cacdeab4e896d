/**
 * The FAQ file the config names (`faq.file`): Markdown (`## Category`, `### Question`, the answer below)
 * or YAML (a list of `{category, question, answer}`). Every entry is validated; a bad file is a config error
 * at start naming the line, so a typo never reaches a chat as a missing answer.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { isSeq, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { FaqCatalog, faqEntryId } from '../core/faq/faq-catalog.js';

export const faqEntrySchema = z.strictObject({
  category: z.string().trim().min(1, 'a category name').max(60, 'a category of at most 60 characters'),
  question: z.string().trim().min(3, 'a question of at least 3 characters').max(200, 'a question of at most 200 characters'),
  answer: z.string().trim().min(1, 'an answer').max(3000, 'an answer of at most 3000 characters'),
});

export type FaqFileEntry = z.infer<typeof faqEntrySchema>;

export class FaqFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`Invalid FAQ file ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'FaqFileError';
  }
}

const MAX_ENTRIES = 2000;

interface Located {
  line: number;
  value: unknown;
}

/** Markdown: `## ` starts a category, `### ` a question; the lines up to the next heading are its answer. */
function markdownEntries(text: string): { entries: Located[]; problems: string[] } {
  const entries: Located[] = [];
  const problems: string[] = [];
  let category: string | undefined;
  let current: { line: number; question: string; answer: string[]; category: string } | undefined;
  const close = () => {
    if (current) entries.push({ line: current.line, value: { category: current.category, question: current.question, answer: current.answer.join('\n') } });
    current = undefined;
  };
  let fence = false;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (/^\s*(```|~~~)/.test(raw)) fence = !fence;
    const heading = fence ? null : /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(raw);
    if (heading) {
      const level = heading[1]!.length;
      if (level === 2) {
        close();
        category = heading[2]!;
        return;
      }
      if (level === 3) {
        close();
        if (category === undefined) problems.push(`line ${line}: the question "${heading[2]}" comes before any "## Category" heading`);
        else current = { line, question: heading[2]!, answer: [], category };
        return;
      }
      if (level === 1 && !current) return; // a title
    }
    if (current) current.answer.push(raw);
    else if (raw.trim() !== '' && category !== undefined) problems.push(`line ${line}: text outside a question (start one with "### ")`);
  });
  close();
  return { entries, problems };
}

function yamlEntries(text: string): { entries: Located[]; problems: string[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) return { entries: [], problems: doc.errors.map((e) => `line ${lines.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`) };
  if (!isSeq(doc.contents)) return { entries: [], problems: ['expected a list of entries, each with category, question and answer'] };
  const values = doc.toJS() as unknown[];
  return {
    entries: doc.contents.items.map((node, i) => {
      const offset = (node as { range?: [number, number, number] }).range?.[0];
      return { line: offset === undefined ? 0 : lines.linePos(offset).line, value: values[i] };
    }),
    problems: [],
  };
}

export function parseFaq(text: string, file: string): FaqFileEntry[] {
  const ext = extname(file).toLowerCase();
  const isMarkdown = ext === '.md' || ext === '.markdown';
  if (!isMarkdown && ext !== '.yaml' && ext !== '.yml') throw new FaqFileError(file, ['the FAQ file must end in .md, .markdown, .yaml or .yml']);
  const { entries, problems } = isMarkdown ? markdownEntries(text) : yamlEntries(text);
  const out: FaqFileEntry[] = [];
  const seen = new Map<string, number>();
  for (const { line, value } of entries) {
    const at = line ? `line ${line}: ` : '';
    const parsed = faqEntrySchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path.join('.') || 'entry';
        const what = issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}` : issue.code === 'invalid_type' ? `expected ${issue.expected}` : `expected ${issue.message}`;
        problems.push(`${at}${field}: ${what}`);
      }
      continue;
    }
    const id = faqEntryId(parsed.data.category, parsed.data.question);
    const first = seen.get(id);
    if (first !== undefined) problems.push(`${at}the question "${parsed.data.question}" is already in category "${parsed.data.category}" (line ${first})`);
    else seen.set(id, line);
    out.push(parsed.data);
  }
  if (problems.length === 0 && out.length === 0) problems.push(isMarkdown ? 'no entries: write "## Category", then "### Question" and the answer below it' : 'no entries');
  if (out.length > MAX_ENTRIES) problems.push(`at most ${MAX_ENTRIES} entries (found ${out.length})`);
  if (problems.length > 0) throw new FaqFileError(file, problems);
  return out;
}

export function loadFaqFile(file: string): FaqCatalog {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new FaqFileError(file, [`cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  return new FaqCatalog(parseFaq(text, file));
}
