import { hasRole } from '../domain/access.js';
import type { IntentContext, IntentServices } from '../intents/intent.js';
import { finish, type Middleware, type PipelineContext } from './middleware.js';

export function intentContext(ctx: PipelineContext, services: IntentServices): IntentContext<unknown> {
  const person = ctx.person!;
  const { event } = ctx;
  // Dialog answers (messages, forms) end in the bug dialog middleware; only commands and clicks get here.
  if (event.kind !== 'command' && event.kind !== 'action') throw new Error(`a ${event.kind} event reached an intent`);
  return {
    event,
    person,
    chatProjects: ctx.chatProjects,
    args: ctx.args,
    requestId: ctx.requestId,
    services,
    can: (r) => (r.project === undefined || ctx.chatProjects.includes(r.project)) && hasRole(person, r.role, r.project, r.env),
  };
}

/** Runs the intent's handler. */
export function executeMiddleware(services: IntentServices): Middleware {
  return async (ctx) => {
    const handle = ctx.intent!.handle;
    if (!handle) throw new Error(`intent ${ctx.intent!.name} has neither handle nor plan`);
    const reply = await handle(intentContext(ctx, services));
    finish(ctx, reply.tone === 'error' ? 'error' : 'ok', reply, reply.tone === 'error' ? reply.text.slice(0, 200) : null);
  };
}
