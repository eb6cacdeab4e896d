import { randomUUID } from 'node:crypto';
import type { AnyIntent, IntentServices } from '../intents/intent.js';
import type { CoreServices } from '../services.js';
import type { AnyInboundEvent } from '../messages/inbound.js';
import type { Reply } from '../messages/reply.js';
import type { AuditLog } from '../ports/audit.port.js';
import { auditMiddleware } from './audit.middleware.js';
import { authorizeMiddleware } from './authorize.middleware.js';
import { gateMiddleware } from './gate.middleware.js';
import type { ChatCore } from './chat-core.js';
import { executeMiddleware } from './execute.middleware.js';
import { identityMiddleware } from './identity.middleware.js';
import { compose, type Middleware, type PipelineContext } from './middleware.js';
import { parseMiddleware } from './parse.middleware.js';
import { clickMiddleware } from './click.middleware.js';
import { incidentClickMiddleware } from './incident-click.middleware.js';
import { faqClickMiddleware } from './faq-click.middleware.js';
import { confirmMiddleware } from './confirm.middleware.js';
import { presentReply } from './presentation.js';
import { unavailableMiddleware } from './unavailable.middleware.js';
import { bugDialogMiddleware, dialogDeps } from './bug-dialog.middleware.js';
import { awaitsAnswer } from '../support/bug-dialog.js';

export interface CoreDeps extends CoreServices {
  audit: AuditLog;
  intents: readonly AnyIntent[];
}

/**
 * The platform-neutral core: request id → identity → audit → store outage answer → gate → alert buttons → FAQ buttons → click (confirm buttons) → parse →
 * authorize → confirm (plans of confirmable intents become pending actions) → execute.
 */
export function createCore(deps: CoreDeps): ChatCore {
  const services: IntentServices = { ...deps, intents: () => deps.intents };
  const requestId: Middleware = async (ctx, next) => {
    ctx.requestId = randomUUID().slice(0, 8);
    await next();
  };
  const run = compose([
    requestId,
    identityMiddleware(() => deps.catalog),
    auditMiddleware(deps),
    unavailableMiddleware(deps),
    gateMiddleware(),
    bugDialogMiddleware(services),
    incidentClickMiddleware(services),
    faqClickMiddleware(services),
    clickMiddleware(services),
    parseMiddleware(deps.intents, () => deps.catalog, deps.limits),
    authorizeMiddleware(),
    confirmMiddleware(services),
    executeMiddleware(services),
  ]);

  return {
    async handle(event: AnyInboundEvent): Promise<Reply> {
      const ctx: PipelineContext = {
        event,
        requestId: '',
        startedAt: Date.now(),
        chatProjects: [],
        unregisteredChat: false,
        argsText: '',
        outcome: 'ok',
        detail: null,
      };
      try {
        await run(ctx);
      } catch (err) {
        // Only reachable if the audit middleware itself failed; it never reaches the chat as a stack.
        deps.logger.error({ err, requestId: ctx.requestId }, 'pipeline failed');
      }
      const reply = ctx.reply ?? { tone: 'error', text: `Something went wrong (request ${ctx.requestId}).`, blocks: [{ type: 'text', text: `Something went wrong (request ${ctx.requestId}).` }] };
      return presentReply(event, reply);
    },
    async awaitsAnswer(event) {
      const bugs = dialogDeps(deps);
      return bugs ? awaitsAnswer(bugs, deps.catalog, event) : false;
    },
    commands() {
      return deps.intents.map((i) => ({ name: i.name, summary: i.summary }));
    },
    async attachMessage(pendingId, ref) {
      try {
        await deps.actions.pending.attachMessage(pendingId, ref);
      } catch (err) {
        deps.logger.warn({ err, pendingId }, 'could not remember the confirm message');
      }
    },
  };
}
