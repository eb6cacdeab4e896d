import { z } from 'zod';

/** Runs claimed actions as jobs. The job id is derived from the action id, so enqueuing twice runs it once. */
export interface ActionQueue {
  /** Rejects with QueueUnavailableError, within a few seconds, when the queue cannot be reached: no job was added. */
  enqueue(actionId: string): Promise<void>;
  /** Whether the queue answers now (bounded like enqueue); a queue without the probe is taken as reachable. */
  reachable?(): Promise<boolean>;
}

/** Runs one claimed action by id (the use case behind the action job). */
export type ActionProcessor = (actionId: string) => Promise<void>;

/** The queue that runs confirmed actions (restart, deploy, rollback). */
export const ACTION_QUEUE = 'deckhand-actions';

/** A job carries only the pending action's id; everything else is loaded from the store. */
export const actionJobSchema = z.object({
  actionId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'action id must be URL-safe'),
});

export type ActionJob = z.infer<typeof actionJobSchema>;

/** One job per action: enqueueing the same action twice is a no-op. */
export function actionJobId(actionId: string): string {
  return `action-${actionId}`;
}

/** The action id back from a job id, or null for a job that is not an action job. */
export function actionIdOfJob(jobId: string | undefined): string | null {
  return jobId?.startsWith('action-') ? jobId.slice('action-'.length) : null;
}
