/**
 * The FAQ: entries (category, question, answer) read from the file the config names, and the word search
 * over them. MiniSearch scores by BM25 with prefix and fuzzy (edit distance) matching per word, so
 * "rollbak prod" still finds "How do I roll back production?"; it is pure computation (no I/O).
 */
import { createHash } from 'node:crypto';
import MiniSearch from 'minisearch';

export interface FaqEntry {
  /** Short stable id (from category and question): what a vote button carries. */
  id: string;
  category: string;
  question: string;
  answer: string;
}

export interface FaqCategory {
  /** Short stable id (from the name): what a category button carries. */
  id: string;
  name: string;
  entries: FaqEntry[];
}

/** How many entries a search answers with. */
export const FAQ_BEST = 3;

const shortId = (text: string): string => createHash('sha256').update(text).digest('base64url').slice(0, 10);

/** The id of an entry: the same file gives the same ids, so votes outlive restarts and edits of answers. */
export const faqEntryId = (category: string, question: string): string => shortId(`q\n${category.trim().toLowerCase()}\n${question.trim().toLowerCase()}`);
export const faqCategoryId = (category: string): string => shortId(`c\n${category.trim().toLowerCase()}`);

export class FaqCatalog {
  readonly categories: FaqCategory[];
  private readonly byId = new Map<string, FaqEntry>();
  private readonly categoryById = new Map<string, FaqCategory>();
  private readonly search: MiniSearch<FaqEntry>;

  constructor(entries: readonly Omit<FaqEntry, 'id'>[]) {
    const categories = new Map<string, FaqCategory>();
    for (const e of entries) {
      const entry: FaqEntry = { id: faqEntryId(e.category, e.question), ...e };
      if (this.byId.has(entry.id)) throw new Error(`the question "${e.question}" appears twice in category "${e.category}"`);
      this.byId.set(entry.id, entry);
      const id = faqCategoryId(e.category);
      const category = categories.get(id) ?? { id, name: e.category, entries: [] };
      category.entries.push(entry);
      categories.set(id, category);
    }
    this.categories = [...categories.values()];
    for (const c of this.categories) this.categoryById.set(c.id, c);
    this.search = new MiniSearch<FaqEntry>({
      fields: ['question', 'answer', 'category'],
      searchOptions: { boost: { question: 3, category: 1.5 }, prefix: (term) => term.length >= 3, fuzzy: (term) => (term.length >= 4 ? 0.25 : false), combineWith: 'OR' },
    });
    this.search.addAll([...this.byId.values()]);
  }

  get size(): number {
    return this.byId.size;
  }

  entry(id: string): FaqEntry | undefined {
    return this.byId.get(id);
  }

  category(id: string): FaqCategory | undefined {
    return this.categoryById.get(id);
  }

  /** The best entries for the words, best first (at most `limit`); none when no word matches. */
  find(words: string, limit = FAQ_BEST): FaqEntry[] {
    if (words.trim() === '') return [];
    return this.search
      .search(words)
      .slice(0, limit)
      .map((r) => this.byId.get(r.id as string)!);
  }
}
