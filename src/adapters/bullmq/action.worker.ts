import { UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from '../../core/ports/logger.port.js';
import { ACTION_QUEUE, actionIdOfJob, actionJobSchema, type ActionJob } from '../../core/ports/action-queue.port.js';
import type { ActionProcessor } from '../../core/ports/action-queue.port.js';

export interface ActionWorkerOptions {
  connection: ConnectionOptions;
  prefix?: string;
  processor: ActionProcessor;
  logger: Logger;
  concurrency?: number;
  /** How long a job's lock lives without renewal (BullMQ default 30 s); a dead worker's job stalls after it. */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for (BullMQ default 30 s). */
  stalledIntervalMs?: number;
  /**
   * Called when a job ends without its processor finishing it: stalled after its worker died, or threw.
   * Wire it to recovery (recoverUnfinished) so the action is finished as failed and its containers restored.
   */
  onAbandoned?: (actionId: string, reason: string) => void | Promise<void>;
}

export interface ActionWorker {
  readonly worker: Worker<ActionJob>;
  /** Stops taking jobs and waits for the running ones to finish. */
  close(): Promise<void>;
}

/**
 * Runs action jobs. `maxStalledCount: 0` and `maxStartedAttempts: 1`: a job whose worker was killed
 * mid-run is failed by the next worker, never run a second time.
 */
export function startActionWorker(opts: ActionWorkerOptions): ActionWorker {
  const log = opts.logger.child({ component: 'action-worker' });
  const worker = new Worker<ActionJob>(
    ACTION_QUEUE,
    async (job: Job<ActionJob>) => {
      const parsed = actionJobSchema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError('invalid action job payload');
      await opts.processor(parsed.data.actionId);
    },
    {
      connection: opts.connection,
      ...(opts.prefix ? { prefix: opts.prefix } : {}),
      concurrency: opts.concurrency ?? 4,
      maxStalledCount: 0,
      maxStartedAttempts: 1,
      lockDuration: opts.lockDurationMs ?? 30_000,
      stalledInterval: opts.stalledIntervalMs ?? 30_000,
    },
  );
  worker.on('failed', (job, error) => {
    const actionId = actionIdOfJob(job?.id);
    log.error({ jobId: job?.id, actionId, reason: error.message }, 'action job failed');
    if (actionId && opts.onAbandoned) {
      Promise.resolve()
        .then(() => opts.onAbandoned?.(actionId, error.message))
        .catch((e: unknown) => log.error({ err: e, actionId }, 'recovery of an abandoned action failed'));
    }
  });
  worker.on('error', (error) => log.error({ err: error }, 'action worker error'));
  return { worker, close: () => worker.close() };
}
