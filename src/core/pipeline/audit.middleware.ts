import type { AuditLog } from '../ports/audit.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { Logger } from '../ports/logger.port.js';
import type { Metrics } from '../ports/metrics.port.js';
import { replies } from '../messages/reply-builder.js';
import type { Middleware } from './middleware.js';

/**
 * Wraps everything after it: whatever happens (allowed, refused, invalid, crashed) one audit entry is
 * written and the command is counted. An exception becomes a short reply with the request id; the
 * details go to the log, never to the chat.
 */
export function auditMiddleware(deps: { audit: AuditLog; clock: Clock; logger: Logger; metrics: Metrics }): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      deps.logger.error({ err, requestId: ctx.requestId, intent: ctx.intent?.name }, 'command failed');
      ctx.outcome = 'error';
      ctx.detail = err instanceof Error ? err.name : 'error';
      ctx.reply = replies.error(`Something went wrong; it has been logged (request ${ctx.requestId}).`);
    }
    const durationMs = Date.now() - ctx.startedAt;
    const intent = ctx.intent?.name ?? ctx.auditIntent ?? null;
    deps.metrics.commandHandled(intent ?? 'unknown', ctx.outcome, durationMs / 1000);
    const { event } = ctx;
    try {
      await deps.audit.record({
        requestId: ctx.requestId,
        at: deps.clock.now(),
        platform: event.platform,
        platformUserId: event.platformUserId,
        personId: ctx.person?.id ?? null,
        chatId: event.chatId,
        intent,
        args: ctx.argsText,
        outcome: ctx.outcome,
        detail: ctx.detail,
        durationMs,
      });
    } catch (err) {
      deps.logger.error({ err, requestId: ctx.requestId }, 'audit write failed');
    }
  };
}
