import { CANCEL, CONFIRM, SCHEDULE } from '../actions/action-plan.js';
import { replies } from '../messages/reply-builder.js';
import { isStoreUnavailable, JOB_QUEUE } from '../ports/store-errors.js';
import type { CoreServices } from '../services.js';
import { finish, type Middleware } from './middleware.js';

/** The answer to anything that needed the database while it could not be reached. */
export const DATABASE_UNAVAILABLE = 'Deckhand cannot reach its database right now; nothing was changed. Try again in a minute.';

/** The answer to a confirmed action whose job could not be queued because the job queue could not be reached. */
export const QUEUE_UNAVAILABLE = 'Deckhand cannot reach its job queue right now; nothing was changed. Try again in a minute.';

/**
 * The one place a store outage becomes an answer: whatever after this point needed a store that cannot be
 * reached (StoreUnavailableError: the database, or the job queue behind a Confirm), the asker gets its outage
 * sentence, and a clicked Confirm or Cancel stays pending with the time it had left (see OutageClicks). The audit middleware before it records the outcome.
 */
export function unavailableMiddleware(services: CoreServices): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (!isStoreUnavailable(err)) throw err;
      const cause = err.cause instanceof Error ? err.cause.message : undefined;
      services.logger.warn({ err: { message: err.message, cause }, requestId: ctx.requestId, store: err.store }, 'store unavailable');
      const { event } = ctx;
      if (event.kind === 'action' && [CONFIRM, CANCEL, SCHEDULE].includes(event.actionId)) await services.actions.outageClicks?.note(event.pendingId, services.clock.now(), err.store);
      finish(ctx, 'error', replies.error(err.store === JOB_QUEUE ? QUEUE_UNAVAILABLE : DATABASE_UNAVAILABLE), `${err.store} unavailable`);
    }
  };
}
