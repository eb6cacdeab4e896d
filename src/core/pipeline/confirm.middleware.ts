import { personName } from '../domain/people.js';
import { projectTimeZone } from '../domain/time-zone.js';
import { replies } from '../messages/reply-builder.js';
import { describePlan } from '../actions/action-plan.js';
import { nextReleaseWindow } from '../promotions/release-window.js';
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
    const { plan, runAt } = planned;
    // A scheduled action is judged on the freezes at its run time (and again then); a lock now does not block it.
    const state = await actionState(plan.project, plan.env, services, runAt);
    const nameOf = (id: string) => personName(services.catalog.people, id);
    const blocked = runAt ? [] : blockers(plan, state, person, nameOf);
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
      ...(runAt ? { runAt } : {}),
    });
    const tz = projectTimeZone(services.catalog, plan.project);
    // A promotion may also be scheduled for the project's release window, where scheduling runs here.
    const tonight = plan.promotion && services.actions.scheduler ? nextReleaseWindow(services.catalog, plan.project, now) : undefined;
    finish(ctx, 'ok', describePlan(action, state, nameOf, tz, tonight), `requested ${action.id}`);
  };
}
