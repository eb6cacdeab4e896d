import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from '../../core/ports/logger.port.js';
import { firedAtOf } from './report-scheduler.js';

/**
 * A job that runs every `everyMs` once across replicas: one BullMQ job scheduler (its id stable, so every
 * replica upserts the same one), one job per fire time, taken by one worker, never retried (the next fire
 * comes soon). What a fire does is `run(firedAt)`.
 */
export interface IntervalJobOptions {
  queue: string;
  /** The job scheduler's id (and the job name). */
  id: string;
  everyMs: number;
  connection: ConnectionOptions;
  /** Redis key prefix (BullMQ's default `bull`); tests use a unique one per file. */
  prefix?: string;
  run: (firedAt: Date) => Promise<void>;
  logger: Logger;
}

export interface IntervalJob {
  readonly queue: Queue;
  readonly worker: Worker;
  close(): Promise<void>;
}

export async function startIntervalJob(opts: IntervalJobOptions): Promise<IntervalJob> {
  const log = opts.logger.child({ component: opts.id });
  const prefix = opts.prefix ? { prefix: opts.prefix } : {};
  const queue = new Queue(opts.queue, {
    connection: opts.connection,
    ...prefix,
    defaultJobOptions: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
  });
  try {
    await queue.upsertJobScheduler(opts.id, { every: opts.everyMs }, { name: opts.id, data: {} });
  } catch (e) {
    await queue.close();
    throw e;
  }
  const worker = new Worker(
    opts.queue,
    async (job: Job) => {
      await opts.run(firedAtOf(job) ?? new Date(job.timestamp));
    },
    { connection: opts.connection, ...prefix, concurrency: 1 },
  );
  worker.on('failed', (job, error) => log.error({ jobId: job?.id, reason: error.message }, `${opts.id} failed`));
  worker.on('error', (error) => log.error({ err: error }, `${opts.id} worker error`));
  // Closed while still connecting, a worker leaves its commands to fail unhandled ("Connection is closed").
  await worker.waitUntilReady();
  return {
    queue,
    worker,
    close: async () => {
      await worker.close();
      await queue.close();
    },
  };
}
