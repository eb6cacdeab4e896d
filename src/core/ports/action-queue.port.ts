import { z } from 'zod';

/**
 * Runs claimed actions as jobs. The job id is derived from the action id and the instant of its claim, so
 * enqueuing one claim twice runs it once, and a job of an undone claim never stands in for a later claim's.
 */
export interface ActionQueue {
  /**
   * Adds the job of the claim made at `claimedAt` (the action's claimedAt). Rejects with QueueUnavailableError,
   * within a few seconds, when the queue cannot be reached: the job may still be added late, so the action's
   * processor runs a job only while the action is claimed with exactly this `claimedAt`.
   */
  enqueue(actionId: string, claimedAt: Date): Promise<void>;
  /** Whether the queue answers now (bounded like enqueue); a queue without the probe is taken as reachable. */
  reachable?(): Promise<boolean>;
}

/** Runs one claimed action by id (the use case behind the action job). */
export type ActionProcessor = (actionId: string) => Promise<void>;

/** The queue that runs confirmed actions (restart, deploy, rollback). */
export const ACTION_QUEUE = 'deckhand-actions';

/**
 * A job carries the pending action's id and the claim it was queued for (ISO instant); everything else is
 * loaded from the store. Jobs queued before claims were part of the job have no `claimedAt`.
 */
export const actionJobSchema = z.object({
  actionId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'action id must be URL-safe'),
  claimedAt: z.iso.datetime().optional(),
});

export type ActionJob = z.infer<typeof actionJobSchema>;

/**
 * One job per claim of an action, `action-<id>.<claimedAt ms>`: enqueueing the same claim twice is a no-op,
 * while a claim made after an undone one gets a job of its own. The `.` cannot occur in an action id.
 */
export function actionJobId(actionId: string, claimedAt: Date): string {
  return `${legacyActionJobId(actionId)}.${claimedAt.getTime()}`;
}

/** The id of a job queued before claims were part of the job id (one per action); still run and looked up. */
export function legacyActionJobId(actionId: string): string {
  return `action-${actionId}`;
}

/** The action id back from a job id of either form, or null for a job that is not an action job. */
export function actionIdOfJob(jobId: string | undefined): string | null {
  const match = /^action-([A-Za-z0-9_-]+)(?:\.\d+)?$/.exec(jobId ?? '');
  return match?.[1] ?? null;
}
