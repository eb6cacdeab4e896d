/**
 * The bug report dialog: `bug [project]` opens it (one per person), each answer moves it on, Back and Cancel
 * work at every question, and the last answer files the report (bug-filing.ts). The state lives in the
 * dialog store, so whichever replica (or a restarted bot) gets the next answer continues it. A dialog left
 * unanswered for `dialogTtlMs` is abandoned.
 */
import { z } from 'zod';
import { findPerson } from '../domain/access.js';
import type { Catalog, Person } from '../domain/catalog.js';
import { formatLocal } from '../domain/rotation.js';
import type { ActionEvent, CommandEvent, FormEvent, MessageEvent } from '../messages/inbound.js';
import { ReplyBuilder, replies } from '../messages/reply-builder.js';
import type { Reply } from '../messages/reply.js';
import { BUG_PRIORITIES, type BugAnswers, type BugDialog, type BugPriority, type BugStep } from '../ports/bug-report.port.js';
import { fileReport, type FilingDeps } from './bug-filing.js';
import { BUG_ACTION, bugForm, isChatStep, MAX_ANSWER, nextStep, parseDialogRef, previousStep, questionReply, type ChatStep } from './bug-questions.js';

export type DialogDeps = FilingDeps;

/** An answer as the core takes it, with what went wrong for the audit log. */
export interface DialogOutcome {
  reply: Reply;
  outcome: 'ok' | 'invalid' | 'refused' | 'not_found';
  detail: string;
}

const ok = (reply: Reply, detail: string): DialogOutcome => ({ reply, outcome: 'ok', detail });
const ttlMinutes = (deps: DialogDeps) => Math.round(deps.bugs.dialogTtlMs / 60_000);

const NOT_OPEN = 'This bug report is no longer open.';
const NOT_OPEN_HINT = 'It was filed, cancelled, or dropped after a while without answers. Run bug to start again.';

const answerText = z.string().trim().min(1, 'an empty answer').max(MAX_ANSWER, `at most ${MAX_ANSWER} characters`);

/** `bug [project]`: opens the dialog the platform can hold (a form, or questions in the chat). */
export async function startBugDialog(deps: DialogDeps, event: CommandEvent, person: Person, project: string): Promise<DialogOutcome> {
  const abilities = event.abilities ?? {};
  if (!abilities.form && !abilities.followUps) {
    return {
      reply: replies.error('A bug report cannot be taken this way.', 'Use the slash command, or send bug to the bot in a chat where it can ask you questions.'),
      outcome: 'invalid',
      detail: 'no form or dialog here',
    };
  }
  const now = deps.clock.now();
  const open = () =>
    deps.bugs.dialogs.open({
      personId: person.id,
      platform: event.platform,
      chatId: event.chatId,
      project,
      step: abilities.form ? 'form' : 'doing',
      answers: {},
      startedAt: now,
      expiresAt: new Date(now.getTime() + deps.bugs.dialogTtlMs),
    });
  let opened = await open();
  // A form closed without sending leaves its dialog open: asking for a form again replaces it.
  if (!opened.opened && opened.existing.step === 'form' && abilities.form && opened.existing.platform === event.platform) {
    await deps.bugs.dialogs.close(opened.existing.id, opened.existing.version);
    opened = await open();
  }
  if (!opened.opened) return refuseSecond(deps, opened.existing);
  const d = opened.dialog;
  if (d.step === 'form') {
    return ok({ ...new ReplyBuilder('info').text(`Bug report for ${project}: fill in the form.`).build(), form: bugForm(d), visibility: 'private' }, 'form shown');
  }
  return ok(questionReply(d, ttlMinutes(deps)), 'dialog started');
}

function refuseSecond(deps: DialogDeps, existing: BugDialog): DialogOutcome {
  const where = existing.step === 'form' ? 'in a form' : `in a ${existing.platform} chat`;
  return {
    reply: replies.error(
      `You already have a bug report open (${existing.project}, started ${formatLocal(existing.startedAt, 'UTC')} ${where}).`,
      `Finish or cancel it first; without answers it is dropped at ${formatLocal(existing.expiresAt, 'UTC')}.`,
    ),
    outcome: 'refused',
    detail: 'a dialog is already open',
  };
}

/**
 * Whether the person behind a message has a dialog in this chat waiting for a typed answer. Never throws:
 * when the store cannot answer, the message is not taken for an answer.
 */
export async function awaitsAnswer(deps: DialogDeps, catalog: Catalog, event: Pick<MessageEvent, 'platform' | 'platformUserId' | 'chatId'>): Promise<boolean> {
  const person = findPerson(catalog, event.platform, event.platformUserId);
  if (!person) return false;
  try {
    const d = await deps.bugs.dialogs.current(person.id, deps.clock.now());
    return !!d && d.platform === event.platform && d.chatId === event.chatId && d.step !== 'form';
  } catch (err) {
    deps.logger.warn({ err }, 'could not look up an open bug dialog');
    return false;
  }
}

async function openHere(deps: DialogDeps, person: Person, event: { platform: string; chatId: string }): Promise<BugDialog | null> {
  const d = await deps.bugs.dialogs.current(person.id, deps.clock.now());
  return d && d.platform === event.platform && d.chatId === event.chatId ? d : null;
}

async function moveTo(deps: DialogDeps, d: BugDialog, step: ChatStep, answers: BugAnswers): Promise<DialogOutcome> {
  const now = deps.clock.now();
  const moved = await deps.bugs.dialogs.advance(d.id, d.version, { step, answers, expiresAt: new Date(now.getTime() + deps.bugs.dialogTtlMs) }, now);
  if (!moved) return { reply: replies.warning('That question was already answered.', 'Answer the newest question.'), outcome: 'refused', detail: 'stale dialog' };
  return ok(questionReply(moved, ttlMinutes(deps)), `now at ${step}`);
}

async function finish(deps: DialogDeps, person: Person, d: BugDialog, answers: BugAnswers): Promise<DialogOutcome> {
  if (!(await deps.bugs.dialogs.close(d.id, d.version))) {
    return { reply: replies.warning('This bug report was already sent.'), outcome: 'refused', detail: 'already submitted' };
  }
  const { doing, expected, happened, priority } = answers;
  if (!doing || !expected || !happened || !priority) throw new Error(`bug dialog ${d.id} finished without every answer`);
  const reply = await fileReport(deps, person, { project: d.project, platform: d.platform, chatId: d.chatId, doing, expected, happened, priority, screenshot: answers.screenshot });
  return ok(reply, 'submitted');
}

/** A message from a person whose dialog waits in this chat: the answer to the current question. */
export async function answerMessage(deps: DialogDeps, person: Person, event: MessageEvent): Promise<DialogOutcome> {
  const d = await openHere(deps, person, event);
  if (!d) return { reply: replies.warning(NOT_OPEN, NOT_OPEN_HINT), outcome: 'not_found', detail: 'no open dialog' };
  if (!isChatStep(d.step)) return { reply: replies.warning('Your bug report is open in a form: send or close it there.'), outcome: 'invalid', detail: 'form open' };
  const step = d.step;
  const again = (problem: string): DialogOutcome => ({ reply: questionReply(d, ttlMinutes(deps), problem), outcome: 'invalid', detail: problem });
  if (step === 'screenshot') {
    if (event.photo) return finish(deps, person, d, { ...d.answers, screenshot: { platform: event.platform, ref: event.photo.ref } });
    if (event.text?.trim().toLowerCase() === 'skip') return finish(deps, person, d, d.answers);
    return again('That is not a photo.');
  }
  if (step === 'priority') {
    const word = event.text?.trim().toLowerCase();
    const priority = BUG_PRIORITIES.find((p) => p === word);
    if (!priority) return again(`Pick one of ${BUG_PRIORITIES.join(', ')}.`);
    return moveTo(deps, d, nextStep(step)!, { ...d.answers, priority });
  }
  if (event.text === undefined) return again('Please answer in words.');
  const text = answerText.safeParse(event.text);
  if (!text.success) return again(`That answer is ${text.error.issues[0]!.message}.`);
  return moveTo(deps, d, nextStep(step)!, { ...d.answers, [step]: text.data });
}

/** Back, Cancel, Skip and the priority buttons. */
export async function clickDialog(deps: DialogDeps, person: Person, event: ActionEvent): Promise<DialogOutcome> {
  const ref = parseDialogRef(event.pendingId);
  const d = ref ? await deps.bugs.dialogs.current(person.id, deps.clock.now()) : null;
  if (!ref || !d || d.id !== ref.id) return { reply: replies.warning(NOT_OPEN, NOT_OPEN_HINT), outcome: 'not_found', detail: 'no open dialog' };
  if (d.version !== ref.version || !isChatStep(d.step)) {
    return { reply: replies.warning('That question was already answered.', 'Answer the newest question.'), outcome: 'refused', detail: 'stale dialog' };
  }
  const step = d.step;
  if (event.actionId === BUG_ACTION.cancel) {
    if (!(await deps.bugs.dialogs.close(d.id, d.version))) return { reply: replies.warning('That question was already answered.'), outcome: 'refused', detail: 'stale dialog' };
    return ok(replies.info('Bug report cancelled; nothing was filed.'), 'cancelled');
  }
  if (event.actionId === BUG_ACTION.back) {
    const back = previousStep(step);
    return back ? moveTo(deps, d, back, d.answers) : { reply: questionReply(d, ttlMinutes(deps)), outcome: 'invalid', detail: 'no question before' };
  }
  if (event.actionId === BUG_ACTION.skip && step === 'screenshot') return finish(deps, person, d, d.answers);
  const priority = event.actionId.startsWith(BUG_ACTION.priority) ? BUG_PRIORITIES.find((p) => `${BUG_ACTION.priority}${p}` === event.actionId) : undefined;
  if (priority && step === 'priority') return moveTo(deps, d, nextStep(step)!, { ...d.answers, priority });
  return { reply: replies.warning('That button does not answer this question.'), outcome: 'invalid', detail: 'button of another step' };
}

const formValues = z.object({
  doing: answerText,
  expected: answerText,
  happened: answerText,
  priority: z.enum(BUG_PRIORITIES, { error: `one of ${BUG_PRIORITIES.join(', ')}` }),
});

/** The submitted form: every field checked, then filed. */
export async function submitForm(deps: DialogDeps, person: Person, event: FormEvent): Promise<DialogOutcome> {
  const ref = parseDialogRef(event.formId);
  const d = ref ? await deps.bugs.dialogs.current(person.id, deps.clock.now()) : null;
  if (!ref || !d || d.id !== ref.id || d.step !== 'form' || d.version !== ref.version) {
    return { reply: replies.warning(NOT_OPEN, NOT_OPEN_HINT), outcome: 'not_found', detail: 'no open form' };
  }
  const parsed = formValues.safeParse(event.values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const problem = `${String(issue.path[0] ?? 'form')}: ${issue.message}`;
    await deps.bugs.dialogs.close(d.id, d.version);
    return { reply: replies.error(`The bug report was not filed (${problem}).`, 'Run bug again.'), outcome: 'invalid', detail: problem };
  }
  const file = event.files?.['screenshot']?.[0];
  const answers: BugAnswers = { ...parsed.data, priority: parsed.data.priority as BugPriority, ...(file ? { screenshot: { platform: event.platform, ref: file.ref, ...(file.url ? { url: file.url } : {}) } } : {}) };
  return finish(deps, person, d, answers);
}

/** Whether an action id is one of the dialog's buttons. */
export const isDialogAction = (actionId: string): boolean => actionId.startsWith('bug.');

export type { BugStep };
