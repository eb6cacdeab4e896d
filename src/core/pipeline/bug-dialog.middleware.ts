/**
 * Answers to an open bug dialog: typed messages and photos (MessageEvent), its buttons (Back, Cancel,
 * Skip, priorities) and its submitted form (FormEvent). Placed after the gate, so only known people in
 * registered chats reach it; the dialog itself belongs to one person, and nobody else can answer it.
 */
import { replies } from '../messages/reply-builder.js';
import type { CoreServices } from '../services.js';
import { answerMessage, clickDialog, isDialogAction, submitForm, type DialogDeps } from '../support/bug-dialog.js';
import { BUG_ACTION } from '../support/bug-questions.js';
import { finish, type Middleware } from './middleware.js';

export function dialogDeps(services: CoreServices): DialogDeps | undefined {
  const { bugs } = services;
  return bugs && { bugs, notifier: services.actions.notifier, clock: services.clock, logger: services.logger, catalog: services.catalog };
}

export function bugDialogMiddleware(services: CoreServices): Middleware {
  return async (ctx, next) => {
    const { event } = ctx;
    const ours = event.kind === 'message' || event.kind === 'form' || (event.kind === 'action' && isDialogAction(event.actionId));
    if (!ours) return next();
    const deps = dialogDeps(services);
    ctx.auditIntent = event.kind === 'message' ? 'bug.answer' : event.kind === 'form' ? BUG_ACTION.submit : event.actionId;
    if (!deps) return finish(ctx, 'invalid', replies.warning('Bug reports are not set up here.'), 'bug reports not wired');
    const person = ctx.person!;
    if (event.kind === 'message') {
      ctx.argsText = event.photo ? '(photo)' : `(${event.text?.length ?? 0} characters)`;
      const r = await answerMessage(deps, person, event);
      return finish(ctx, r.outcome, r.reply, r.detail);
    }
    if (event.kind === 'form') {
      ctx.argsText = `${event.actionId} ${event.formId}`.slice(0, 100);
      const r = event.actionId === BUG_ACTION.submit ? await submitForm(deps, person, event) : undefined;
      if (!r) return finish(ctx, 'invalid', replies.warning('This form is no longer valid.'), 'unknown form');
      return finish(ctx, r.outcome, r.reply, r.detail);
    }
    if (event.kind === 'action') {
      ctx.argsText = `${event.actionId} ${event.pendingId}`.slice(0, 100);
      const r = await clickDialog(deps, person, event);
      return finish(ctx, r.outcome, r.reply, r.detail);
    }
  };
}
