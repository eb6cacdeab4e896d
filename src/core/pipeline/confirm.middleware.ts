import { personName } from '../domain/people.js';
import { replies } from '../messages/reply-builder.js';
import { describePlan } from '../actions/action-plan.js';
import { actionState, blockers } from '../actions/action-state.js';
import type { IntentServices } from '../intents/intent.js';
import { intentContext } from './execute.middleware.js';
import { finish, type Middleware } from './middleware.js';

/**
 * Confirmable intents: plan, check lock and freeze, store the plan as a pending action in the database
 * and answer with exactly what will change and Confirm/Cancel buttons. Nothing runs yet.
 */
export function confirmMiddleware(services: IntentServices): Middleware {
  return async (ctx, next) => {
    const intent = ctx.intent!;
    if (!intent.plan) return next();
    const person = ctx.person!;
    const planned = await intent.plan(intentContext(ctx, services));
    if (!planned.ok) {
      finish(ctx, planned.outcome ?? 'invalid', planned.reply, planned.reply.text.slice(0, 200));
      return;
    }
    const { plan } = planned;
    const state = await actionState(plan.project, plan.env, services);
    const nameOf = (id: string) => personName(services.catalog.people, id);
    const blocked = blockers(plan, state, person, nameOf);
    if (blocked.length > 0) {
      const hint = plan.force ? undefined : 'An admin may override a lock or freeze with --force.';
      finish(ctx, 'refused', replies.error(`Cannot ${plan.kind} now: ${blocked.join('; ')}.`, hint), blocked.join('; '));
      return;
    }
    const env = services.catalog.projects.find((p) => p.name === plan.project)?.environments.find((e) => e.name === plan.env);
    const now = services.clock.now();
    const action = await services.actions.pending.create({
      plan,
      requestedBy: person.id,
      platform: ctx.event.platform,
      chatId: ctx.event.chatId,
      needsApproval: env?.requireApproval ?? true,
      createdAt: now,
      expiresAt: new Date(now.getTime() + services.actions.confirmTtlMs),
    });
    const tz = services.catalog.rotations.find((r) => r.project === plan.project)?.timezone ?? 'UTC';
    finish(ctx, 'ok', describePlan(action, state, nameOf, tz), `requested ${action.id}`);
  };
}
