import { Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { ActionScheduler } from '../../core/ports/action-scheduler.port.js';
import { SCHEDULED_QUEUE, scheduledJobId, scheduledJobSchema, type ScheduledJob } from '../../core/ports/action-scheduler.port.js';
import type { Logger } from '../../core/ports/logger.port.js';
import { QueueUnavailableError } from '../../core/ports/store-errors.js';

export interface BullActionSchedulerOptions {
  connection: ConnectionOptions;
  /** Redis key prefix (BullMQ's default `bull`); tests use a unique one per file. */
  prefix?: string;
  /** How long add/inspect wait for Redis before the queue counts as unreachable (default 3 s). */
  timeoutMs?: number;
}

const WILL_RUN = new Set(['waiting', 'delayed', 'prioritized', 'waiting-children', 'active']);

/** Whether the job will still run for `runAt` (ISO); one being run now counts whatever its time. */
function willRunFor(job: Job<ScheduledJob>, state: string, runAt: string): boolean {
  return WILL_RUN.has(state) && (state === 'active' || scheduledJobSchema.safeParse(job.data).data?.runAt === runAt);
}

/**
 * Scheduled actions as BullMQ delayed jobs: job id `scheduled-<action id>`, so however many replicas (or a
 * start-up recovery) add it, there is one job, and one worker of all replicas takes it at its time. Delayed
 * jobs live in Redis and survive restarts of every replica.
 */
export class BullActionScheduler implements ActionScheduler {
  readonly queue: Queue<ScheduledJob>;
  private readonly timeoutMs: number;

  constructor(opts: BullActionSchedulerOptions) {
    this.timeoutMs = opts.timeoutMs ?? 3_000;
    this.queue = new Queue<ScheduledJob>(SCHEDULED_QUEUE, {
      connection: opts.connection,
      ...(opts.prefix ? { prefix: opts.prefix } : {}),
      defaultJobOptions: {
        // A run that fails for lack of the database is tried again; the row makes a second run harmless.
        attempts: 3,
        backoff: { type: 'exponential', delay: 5_000 },
        removeOnComplete: { age: 7 * 86_400 },
        removeOnFail: { age: 30 * 86_400 },
      },
    });
  }

  async schedule(actionId: string, runAt: Date, now: Date): Promise<void> {
    const data = scheduledJobSchema.parse({ actionId, runAt: runAt.toISOString() });
    await this.bounded(async () => {
      const jobId = scheduledJobId(actionId);
      const existing = await this.queue.getJob(jobId);
      if (existing) {
        const state = await existing.getState();
        if (willRunFor(existing, state, data.runAt)) return;
        // It ran (or failed) while the row stayed scheduled: a crash between the two. Or it waits for another
        // time: a schedule whose add timed out and was undone reached Redis late, and its job would take the
        // id of this one (at its time it is ignored, the row's time being another). Replaced either way.
        await existing.remove();
      }
      await this.queue.add('run', data, { jobId, delay: Math.max(0, runAt.getTime() - now.getTime()) });
    });
  }

  async unschedule(actionId: string): Promise<void> {
    await this.bounded(async () => {
      const job = await this.queue.getJob(scheduledJobId(actionId));
      if (job && (await job.getState()) === 'delayed') await job.remove();
    });
  }

  async isScheduled(actionId: string, runAt: Date): Promise<boolean> {
    return this.bounded(async () => {
      const job = await this.queue.getJob(scheduledJobId(actionId));
      return job ? willRunFor(job, await job.getState(), runAt.toISOString()) : false;
    });
  }

  close(): Promise<void> {
    return this.queue.close();
  }

  private async bounded<T>(work: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new QueueUnavailableError({ cause: new Error(`Redis did not answer within ${this.timeoutMs} ms`) })), this.timeoutMs);
    });
    try {
      const client = await Promise.race([this.queue.client, timeout]);
      if (client.status !== 'ready') throw new QueueUnavailableError({ cause: new Error(`Redis connection is ${client.status}`) });
      return await Promise.race([work(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

export interface ScheduledWorkerOptions {
  connection: ConnectionOptions;
  prefix?: string;
  /** Runs the scheduled action (the core's runScheduledAction). */
  run: (actionId: string, runAt: Date) => Promise<unknown>;
  logger: Logger;
}

export interface ScheduledWorker {
  readonly worker: Worker<ScheduledJob>;
  close(): Promise<void>;
}

/** Takes scheduled actions' jobs at their time; every replica runs one, BullMQ gives each job to one of them. */
export async function startScheduledWorker(opts: ScheduledWorkerOptions): Promise<ScheduledWorker> {
  const log = opts.logger.child({ component: 'scheduled-worker' });
  const worker = new Worker<ScheduledJob>(
    SCHEDULED_QUEUE,
    async (job: Job<ScheduledJob>) => {
      const parsed = scheduledJobSchema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError('invalid scheduled job payload');
      return opts.run(parsed.data.actionId, new Date(parsed.data.runAt));
    },
    { connection: opts.connection, ...(opts.prefix ? { prefix: opts.prefix } : {}), concurrency: 2 },
  );
  worker.on('failed', (job, error) => log.error({ jobId: job?.id, reason: error.message }, 'scheduled job failed'));
  worker.on('error', (error) => log.error({ err: error }, 'scheduled worker error'));
  // Closed while still connecting, a worker leaves its commands to fail unhandled ("Connection is closed").
  await worker.waitUntilReady();
  return { worker, close: () => worker.close() };
}
