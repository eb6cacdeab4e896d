import { replies } from '../messages/reply-builder.js';
import { finish, type Middleware } from './middleware.js';

/**
 * Before parsing: only known people in registered chats get past this point, so strangers learn
 * nothing about projects or services (no suggestions, no usage). Fail closed.
 */
export function gateMiddleware(): Middleware {
  return async (ctx, next) => {
    const { event } = ctx;
    if (!ctx.person) {
      const where = event.userIdLabel ?? `${event.platform} user id`;
      finish(
        ctx,
        'refused',
        replies.error(
          'You are not allowed to use Deckhand.',
          `Ask an admin to add your ${where} ${event.platformUserId} to the people in the Deckhand config.`,
        ),
        'unknown person',
      );
      return;
    }
    if (ctx.unregisteredChat) {
      finish(
        ctx,
        'refused',
        replies.error('This chat is not registered with Deckhand.', `Ask an admin to bind chat ${event.chatId} to a project in the config.`),
        'unregistered chat',
      );
      return;
    }
    await next();
  };
}
