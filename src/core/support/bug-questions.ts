/**
 * The questions of the bug dialog and how each is shown: one question per message, with Back and Cancel
 * buttons, priorities as buttons, and the whole report as one form where the platform can show forms.
 * Buttons carry `<dialog id>-<version>`, so a click on an older question is told apart.
 */
import { ReplyBuilder } from '../messages/reply-builder.js';
import type { Button, FormSpec, Reply } from '../messages/reply.js';
import { BUG_PRIORITIES, BUG_STEPS, type BugDialog, type BugStep } from '../ports/bug-report.port.js';

export const BUG_ACTION = {
  back: 'bug.back',
  cancel: 'bug.cancel',
  skip: 'bug.skip',
  submit: 'bug.submit',
  priority: 'bug.p.',
} as const;

/** Longest answer to a question; a GitHub issue body holds far more, a chat message about this much. */
export const MAX_ANSWER = 1000;

export type ChatStep = (typeof BUG_STEPS)[number];

const QUESTION: Record<ChatStep, string> = {
  doing: 'What were you doing?',
  expected: 'What did you expect to happen?',
  happened: 'What happened instead?',
  priority: 'How urgent is it?',
  screenshot: 'Send a screenshot as a photo, or press Skip.',
};

export const isChatStep = (step: BugStep): step is ChatStep => step !== 'form';

export function dialogRef(d: Pick<BugDialog, 'id' | 'version'>): string {
  return `${d.id}-${d.version}`;
}

export function parseDialogRef(ref: string): { id: string; version: number } | undefined {
  const m = /^([0-9A-Za-z]{1,16})-(\d{1,9})$/.exec(ref);
  return m ? { id: m[1]!, version: Number(m[2]) } : undefined;
}

export function previousStep(step: ChatStep): ChatStep | undefined {
  const i = BUG_STEPS.indexOf(step);
  return i > 0 ? BUG_STEPS[i - 1] : undefined;
}

export function nextStep(step: ChatStep): ChatStep | undefined {
  return BUG_STEPS[BUG_STEPS.indexOf(step) + 1];
}

/** The question of the dialog's step, as one message with its buttons. */
export function questionReply(d: BugDialog, ttlMinutes: number, note?: string): Reply {
  const step = d.step as ChatStep;
  const ref = dialogRef(d);
  const n = BUG_STEPS.indexOf(step) + 1;
  const b = new ReplyBuilder('info');
  if (note) b.text(note);
  b.context(`Bug report for ${d.project}, question ${n} of ${BUG_STEPS.length}`);
  b.text(QUESTION[step]);
  const was = step === 'priority' ? d.answers.priority : step === 'screenshot' ? undefined : d.answers[step];
  if (was) b.context(`Before: ${was.length > 120 ? `${was.slice(0, 119)}…` : was}`);
  const buttons: Button[] = [];
  if (step === 'priority') {
    for (const p of BUG_PRIORITIES) buttons.push({ label: p, actionId: `${BUG_ACTION.priority}${p}`, pendingId: ref, ...(p === 'critical' ? { style: 'danger' as const } : {}) });
  }
  if (step === 'screenshot') buttons.push({ label: 'Skip', actionId: BUG_ACTION.skip, pendingId: ref, style: 'primary' });
  if (previousStep(step)) buttons.push({ label: 'Back', actionId: BUG_ACTION.back, pendingId: ref });
  buttons.push({ label: 'Cancel', actionId: BUG_ACTION.cancel, pendingId: ref });
  b.block({ type: 'buttons', buttons });
  if (n === 1) b.context(`Answer each question in a message. Left unanswered for ${ttlMinutes} minutes, the report is dropped.`);
  return b.build();
}

/** The whole report as one form (platforms that show forms). */
export function bugForm(d: BugDialog): FormSpec {
  return {
    actionId: BUG_ACTION.submit,
    id: dialogRef(d),
    title: `Bug in ${d.project}`.slice(0, 24),
    submit: 'Report',
    fields: [
      { kind: 'text', id: 'doing', label: QUESTION.doing, multiline: true, maxLength: MAX_ANSWER },
      { kind: 'text', id: 'expected', label: QUESTION.expected, multiline: true, maxLength: MAX_ANSWER },
      { kind: 'text', id: 'happened', label: QUESTION.happened, multiline: true, maxLength: MAX_ANSWER },
      { kind: 'choice', id: 'priority', label: QUESTION.priority, options: BUG_PRIORITIES.map((p) => ({ value: p, label: p })) },
      { kind: 'file', id: 'screenshot', label: 'Screenshot', optional: true, accept: ['png', 'jpg', 'jpeg', 'gif', 'webp'] },
    ],
  };
}
