import type { Person } from '../domain/catalog.js';
import type { AnyIntent } from '../intents/intent.js';
import type { AnyInboundEvent } from '../messages/inbound.js';
import type { Reply } from '../messages/reply.js';
import type { AuditOutcome } from '../ports/audit.port.js';

/** State carried through the pipeline for one inbound event. */
export interface PipelineContext {
  readonly event: AnyInboundEvent;
  requestId: string;
  readonly startedAt: number;
  person?: Person;
  /** Projects this chat may address; empty when the chat is not registered. */
  chatProjects: string[];
  /** True when the chat is a group not bound to any project in the config. */
  unregisteredChat: boolean;
  intent?: AnyIntent;
  /** Audit name when there is no intent (button clicks: `deploy.confirm`). */
  auditIntent?: string;
  args?: unknown;
  /** Arguments as typed, secrets masked (for the audit log). */
  argsText: string;
  outcome: AuditOutcome;
  detail: string | null;
  reply?: Reply;
}

export type Next = () => Promise<void>;
export type Middleware = (ctx: PipelineContext, next: Next) => Promise<void>;

/** Runs middleware in order; calling `next` twice in one middleware is a programming error. */
export function compose(middleware: readonly Middleware[]): (ctx: PipelineContext) => Promise<void> {
  return (ctx) => {
    const dispatch = async (i: number): Promise<void> => {
      const mw = middleware[i];
      if (!mw) return;
      let called = false;
      await mw(ctx, async () => {
        if (called) throw new Error(`middleware ${i} called next() twice`);
        called = true;
        await dispatch(i + 1);
      });
    };
    return dispatch(0);
  };
}

/** Ends the pipeline with a reply and an audit outcome. */
export function finish(ctx: PipelineContext, outcome: AuditOutcome, reply: Reply, detail: string | null = null): void {
  ctx.outcome = outcome;
  ctx.reply = reply;
  ctx.detail = detail;
}
