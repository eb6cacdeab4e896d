import { UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from '../../core/ports/logger.port.js';
import { raceAbort } from '../race-abort.js';
import { ACTION_QUEUE, actionIdOfJob, actionJobSchema, type ActionJob } from '../../core/ports/action-queue.port.js';

export interface ActionWorkerOptions {
  connection: ConnectionOptions;
  prefix?: string;
  /**
   * Runs the action; `signal` fires when the worker closes (the action stops between steps). `claimedAt` is
   * the claim the job was queued for, absent on a job queued before claims were part of the job.
   */
  processor: (actionId: string, opts: { signal: AbortSignal; claimedAt?: Date }) => Promise<void>;
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
  /**
   * Stops taking jobs, tells the running ones to stop (their signal fires) and waits for them to finish.
   * With `withinMs`, waits at most that long, then closes without them: a job still running is left to
   * stall, and the next worker hands it to recovery (`onAbandoned`), as after a crash.
   */
  close(opts?: { withinMs?: number }): Promise<void>;
}

/**
 * Runs action jobs. `maxStalledCount: 0` and `maxStartedAttempts: 1`: a job whose worker was killed
 * mid-run is failed by the next worker, never run a second time.
 */
export function startActionWorker(opts: ActionWorkerOptions): ActionWorker {
  const log = opts.logger.child({ component: 'action-worker' });
  const stopping = new AbortController();
  const running = new Set<Promise<void>>();
  const worker = new Worker<ActionJob>(
    ACTION_QUEUE,
    async (job: Job<ActionJob>) => {
      const parsed = actionJobSchema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError('invalid action job payload');
      const { actionId, claimedAt } = parsed.data;
      const run = opts.processor(actionId, { signal: stopping.signal, ...(claimedAt ? { claimedAt: new Date(claimedAt) } : {}) });
      const settled = run.then(
        () => undefined,
        () => undefined,
      );
      running.add(settled);
      void settled.finally(() => running.delete(settled));
      await run;
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
  return {
    worker,
    async close(closeOpts) {
      stopping.abort(new Error('the action worker is closing'));
      // Closing before BullMQ's connections are up leaves ioredis rejecting their pending commands with
      // "Connection is closed" where nobody listens (an unhandled rejection, which ends a Node process).
      // So let the start finish first, but never let a Redis outage hold the shutdown up.
      await raceAbort(worker.waitUntilReady(), AbortSignal.timeout(READY_BEFORE_CLOSE_MS)).catch(() => undefined);
      const withinMs = closeOpts?.withinMs;
      if (withinMs === undefined) return worker.close();
      // Take no new job at once; the running ones get until the deadline to stop on their own.
      await worker.pause(true).catch((e: unknown) => log.warn({ err: e }, 'cannot pause the action worker'));
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), withinMs);
        timer.unref();
      });
      const finished = await Promise.race([Promise.all([...running]).then(() => 'done' as const), deadline]);
      clearTimeout(timer);
      if (finished === 'late') log.warn({ running: running.size, withinMs }, 'actions still running at shutdown; leaving them to recovery');
      // When they finished, a plain close also lets BullMQ record their completion.
      await worker.close(finished === 'late');
    },
  };
}

const READY_BEFORE_CLOSE_MS = 2_000;
