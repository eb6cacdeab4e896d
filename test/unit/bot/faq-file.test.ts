import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile } from '../../../src/bot/config.js';
import { FaqFileError, loadFaqFile, parseFaq } from '../../../src/bot/faq-file.js';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/faq/${name}`, import.meta.url));
const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof FaqFileError || err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected an error');
};

describe('the FAQ file', () => {
  it('reads Markdown: ## category, ### question, the lines below as the answer', () => {
    const faq = loadFaqFile(fixture('faq.md'));
    expect(faq.size).toBe(7);
    const first = faq.categories[0]!.entries[0]!;
    expect(first).toMatchObject({
      category: 'Deploys',
      question: 'How do I roll back production?',
      answer: 'Run `rollback <service> prod`. It puts back the version that ran\nbefore the last deploy, after an operator confirms.',
    });
  });

  it('reads YAML: a list of category, question, answer', () => {
    const faq = loadFaqFile(fixture('faq.yaml'));
    expect(faq.categories.map((c) => c.name)).toEqual(['Deploys', 'Access']);
    // The same question gets the same id whichever format holds it (votes survive a change of format).
    expect(faq.categories[0]!.entries[0]!.id).toBe(loadFaqFile(fixture('faq.md')).categories[0]!.entries[0]!.id);
  });

  it('names every bad YAML entry by its line and field', () => {
    expect(problemsOf(() => loadFaqFile(fixture('bad.yaml')))).toEqual([
      'line 4: question: expected a question of at least 3 characters',
      'line 4: answer: expected an answer',
      'line 7: answer: expected string',
      'line 7: entry: unknown key(s) answr',
    ]);
  });

  it('names Markdown mistakes by line: a question outside a category, a duplicate, an empty answer', () => {
    expect(problemsOf(() => loadFaqFile(fixture('bad.md')))).toEqual([
      'line 1: the question "A question before any category" comes before any "## Category" heading',
      'line 9: the question "How do I roll back production?" is already in category "Deploys" (line 6)',
      'line 12: answer: expected an answer',
    ]);
  });

  it('refuses other file kinds, unreadable files and files without entries', () => {
    expect(problemsOf(() => parseFaq('x', 'faq.txt'))).toEqual(['the FAQ file must end in .md, .markdown, .yaml or .yml']);
    expect(problemsOf(() => loadFaqFile('/nonexistent/faq.md'))).toEqual(['cannot read the file: ENOENT']);
    expect(problemsOf(() => parseFaq('# Only a title\n', 'faq.md'))).toEqual(['no entries: write "## Category", then "### Question" and the answer below it']);
    expect(problemsOf(() => parseFaq('category: x\n', 'faq.yaml'))).toEqual(['expected a list of entries, each with category, question and answer']);
  });

  it('is a config error at start, named under faq.file, when the config names a bad file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faq-config-'));
    const config = readFileSync(fileURLToPath(new URL('../../fixtures/config/core.yaml', import.meta.url)), 'utf8');
    copyFileSync(fixture('bad.yaml'), join(dir, 'bad.yaml'));
    copyFileSync(fixture('faq.md'), join(dir, 'faq.md'));
    writeFileSync(join(dir, 'bad.yaml.config.yaml'), `${config}\nfaq: { file: bad.yaml }\n`);
    writeFileSync(join(dir, 'good.config.yaml'), `${config}\nfaq: { file: ./faq.md }\n`);
    const problems = problemsOf(() => loadConfigFile(join(dir, 'bad.yaml.config.yaml')));
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^line \d+: faq\.file bad\.yaml: line 4: question: expected a question of at least 3 characters$/);
    expect(loadConfigFile(join(dir, 'good.config.yaml')).faq?.size).toBe(7);
    expect(loadConfigFile(fileURLToPath(new URL('../../fixtures/config/core.yaml', import.meta.url))).faq).toBeUndefined();
  });
});
