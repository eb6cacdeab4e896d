import { formatDuration } from '../domain/duration.js';
import { ReplyBuilder } from '../messages/reply-builder.js';
import type { Reply, Tone } from '../messages/reply.js';
import type { ActionPlan, PendingAction } from '../ports/pending-action.port.js';
import type { ActionOutcome } from './action-deps.js';
import { changesText } from './plan-changes.js';

/** Progress and result messages of a running action, edited into its confirm message. */

const VERB: Record<ActionPlan['kind'], string> = { restart: 'Restart', deploy: 'Deploy', rollback: 'Rollback' };
/** Keep edited messages short: only the latest steps are shown (all are recorded on the deployment). */
const SHOWN_STEPS = 12;

export function actionTitle(plan: ActionPlan): string {
  if (plan.promotion) return `Promote ${plan.project} ${plan.promotion.from} → ${plan.env}: ${plan.services.map((s) => `${s.service} ${s.currentVersion} → ${s.targetVersion}`).join(', ')}`;
  const services = plan.services
    .map((s) => (plan.kind === 'restart' ? s.service : `${s.service} ${s.currentVersion} → ${s.targetVersion}`))
    .join(', ');
  return `${VERB[plan.kind]} ${plan.project}/${plan.env}: ${services}`;
}

/** `42 s` under two minutes, else `3m 5s`. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s} s` : formatDuration(ms);
}

type Name = (personId: string) => string;

function people(action: PendingAction, name: Name): string {
  const by = `requested by ${name(action.requestedBy)}`;
  return action.claimedBy && action.claimedBy !== action.requestedBy ? `${by}, approved by ${name(action.claimedBy)}` : by;
}

function recentSteps(steps: readonly string[]): string {
  const shown = steps.slice(-SHOWN_STEPS);
  const hidden = steps.length - shown.length;
  return [...(hidden > 0 ? [`(${hidden} earlier steps)`] : []), ...shown].join('\n');
}

export function progressReply(action: PendingAction, steps: readonly string[], elapsedMs: number, name: Name): Reply {
  const b = new ReplyBuilder('info').header(`${actionTitle(action.plan)} (running)`);
  if (steps.length > 0) b.text(recentSteps(steps));
  return b.context(`Running for ${formatElapsed(elapsedMs)} · ${people(action, name)}`).build();
}

const TONE: Record<ActionOutcome['status'], Tone> = { succeeded: 'success', failed: 'error', refused: 'warning' };

export function resultReply(action: PendingAction, outcome: ActionOutcome, steps: readonly string[], elapsedMs: number, name: Name): Reply {
  const b = new ReplyBuilder(TONE[outcome.status]).header(`${actionTitle(action.plan)} (${outcome.status})`).text(outcome.result);
  if (steps.length > 0) b.code(recentSteps(steps));
  return b.context(`${people(action, name)} · took ${formatElapsed(elapsedMs)}`).build();
}

export function startedAnnouncement(action: PendingAction, name: Name): Reply {
  const forced = action.plan.force ? ' (forced past lock/freeze)' : '';
  const b = new ReplyBuilder(action.plan.force ? 'warning' : 'info').text(`${actionTitle(action.plan)} started${forced}, ${people(action, name)}.`);
  // What the deploy changes, where it is known (why it is not was said in the plan).
  const changes = action.plan.kind === 'restart' ? undefined : changesText(action.plan.services.filter((s) => s.changes?.known));
  if (changes) b.text(changes);
  return b.build();
}

export function finishedAnnouncement(action: PendingAction, outcome: ActionOutcome, elapsedMs: number): Reply {
  return new ReplyBuilder(TONE[outcome.status])
    .text(`${actionTitle(action.plan)} ${outcome.status} after ${formatElapsed(elapsedMs)}: ${outcome.result}`)
    .build();
}
