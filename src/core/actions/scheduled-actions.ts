/**
 * Scheduled actions: a pending action approved now and run at a later time (`deploy … at 22:00`, a
 * promotion's "Schedule for tonight"). Generic over the action: whatever kind the action processor runs.
 *
 *   pending ──Confirm/Approve──► scheduled (runAt, approver in claimedBy) ──delayed job at runAt──►
 *     lock, freeze, drift (and a promotion's source) checked again ──ok──► claimed ──► the action queue, as any confirmed action
 *                                        └─fails─► refused; the requester is told why in their chat
 *
 * The delayed job's id is derived from the action's id (ActionScheduler), so one job exists however many
 * replicas schedule it, and one worker runs it. The row is the truth: a job whose row is no longer
 * `scheduled` for that run time does nothing, and a row whose job went missing gets it back at start.
 */
import { hasRole } from '../domain/access.js';
import type { Person } from '../domain/catalog.js';
import { formatDuration } from '../domain/duration.js';
import { mentionOf, personName } from '../domain/people.js';
import { formatLocal } from '../domain/rotation.js';
import { projectTimeZone } from '../domain/time-zone.js';
import { ReplyBuilder, replies } from '../messages/reply-builder.js';
import type { Reply } from '../messages/reply.js';
import type { PendingAction } from '../ports/pending-action.port.js';
import type { CoreServices } from '../services.js';
import { auditAction } from './action-audit.js';
import { refuseWithMessages } from './action-end.js';
import { actionState, blockers, requiredRole } from './action-state.js';
import { actionTitle, resultReply } from './action-reply.js';
import { changedSince } from './drift.js';
import { promotionRunTimeProblems } from '../promotions/promotion-plan.js';

/** How far ahead an action may be scheduled. */
export const MAX_SCHEDULE_AHEAD_MS = 30 * 86_400_000;
/** A job that runs later than this after its time (Deckhand was down) does not run the action. */
export const MAX_LATE_MS = 30 * 60_000;

export type ScheduleResult =
  | { ok: true; action: PendingAction }
  /** `settled`: the action was no longer pending (someone else clicked first, it expired or was cancelled). */
  | { ok: false; reason: string; settled?: boolean };

/** Why `runAt` cannot be a run time now, or null. */
export function runAtProblem(runAt: Date, now: Date, tz: string): string | null {
  if (runAt.getTime() <= now.getTime()) return `${formatLocal(runAt, tz)} has passed`;
  if (runAt.getTime() - now.getTime() > MAX_SCHEDULE_AHEAD_MS) return `${formatLocal(runAt, tz)} is more than 30 days ahead`;
  return null;
}

/**
 * Approves a pending action to run at `runAt` (the approver's role and four-eyes are the caller's checks, as
 * for Confirm): one conditional update makes it `scheduled`, then its delayed job is added. When the job
 * cannot be added the row goes back to `pending` and the queue's error is thrown (the outage answer).
 */
export async function scheduleAction(services: CoreServices, action: PendingAction, approver: Person, runAt: Date): Promise<ScheduleResult> {
  const scheduler = services.actions.scheduler;
  if (!scheduler) return { ok: false, reason: 'Scheduling needs the job queue, which this Deckhand does not run.' };
  const now = services.clock.now();
  const problem = runAtProblem(runAt, now, projectTimeZone(services.catalog, action.plan.project));
  if (problem) return { ok: false, reason: `Cannot schedule: ${problem}.` };
  const scheduled = await services.actions.pending.schedule(action.id, approver.id, now, runAt);
  if (!scheduled) return { ok: false, reason: 'This request is no longer pending.', settled: true };
  try {
    await scheduler.schedule(action.id, runAt, now);
  } catch (err) {
    if (!(await services.actions.pending.unclaim(action.id, approver.id, now).catch(() => false))) {
      // Left scheduled without a job: the next start puts the job back (restoreScheduled).
      services.logger.warn({ actionId: action.id }, 'cannot undo the schedule of an action whose job was not added');
    }
    throw err;
  }
  await auditAction(auditDeps(services), scheduled, 'scheduled', `runs at ${runAt.toISOString()}, approved by ${approver.id}`);
  return { ok: true, action: scheduled };
}

/** `Scheduled: runs Thu 3 Dec 22:00 CET …` — the answer to the click that scheduled it. */
export function scheduledReply(action: PendingAction, approver: Person, services: CoreServices): Reply {
  const tz = projectTimeZone(services.catalog, action.plan.project);
  const name = (id: string) => personName(services.catalog.people, id);
  const by = action.requestedBy === approver.id ? `Confirmed by ${approver.name}` : `Approved by ${approver.name} (requested by ${name(action.requestedBy)})`;
  return new ReplyBuilder('success')
    .header(`Scheduled: ${actionTitle(action.plan)}`)
    .text(`${by}; runs ${formatLocal(action.runAt!, tz)}.`)
    .context(`${action.plan.promotion ? `Lock, freeze, the running version and the health and incidents of ${action.plan.promotion.from}` : 'Lock, freeze and the running version'} are checked again then. Cancel: calendar cancel ${action.id}`)
    .build();
}

export type ScheduledRun = 'started' | 'refused' | 'ignored';

/**
 * The delayed job's work at the run time: the action runs only while its row is still `scheduled` for
 * exactly this `runAt`. Lock, freeze and the running version are checked again (with the app's clock); when
 * one fails the action is refused and the requester told why in the chat it was asked in; otherwise it is
 * claimed (one conditional update) and handed to the action queue, which runs it like any confirmed action.
 */
export async function runScheduledAction(services: CoreServices, actionId: string, runAt: Date): Promise<ScheduledRun> {
  const log = services.logger.child({ actionId });
  const action = await services.actions.pending.get(actionId);
  if (!action || action.status !== 'scheduled' || action.runAt?.getTime() !== runAt.getTime()) {
    log.info({ status: action?.status ?? 'missing' }, 'scheduled job without a scheduled action; nothing to run');
    return 'ignored';
  }
  const problems = await runTimeProblems(action, services);
  if (problems.length > 0) {
    if (await refuseScheduled(action, problems, services)) return 'refused';
    log.info({}, 'scheduled action was cancelled or moved while it was checked; nothing refused');
    return 'ignored';
  }
  const now = services.clock.now();
  const claimed = await services.actions.pending.claimScheduled(actionId, runAt, now);
  if (!claimed) {
    log.info({}, 'scheduled action was cancelled or taken meanwhile; nothing to run');
    return 'ignored';
  }
  // A failure here leaves the action claimed without a job: start-up recovery finishes it as failed.
  await services.actions.queue.enqueue(actionId, claimed.claimedAt ?? now);
  if (claimed.plan.force) {
    const { plan } = claimed;
    await services.actions.notifier.announce(plan.project, replies.warning(`Forced scheduled ${actionTitle(plan)} starting, overriding lock/freeze.`), { key: `scheduled:${actionId}:forced` });
  }
  log.info({ runAt: runAt.toISOString() }, 'scheduled action handed to the action queue');
  return 'started';
}

/** What stops a scheduled action at its run time: lateness, the requester's role, lock, freeze, drift. */
export async function runTimeProblems(action: PendingAction, services: CoreServices): Promise<string[]> {
  const { plan } = action;
  const now = services.clock.now();
  const tz = projectTimeZone(services.catalog, plan.project);
  const late = action.runAt ? now.getTime() - action.runAt.getTime() : 0;
  if (late > MAX_LATE_MS) return [`it missed its time (${formatLocal(action.runAt!, tz)}) by ${formatDuration(late)}, Deckhand was not running`];
  const requester = services.catalog.people.find((p) => p.id === action.requestedBy);
  if (!requester) return ['its requester is no longer configured'];
  const role = requiredRole(plan);
  if (!hasRole(requester, role, plan.project, plan.env)) return [`${requester.name} no longer has the ${role} role on ${plan.project}/${plan.env}`];
  // Four-eyes: the approval counts only while the approver still holds the role.
  if (action.claimedBy !== null && action.claimedBy !== requester.id) {
    const approver = services.catalog.people.find((p) => p.id === action.claimedBy);
    if (!approver || !hasRole(approver, role, plan.project, plan.env)) {
      return [`its approver ${approver?.name ?? action.claimedBy} no longer has the ${role} role on ${plan.project}/${plan.env}`];
    }
  }
  const name = (id: string) => personName(services.catalog.people, id);
  const blocked = blockers(plan, await actionState(plan.project, plan.env, services), requester, name, action.id);
  if (blocked.length > 0) return blocked;
  const drift = await changedSince(action, services);
  if (drift) return [drift];
  return promotionRunTimeProblems(plan, services);
}

/** False when the row was no longer scheduled for its run time (cancelled or moved during the checks). */
async function refuseScheduled(action: PendingAction, problems: string[], services: CoreServices): Promise<boolean> {
  const { plan } = action;
  const tz = projectTimeZone(services.catalog, plan.project);
  const name = (id: string) => personName(services.catalog.people, id);
  const result = `Did not run at ${formatLocal(action.runAt!, tz)}: ${problems.join('; ')}. Nothing changed.`;
  const outcome = { status: 'refused' as const, deployments: null, result };
  const told = new ReplyBuilder('warning')
    .mention([mentionOf(services.catalog.people, action.requestedBy)], `your scheduled ${actionTitle(plan)} did not run.`)
    .text(`${problems.join('; ')}. Nothing changed.`)
    .context(`Scheduled ${action.id} for ${formatLocal(action.runAt!, tz)}. Run the command again when it can go.`)
    .build();
  const key = { key: `scheduled:${action.id}:refused` };
  // One unit: when it cannot be written the job fails and BullMQ runs it again, the row still `scheduled`.
  const refused = await refuseWithMessages(
    services,
    action,
    result,
    resultReply(action, outcome, [], 0, name),
    (notifier) => (notifier.tell ? notifier.tell({ platform: action.platform, chatId: action.chatId }, told, key) : notifier.announce(plan.project, told, key)),
    { scheduledFor: action.runAt! },
  );
  if (!refused) return false;
  services.logger.info({ actionId: action.id, problems }, 'scheduled action refused at its run time');
  return true;
}

/**
 * Start-up: every `scheduled` row whose job is missing gets it back (a Redis flushed or restored, a crash
 * between the row and the job). A run time already past runs at once and is judged late or not then.
 */
export async function restoreScheduled(services: CoreServices): Promise<string[]> {
  const scheduler = services.actions.scheduler;
  if (!scheduler) return [];
  const restored: string[] = [];
  for (const action of await services.actions.pending.scheduled()) {
    if (!action.runAt || (await scheduler.isScheduled(action.id, action.runAt))) continue;
    await scheduler.schedule(action.id, action.runAt, services.clock.now());
    restored.push(action.id);
  }
  if (restored.length > 0) services.logger.warn({ restored }, 'put back the jobs of scheduled actions');
  return restored;
}

/**
 * `calendar cancel <id>`: the requester or an admin of the project/env cancels a scheduled (or not yet
 * approved) action. One conditional update; its job is removed, its message edited and the cancel audited.
 */
export async function cancelScheduled(services: CoreServices, id: string, person: Person, chatProjects?: readonly string[]): Promise<{ ok: boolean; reply: Reply }> {
  const found = await services.actions.pending.get(id);
  // Only the chat's projects: an id of another project is answered as unknown, so ids cannot be probed across projects.
  const action = found && (chatProjects === undefined || chatProjects.includes(found.plan.project)) ? found : null;
  if (!action?.runAt) return { ok: false, reply: replies.error(`No scheduled action ${id}.`, 'calendar lists them with their ids.') };
  const { plan } = action;
  if (action.requestedBy !== person.id && !hasRole(person, 'admin', plan.project, plan.env)) {
    return { ok: false, reply: replies.error(`Only ${personName(services.catalog.people, action.requestedBy)} (who asked) or an admin of ${plan.project}/${plan.env} may cancel ${id}.`) };
  }
  const cancelled = await services.actions.pending.cancel(id, person.id, services.clock.now());
  if (!cancelled) return { ok: false, reply: replies.warning(`${id} ${notCancellable(action.status)}; nothing to cancel.`, action.result ?? undefined) };
  await services.actions.scheduler?.unschedule(id).catch((e: unknown) => services.logger.warn({ err: e, actionId: id }, 'cannot remove the job of a cancelled action (it will do nothing)'));
  const tz = projectTimeZone(services.catalog, plan.project);
  const text = `Cancelled by ${person.name}; it will not run at ${formatLocal(action.runAt, tz)}.`;
  if (action.message) {
    const done = new ReplyBuilder('info').header(`${actionTitle(plan)} (cancelled)`).text(text).build();
    await services.actions.notifier.edit(action.message, done).catch((e: unknown) => services.logger.warn({ err: e }, 'cannot edit action message'));
  }
  await auditAction(auditDeps(services), cancelled, 'cancelled', text);
  return { ok: true, reply: new ReplyBuilder('success').text(`${actionTitle(plan)}: ${text}`).build() };
}

/** Why an action that is no longer pending or scheduled cannot be cancelled, in words. */
function notCancellable(status: PendingAction['status']): string {
  if (status === 'claimed') return 'is running already';
  if (status === 'succeeded' || status === 'failed') return `already ran (${status})`;
  if (status === 'pending') return 'expired';
  return `was ${status} already`;
}

const auditDeps = (services: CoreServices) => ({ clock: services.clock, logger: services.logger, ...(services.actions.audit ? { audit: services.actions.audit } : {}) });
