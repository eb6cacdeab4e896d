import { hasRole } from '../domain/access.js';
import { replies } from '../messages/reply-builder.js';
import { finish, type Middleware } from './middleware.js';

/** After parsing: the person needs the intent's role on the project/environment it touches. */
export function authorizeMiddleware(): Middleware {
  return async (ctx, next) => {
    const intent = ctx.intent!;
    const person = ctx.person!;
    const req = intent.requires(ctx.args);
    if (req) {
      const scope = req.project ? (req.env ? `${req.project}/${req.env}` : req.project) : 'any project';
      const inChat = req.project === undefined || ctx.chatProjects.includes(req.project);
      if (!inChat) {
        finish(ctx, 'refused', replies.error(`Project ${req.project} cannot be used from this chat.`, 'Use a chat bound to it, or a private chat.'), 'project not in chat');
        return;
      }
      if (!hasRole(person, req.role, req.project, req.env)) {
        finish(
          ctx,
          'refused',
          replies.error(`You need the ${req.role} role on ${scope} to run ${intent.name}.`, 'Ask an admin of the project for access.'),
          `needs ${req.role} on ${scope}`,
        );
        return;
      }
    }
    await next();
  };
}
