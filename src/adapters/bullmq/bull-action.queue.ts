import { Queue, type ConnectionOptions } from 'bullmq';
import type { ActionQueue } from '../../core/ports/action-queue.port.js';
import { ACTION_QUEUE, actionJobId, actionJobSchema, type ActionJob } from '../../core/ports/action-queue.port.js';

export interface BullActionQueueOptions {
  connection: ConnectionOptions;
  /** Redis key prefix (BullMQ's default `bull`); tests use a unique one per file. */
  prefix?: string;
  /** How long finished jobs are kept (so a late second enqueue is still a no-op). */
  keepCompletedSeconds?: number;
  keepFailedSeconds?: number;
}

const WILL_RUN = new Set(['waiting', 'delayed', 'prioritized', 'waiting-children']);

/**
 * The action queue on BullMQ. The job id is derived from the action id, so enqueueing the same action
 * twice (double click, retry, two bot replicas) adds one job. One attempt only: an action is never retried.
 */
export class BullActionQueue implements ActionQueue {
  readonly queue: Queue<ActionJob>;

  constructor(opts: BullActionQueueOptions) {
    this.queue = new Queue<ActionJob>(ACTION_QUEUE, {
      connection: opts.connection,
      ...(opts.prefix ? { prefix: opts.prefix } : {}),
      defaultJobOptions: {
        attempts: 1,
        removeOnComplete: { age: opts.keepCompletedSeconds ?? 7 * 86_400 },
        removeOnFail: { age: opts.keepFailedSeconds ?? 30 * 86_400 },
      },
    });
  }

  async enqueue(actionId: string): Promise<void> {
    const data = actionJobSchema.parse({ actionId });
    await this.queue.add('run', data, { jobId: actionJobId(actionId) });
  }

  /**
   * True when the action's job will still run (waiting) or a live worker runs it (active with its lock
   * held). An active job whose lock is gone belonged to a worker that died: it is not queued any more.
   */
  async isQueued(actionId: string): Promise<boolean> {
    const job = await this.queue.getJob(actionJobId(actionId));
    if (!job?.id) return false;
    const state = await job.getState();
    if (WILL_RUN.has(state)) return !job.deferredFailure;
    if (state !== 'active') return false;
    const client = await this.queue.client;
    return (await client.get(`${this.queue.toKey(job.id)}:lock`)) !== null;
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
