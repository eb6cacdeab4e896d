import { hasRole } from '../domain/access.js';
import { formatLocal } from '../domain/rotation.js';
import { CANCEL, CONFIRM, SCHEDULE } from '../actions/action-plan.js';
import { nextReleaseWindow } from '../promotions/release-window.js';
import { actionState, blockers, requiredRole } from '../actions/action-state.js';
import type { CoreServices } from '../services.js';
import { changedSince } from '../actions/drift.js';
import { scheduleAction, scheduledReply } from '../actions/scheduled-actions.js';
import { ReplyBuilder, replies } from '../messages/reply-builder.js';
import type { Reply } from '../messages/reply.js';
import type { PendingAction, PreflightCheck } from '../ports/pending-action.port.js';
import { isStoreUnavailable } from '../ports/store-errors.js';
import { finish, type Middleware, type PipelineContext } from './middleware.js';

const PENDING_ID = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Button clicks: re-authorize the clicker, enforce four-eyes, re-check lock/freeze and the running
 * version, then claim the pending action with one conditional update and enqueue it. Every other case
 * (double click, expired, stranger, already ran) gets a short answer and changes nothing.
 */
export function clickMiddleware(services: CoreServices): Middleware {
  return async (ctx, next) => {
    if (ctx.event.kind !== 'action') return next();
    const event = ctx.event;
    ctx.argsText = `${event.actionId} ${event.pendingId}`.slice(0, 100);
    ctx.auditIntent = 'action';
    if (![CONFIRM, CANCEL, SCHEDULE].includes(event.actionId) || !PENDING_ID.test(event.pendingId)) {
      finish(ctx, 'invalid', replies.warning('This button is no longer valid.', 'Run the command again to get fresh buttons.'), 'unknown action');
      return;
    }
    // Actions clicked while the database was away get their time back before this click looks at them.
    await services.actions.outageClicks?.settle(services.actions.pending, services.clock.now());
    const action = await services.actions.pending.get(event.pendingId);
    if (!action) {
      finish(ctx, 'invalid', replies.warning('This request no longer exists.', 'Run the command again.'), 'unknown pending action');
      return;
    }
    ctx.auditIntent = `${action.plan.kind}.${event.actionId === CONFIRM ? 'confirm' : event.actionId === SCHEDULE ? 'schedule' : 'cancel'}`;
    if (event.messageRef && !action.message) await services.actions.pending.attachMessage(action.id, event.messageRef);
    await (event.actionId === CANCEL ? cancel(ctx, action, services) : confirm(ctx, action, services, event.actionId === SCHEDULE));
  };
}

function nameOf(services: CoreServices, id: string | null): string {
  return id ? (services.catalog.people.find((p) => p.id === id)?.name ?? id) : 'someone';
}

/** The answer for a click on an action that is no longer pending. */
function settledAnswer(action: PendingAction, services: CoreServices): Reply {
  const when = (d: Date | null) => (d ? formatLocal(d, 'UTC') : '');
  switch (action.status) {
    case 'scheduled':
      return replies.warning(`Already approved by ${nameOf(services, action.claimedBy)}; it runs ${when(action.runAt ?? null)}.`, `calendar cancel ${action.id} cancels it.`);
    case 'claimed': {
      // "approved" only where a second person had to approve; a plain confirm was just confirmed.
      const verb = action.needsApproval ? 'approved' : 'confirmed';
      return replies.warning(`Already ${verb} by ${nameOf(services, action.claimedBy)} at ${when(action.claimedAt)}; it is running.`);
    }
    case 'succeeded':
    case 'failed':
      return replies.warning(`This already ran (${action.status}).`, action.result ?? undefined);
    case 'cancelled':
      return replies.warning(`This request was cancelled by ${nameOf(services, action.claimedBy)}; nothing ran.`);
    case 'refused':
      return replies.warning('This request was refused; nothing ran.', action.result ?? undefined);
    case 'expired':
    case 'pending':
      return replies.warning(`This request expired at ${when(action.expiresAt)}; nothing ran.`, 'Run the command again.');
  }
}

function mayAct(ctx: PipelineContext, action: PendingAction): boolean {
  const { plan } = action;
  return ctx.chatProjects.includes(plan.project) && hasRole(ctx.person!, requiredRole(plan), plan.project, plan.env);
}

async function cancel(ctx: PipelineContext, action: PendingAction, services: CoreServices): Promise<void> {
  const person = ctx.person!;
  if (action.requestedBy !== person.id && !mayAct(ctx, action)) {
    finish(ctx, 'refused', replies.error(`You need the operator role on ${action.plan.project}/${action.plan.env} to cancel this.`), 'cancel not allowed');
    return;
  }
  const cancelled = await services.actions.pending.cancel(action.id, person.id, services.clock.now());
  if (!cancelled) {
    const fresh = (await services.actions.pending.get(action.id)) ?? action;
    finish(ctx, 'refused', settledAnswer(fresh, services), `already ${fresh.status}`);
    return;
  }
  finish(ctx, 'ok', new ReplyBuilder('info').text(`Cancelled by ${person.name}; nothing ran.`).build(), 'cancelled');
}

async function confirm(ctx: PipelineContext, action: PendingAction, services: CoreServices, tonight = false): Promise<void> {
  const person = ctx.person!;
  const { plan } = action;
  const now = services.clock.now();
  // "Schedule for tonight" exists only on a promotion whose project has a release window.
  const releaseAt = tonight && plan.promotion && !action.runAt ? nextReleaseWindow(services.catalog, plan.project, now) : undefined;
  if (tonight && !releaseAt) {
    finish(ctx, 'invalid', replies.warning('This button is no longer valid.', 'Run the command again to get fresh buttons.'), 'no release window');
    return;
  }
  if (action.status !== 'pending' || action.expiresAt <= now) {
    finish(ctx, 'refused', settledAnswer(action, services), `already ${action.status === 'pending' ? 'expired' : action.status}`);
    return;
  }
  if (!mayAct(ctx, action)) {
    finish(ctx, 'refused', replies.error(`You need the ${requiredRole(plan)} role on ${plan.project}/${plan.env} to approve this.`), 'approver lacks role');
    return;
  }
  if (action.needsApproval && action.requestedBy === person.id) {
    finish(ctx, 'refused', replies.error('You cannot approve your own request here: another operator must (four-eyes).'), 'self-approval');
    return;
  }
  if (action.runAt) return scheduleConfirmed(ctx, action, action.runAt, services);
  if (releaseAt) return scheduleConfirmed(ctx, action, releaseAt, services);
  const blocked = blockers(plan, await actionState(plan.project, plan.env, services), person, (id) => nameOf(services, id), action.id);
  if (blocked.length > 0) {
    finish(ctx, 'refused', replies.error(`Cannot run now: ${blocked.join('; ')}.`, 'The request stays open until it expires.'), blocked.join('; '));
    return;
  }
  const drift = await changedSince(action, services);
  if (drift) {
    if (!(await services.actions.pending.refuse(action.id, drift))) {
      const fresh = (await services.actions.pending.get(action.id)) ?? action;
      finish(ctx, 'refused', settledAnswer(fresh, services), `already ${fresh.status}`);
      return;
    }
    finish(ctx, 'refused', replies.error(`${drift}; nothing ran.`, 'Run the command again to see the current state.'), 'state changed');
    return;
  }
  const claimed = await services.actions.pending.claim(action.id, person.id, now);
  if (!claimed) {
    const fresh = (await services.actions.pending.get(action.id)) ?? action;
    finish(ctx, 'refused', settledAnswer(fresh, services), `already ${fresh.status}`);
    return;
  }
  const claimedAt = claimed.claimedAt ?? now;
  try {
    await services.actions.queue.enqueue(action.id, claimedAt);
  } catch (err) {
    // The job queue is away: the claim is undone so the action stays pending and can be clicked again
    // (the outage middleware answers and gives it back its time). A claim that cannot be undone is left to
    // recovery, which fails an action claimed and never queued. A job that still reaches Redis late names the
    // undone claim: it is skipped, and the next click's claim gets a job id of its own.
    if (isStoreUnavailable(err) && !(await services.actions.pending.unclaim(action.id, claimed.claimedBy ?? person.id, claimedAt).catch(() => false))) {
      services.logger.warn({ actionId: action.id }, 'cannot undo the claim of an action whose job was not queued');
    }
    throw err;
  }
  if (plan.force) {
    const list = plan.services.map((s) => s.service).join(', ');
    const what = plan.promotion ? `promotion ${plan.promotion.from} → ${plan.env} of ${plan.project} (${list})` : `${plan.kind} of ${plan.project}/${plan.env} (${list})`;
    const past = plan.promotion ? `past its warnings: ${forcedPast(plan.promotion.checks)}` : 'overriding lock/freeze';
    await services.actions.notifier.announce(plan.project, replies.warning(`Forced ${what} approved by ${person.name}, ${past}.`));
  }
  const by = action.requestedBy === person.id ? `Confirmed by ${person.name}` : `Approved by ${person.name} (requested by ${nameOf(services, action.requestedBy)})`;
  finish(ctx, 'ok', new ReplyBuilder('info').text(`${by}; running now. Progress follows here.`).build(), 'approved');
}

/** The warnings an admin's --force passed, short (the announcement names them). */
function forcedPast(checks: readonly PreflightCheck[]): string {
  const warned = checks.filter((c) => c.level === 'warn').map((c) => c.text);
  return warned.length > 0 ? warned.slice(0, 3).join('; ') + (warned.length > 3 ? ` and ${warned.length - 3} more` : '') : 'none were left';
}

/**
 * Confirm/Approve of a scheduled action: approval is collected now; lock and freeze are judged at its run
 * time (a lock now says nothing about tonight), the running version now and again then.
 */
async function scheduleConfirmed(ctx: PipelineContext, action: PendingAction, runAt: Date, services: CoreServices): Promise<void> {
  const person = ctx.person!;
  const drift = await changedSince(action, services);
  if (drift) {
    if (!(await services.actions.pending.refuse(action.id, drift))) {
      const fresh = (await services.actions.pending.get(action.id)) ?? action;
      finish(ctx, 'refused', settledAnswer(fresh, services), `already ${fresh.status}`);
      return;
    }
    finish(ctx, 'refused', replies.error(`${drift}; nothing was scheduled.`, 'Run the command again to see the current state.'), 'state changed');
    return;
  }
  const result = await scheduleAction(services, action, person, runAt);
  if (!result.ok) {
    const fresh = result.settled ? ((await services.actions.pending.get(action.id)) ?? action) : null;
    finish(ctx, 'refused', fresh ? settledAnswer(fresh, services) : replies.error(result.reason), fresh ? `already ${fresh.status}` : result.reason);
    return;
  }
  finish(ctx, 'ok', scheduledReply(result.action, person, services), `scheduled for ${runAt.toISOString()}`);
}
