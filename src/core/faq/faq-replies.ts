/**
 * What `faq` answers: the best entries with "Did this help?" buttons, the categories as buttons, a
 * category's questions as buttons, and the answer to a vote. Buttons carry an action id and the short id
 * of the entry or category (the pending-id slot), never the text itself.
 */
import { ReplyBuilder, replies } from '../messages/reply-builder.js';
import type { Button, Reply } from '../messages/reply.js';
import type { FaqTally, FaqVoteResult } from '../ports/faq-vote.port.js';
import type { FaqCatalog, FaqCategory, FaqEntry } from './faq-catalog.js';

export const FAQ_ACTIONS = {
  /** A category button: lists its questions. */
  category: 'faq.cat',
  /** A question button: shows its answer. */
  question: 'faq.q',
  /** Back to the list of categories. */
  top: 'faq.top',
  yes: 'faq.yes',
  no: 'faq.no',
} as const;

export const isFaqAction = (actionId: string): boolean => (Object.values(FAQ_ACTIONS) as string[]).includes(actionId);

/** The pending-id slot of the "all categories" button (it needs no id). */
export const FAQ_TOP_ID = 'all';

/** Most buttons one list shows (Slack allows 25 per actions block and 50 blocks; a phone far fewer). */
export const FAQ_MAX_BUTTONS = 24;

/** Answers longer than this are cut in chat (the file holds the whole text). */
const ANSWER_MAX = 1500;

function tallyLine(t: FaqTally | undefined): string {
  if (!t || t.helpful + t.notHelpful === 0) return 'Did this help?';
  return `Did this help? ${t.helpful} of ${t.helpful + t.notHelpful} said yes`;
}

function voteButtons(entry: FaqEntry, n: number | undefined): Button[] {
  const mark = n === undefined ? '' : `${n} `;
  return [
    { label: `${mark}👍 Yes`, actionId: FAQ_ACTIONS.yes, pendingId: entry.id },
    { label: `${mark}👎 No`, actionId: FAQ_ACTIONS.no, pendingId: entry.id },
  ];
}

const cut = (text: string): string => (text.length > ANSWER_MAX ? `${text.slice(0, ANSWER_MAX - 1)}…` : text);

/** The best matches, each with its Yes/No buttons (numbered when there are several). */
export function answersReply(words: string, entries: FaqEntry[], tallies: Map<string, FaqTally>): Reply {
  const b = new ReplyBuilder().header(`FAQ: ${words}`.slice(0, 150));
  const numbered = entries.length > 1;
  entries.forEach((e, i) => {
    if (i > 0) b.divider();
    b.text(`${numbered ? `${i + 1}. ` : ''}${e.question}`);
    b.text(cut(e.answer));
    b.context(`${e.category} · ${tallyLine(tallies.get(e.id))}`);
    b.block({ type: 'buttons', buttons: voteButtons(e, numbered ? i + 1 : undefined) });
  });
  return b.build();
}

/** One entry (a question button's answer). */
export function entryReply(entry: FaqEntry, tally: FaqTally | undefined): Reply {
  return new ReplyBuilder()
    .header(entry.question.slice(0, 150))
    .text(cut(entry.answer))
    .context(`${entry.category} · ${tallyLine(tally)}`)
    .block({ type: 'buttons', buttons: voteButtons(entry, undefined) })
    .build();
}

export function categoriesReply(faq: FaqCatalog, lead?: string): Reply {
  const b = new ReplyBuilder().header('FAQ');
  if (lead) b.text(lead);
  const shown = faq.categories.slice(0, FAQ_MAX_BUTTONS);
  b.text(`${faq.size} questions in ${faq.categories.length} ${faq.categories.length === 1 ? 'category' : 'categories'}. Pick one, or ask: faq <words>`);
  if (shown.length < faq.categories.length) b.context(`First ${shown.length} categories shown.`);
  b.block({ type: 'buttons', buttons: shown.map((c) => ({ label: c.name, actionId: FAQ_ACTIONS.category, pendingId: c.id })) });
  return b.build();
}

export function categoryReply(category: FaqCategory): Reply {
  const shown = category.entries.slice(0, FAQ_MAX_BUTTONS);
  const b = new ReplyBuilder().header(`FAQ: ${category.name}`);
  b.text(shown.map((e, i) => `${i + 1}. ${e.question}`).join('\n'));
  if (shown.length < category.entries.length) b.context(`First ${shown.length} of ${category.entries.length}; faq <words> finds the others.`);
  b.block({
    type: 'buttons',
    buttons: [
      ...shown.map((e, i) => ({ label: `${i + 1}`, actionId: FAQ_ACTIONS.question, pendingId: e.id })),
      { label: 'All categories', actionId: FAQ_ACTIONS.top, pendingId: FAQ_TOP_ID },
    ],
  });
  return b.build();
}

export function noMatchReply(faq: FaqCatalog, words: string): Reply {
  return categoriesReply(faq, `No question matches "${words.slice(0, 100)}".`);
}

export const noFaqReply = (): Reply => replies.warning('No FAQ is configured.', 'An admin can name a file under faq.file in the config.');

/** The private answer to a Yes/No click, with the entry's counts after it. */
export function voteReply(result: FaqVoteResult, helpful: boolean, tally: FaqTally | undefined): Reply {
  const counts = tally ? ` ${tally.helpful} of ${tally.helpful + tally.notHelpful} found it helpful.` : '';
  const text =
    result === 'recorded'
      ? `${helpful ? 'Thanks, glad it helped.' : 'Thanks for saying so.'}${counts}`
      : result === 'changed'
        ? `Your vote is now "${helpful ? 'yes' : 'no'}".${counts}`
        : `You already said "${helpful ? 'yes' : 'no'}" here.${counts}`;
  return { ...new ReplyBuilder('success').text(text).build(), visibility: 'private', placement: 'new' };
}
