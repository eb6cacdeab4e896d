import { hasRole } from '../domain/access.js';
import type { CoreServices, IntentContext } from '../intents/intent.js';
import { finish, type Middleware } from './middleware.js';

/** Runs the intent's handler. */
export function executeMiddleware(services: CoreServices): Middleware {
  return async (ctx) => {
    const person = ctx.person!;
    const intentCtx: IntentContext<unknown> = {
      event: ctx.event,
      person,
      chatProjects: ctx.chatProjects,
      args: ctx.args,
      requestId: ctx.requestId,
      services,
      can: (r) => (r.project === undefined || ctx.chatProjects.includes(r.project)) && hasRole(person, r.role, r.project, r.env),
    };
    const reply = await ctx.intent!.handle(intentCtx);
    finish(ctx, reply.tone === 'error' ? 'error' : 'ok', reply, reply.tone === 'error' ? reply.text.slice(0, 200) : null);
  };
}
