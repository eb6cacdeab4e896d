/**
 * A job that runs every N milliseconds once across replicas: one BullMQ job scheduler (`every`) per job,
 * upserted under the same id by every replica, so each interval yields one job (its id names the slot) and
 * one worker takes it. A run that fails is logged and not retried: the next interval runs anyway.
 */
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from '../../core/ports/logger.port.js';
import { firedAtOf } from './report-scheduler.js';

export interface IntervalJobOptions {
  /** The job's name: its queue is `deckhand-<name>`, its scheduler `<name>`. */
  name: string;
  everyMs: number;
  connection: ConnectionOptions;
  /** Redis key prefix (BullMQ's default `bull`); tests use a unique one per file. */
  prefix?: string;
  run(firedAt: Date): Promise<unknown>;
  logger: Logger;
}

export interface IntervalJob {
  readonly queue: Queue;
  readonly worker: Worker;
  /** Stops taking jobs, waits for a running one, closes the connections. The scheduler stays in Redis. */
  close(): Promise<void>;
}

export async function startIntervalJob(opts: IntervalJobOptions): Promise<IntervalJob> {
  const log = opts.logger.child({ component: `${opts.name}-scheduler` });
  const queueName = `deckhand-${opts.name}`;
  const prefix = opts.prefix ? { prefix: opts.prefix } : {};
  const queue = new Queue(queueName, {
    connection: opts.connection,
    ...prefix,
    defaultJobOptions: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 500 } },
  });
  try {
    await queue.upsertJobScheduler(opts.name, { every: opts.everyMs }, { name: opts.name, data: {} });
  } catch (e) {
    await queue.close();
    throw e;
  }
  const worker = new Worker(
    queueName,
    async (job: Job) => {
      await opts.run(firedAtOf(job) ?? new Date());
    },
    // One run at a time in each process; BullMQ's lock keeps a job with one worker across processes.
    { connection: opts.connection, ...prefix, concurrency: 1 },
  );
  worker.on('failed', (job, error) => log.error({ jobId: job?.id, reason: error.message }, `${opts.name} job failed`));
  worker.on('error', (error) => log.error({ err: error }, `${opts.name} worker error`));
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
