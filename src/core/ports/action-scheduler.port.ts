import { z } from 'zod';

/**
 * Delayed jobs for scheduled actions (`deploy … at 22:00`, a promotion's "Schedule for tonight"). The job id
 * is derived from the pending action's id, so scheduling twice (two replicas, a retry, start-up recovery)
 * adds one job, and one worker of all replicas takes it. The pending action's row is the truth: a job whose
 * row is no longer `scheduled` at that run time does nothing.
 */
export interface ActionScheduler {
  /**
   * Adds the action's delayed job to run at `runAt` (the delay counted from `now`, the app's clock). A job of
   * the action that will still run at `runAt` (or is being run) is kept; one that already ended, or waits for
   * another time, is replaced. Rejects with QueueUnavailableError, within a few seconds, when the queue cannot
   * be reached.
   */
  schedule(actionId: string, runAt: Date, now: Date): Promise<void>;
  /** Removes the action's job if it has not started (cancel); a missing job is fine. */
  unschedule(actionId: string): Promise<void>;
  /** Whether the action's job will still run at `runAt` (delayed or waiting for it), or is being run. */
  isScheduled(actionId: string, runAt: Date): Promise<boolean>;
}

/** The queue of scheduled actions' delayed jobs. */
export const SCHEDULED_QUEUE = 'deckhand-scheduled';

/** A job carries the action id and the run time it was scheduled for (a moved or cancelled row ignores it). */
export const scheduledJobSchema = z.object({
  actionId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'action id must be URL-safe'),
  runAt: z.iso.datetime(),
});

export type ScheduledJob = z.infer<typeof scheduledJobSchema>;

export function scheduledJobId(actionId: string): string {
  return `scheduled-${actionId}`;
}
