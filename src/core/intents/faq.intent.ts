import { z } from 'zod';
import { answersReply, categoriesReply, noFaqReply, noMatchReply } from '../faq/faq-replies.js';
import { defineIntent } from './intent.js';

const USAGE = 'faq [question words]';

const schema = z.object({
  words: z.string().max(200, 'must be at most 200 characters'),
});

/** Answers from the FAQ file: the best three for the words, or the categories as buttons. Any known person. */
export const faqIntent = defineIntent({
  name: 'faq',
  summary: 'Answers to common questions (faq alone lists the categories)',
  usage: USAGE,
  minRole: null,
  schema,
  toInput: (a) => ({ words: a.positionals.join(' ').trim() }),
  resolve: (input) => ({ ok: true, args: { words: input.words } }),
  requires: () => null,
  async handle(ctx) {
    const faq = ctx.services.faq;
    if (!faq) return noFaqReply();
    const { words } = ctx.args;
    if (words === '') return categoriesReply(faq.catalog);
    const found = faq.catalog.find(words);
    if (found.length === 0) return noMatchReply(faq.catalog, words);
    return answersReply(words, found, await faq.votes.tally(found.map((e) => e.id)));
  },
});
