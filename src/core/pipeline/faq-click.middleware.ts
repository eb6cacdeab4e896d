/**
 * Clicks on FAQ buttons. Like the alert buttons, the button's pending-id slot carries the short id of a
 * server-side thing (here a FAQ entry or category, from the file the config names) instead of a pending
 * action: there is nothing to claim or confirm, and the id says which entry without any argument in the
 * button. A vote is one row per person per entry (PostgreSQL); any known person may vote.
 */
import { categoriesReply, categoryReply, entryReply, FAQ_ACTIONS, isFaqAction, noFaqReply, voteReply } from '../faq/faq-replies.js';
import { replies } from '../messages/reply-builder.js';
import type { CoreServices } from '../services.js';
import { finish, type Middleware } from './middleware.js';

const FAQ_ID = /^[A-Za-z0-9_-]{1,32}$/;

export function faqClickMiddleware(services: CoreServices): Middleware {
  return async (ctx, next) => {
    const event = ctx.event;
    if (event.kind !== 'action' || !isFaqAction(event.actionId)) return next();
    ctx.argsText = `${event.actionId} ${event.pendingId}`.slice(0, 100);
    ctx.auditIntent = event.actionId === FAQ_ACTIONS.yes || event.actionId === FAQ_ACTIONS.no ? 'faq.vote' : 'faq';
    const faq = services.faq;
    if (!faq) return finish(ctx, 'invalid', noFaqReply(), 'no faq configured');
    const gone = () => finish(ctx, 'not_found', replies.warning('This is no longer in the FAQ.', 'faq lists what it has now.'), 'unknown faq id');
    if (!FAQ_ID.test(event.pendingId)) return gone();
    switch (event.actionId) {
      case FAQ_ACTIONS.top:
        return finish(ctx, 'ok', categoriesReply(faq.catalog));
      case FAQ_ACTIONS.category: {
        const category = faq.catalog.category(event.pendingId);
        return category ? finish(ctx, 'ok', categoryReply(category)) : gone();
      }
      case FAQ_ACTIONS.question: {
        const entry = faq.catalog.entry(event.pendingId);
        if (!entry) return gone();
        const tally = (await faq.votes.tally([entry.id])).get(entry.id);
        // A new message: the list of questions stays to pick the next one.
        return finish(ctx, 'ok', { ...entryReply(entry, tally), placement: 'new' });
      }
      default: {
        const entry = faq.catalog.entry(event.pendingId);
        if (!entry) return gone();
        const helpful = event.actionId === FAQ_ACTIONS.yes;
        const result = await faq.votes.vote({ entryId: entry.id, personId: ctx.person!.id, helpful, at: services.clock.now() });
        const tally = (await faq.votes.tally([entry.id])).get(entry.id);
        return finish(ctx, 'ok', voteReply(result, helpful, tally), `${helpful ? 'helpful' : 'not helpful'} (${result}): ${entry.question}`.slice(0, 200));
      }
    }
  };
}
