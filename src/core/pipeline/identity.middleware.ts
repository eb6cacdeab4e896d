import { findChat, findPerson, projectsOf } from '../domain/access.js';
import type { Catalog } from '../domain/catalog.js';
import type { Middleware } from './middleware.js';

/**
 * Resolves the platform user to a configured person and the chat to the projects it may address.
 * It refuses nothing itself: authorization decides, after the audit middleware has started recording.
 */
export function identityMiddleware(catalog: () => Catalog): Middleware {
  return async (ctx, next) => {
    const cat = catalog();
    const { event } = ctx;
    ctx.person = findPerson(cat, event.platform, event.platformUserId);
    const own = ctx.person ? projectsOf(ctx.person, cat) : [];
    // A private chat (a direct message, the local shell) reaches every project the person has.
    if (event.chatType === 'private') {
      ctx.chatProjects = own;
    } else {
      const binding = findChat(cat, event.platform, event.chatId);
      ctx.unregisteredChat = !binding;
      ctx.chatProjects = binding ? binding.projects.filter((p) => own.includes(p)) : [];
    }
    await next();
  };
}
