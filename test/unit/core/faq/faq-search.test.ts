import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadFaqFile } from '../../../../src/bot/faq-file.js';

const faq = loadFaqFile(fileURLToPath(new URL('../../../fixtures/faq/faq.md', import.meta.url)));
const questions = (words: string) => faq.find(words).map((e) => e.question);

describe('faq matching (fixture file)', () => {
  it('finds the entry by the words of its question, best first, at most three', () => {
    expect(questions('roll back production')[0]).toBe('How do I roll back production?');
    expect(questions('how do I')).toHaveLength(3);
  });

  it('tolerates typos and word beginnings', () => {
    expect(questions('rolback prodution')[0]).toBe('How do I roll back production?');
    expect(questions('approv')[0]).toBe('Why is my deploy waiting for approval?');
  });

  it('matches words of the answer and the category, ranking the question words higher', () => {
    expect(questions('four-eyes')[0]).toBe('Why is my deploy waiting for approval?');
    expect(questions('crashed container logs')[0]).toBe('Where are the logs of a crashed container?');
    expect(questions('request id')[0]).toBe('How do I follow a request id across services?');
  });

  it('answers nothing for words that appear nowhere', () => {
    expect(questions('invoice quota xylophone')).toEqual([]);
    expect(questions('   ')).toEqual([]);
  });

  it('groups the entries by category in file order, with stable short ids', () => {
    expect(faq.categories.map((c) => [c.name, c.entries.length])).toEqual([
      ['Deploys', 3],
      ['Access', 2],
      ['Logs', 2],
    ]);
    const again = loadFaqFile(fileURLToPath(new URL('../../../fixtures/faq/faq.md', import.meta.url)));
    expect(again.categories.map((c) => c.id)).toEqual(faq.categories.map((c) => c.id));
    for (const c of faq.categories) for (const e of c.entries) expect(e.id).toMatch(/^[A-Za-z0-9_-]{10}$/);
  });
});
