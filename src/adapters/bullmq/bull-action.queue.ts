import { Queue, type ConnectionOptions } from 'bullmq';
import type { ActionQueue } from '../../core/ports/action-queue.port.js';
import { ACTION_QUEUE, actionJobId, actionJobSchema, legacyActionJobId, type ActionJob } from '../../core/ports/action-queue.port.js';
import { QueueUnavailableError } from '../../core/ports/store-errors.js';

export interface BullActionQueueOptions {
  connection: ConnectionOptions;
  /** Redis key prefix (BullMQ's default `bull`); tests use a unique one per file. */
  prefix?: string;
  /** How long finished jobs are kept (so a late second enqueue of the same claim is still a no-op). */
  keepCompletedSeconds?: number;
  keepFailedSeconds?: number;
  /** How long enqueue and reachable wait for Redis before the queue counts as unreachable (default 3 s). */
  timeoutMs?: number;
}

const WILL_RUN = new Set(['waiting', 'delayed', 'prioritized', 'waiting-children']);

/**
 * The action queue on BullMQ. The job id is derived from the action id and its claim's instant, so enqueueing
 * the same claim twice (retry, two bot replicas) adds one job, and a job of an undone claim that reached Redis
 * late does not keep the next claim's job out. One attempt only: an action is never retried.
 */
export class BullActionQueue implements ActionQueue {
  readonly queue: Queue<ActionJob>;
  private readonly timeoutMs: number;

  constructor(opts: BullActionQueueOptions) {
    this.timeoutMs = opts.timeoutMs ?? 3_000;
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

  /**
   * Adds the job, or rejects with QueueUnavailableError within `timeoutMs` when Redis cannot be reached. While
   * the connection is known to be down nothing is sent (a command would wait in the client's offline queue and
   * could land after the caller gave up); only a connection lost mid-call can still add the job late, and the
   * processor skips such a job once its claim was undone.
   */
  async enqueue(actionId: string, claimedAt: Date): Promise<void> {
    const data = actionJobSchema.parse({ actionId, claimedAt: claimedAt.toISOString() });
    await this.bounded(async () => {
      await this.connected();
      await this.queue.add('run', data, { jobId: actionJobId(actionId, claimedAt) });
    });
  }

  /** Whether Redis answers a read within `timeoutMs` (false at once while the connection is known to be down). */
  async reachable(): Promise<boolean> {
    try {
      await this.bounded(async () => void (await (await this.connected()).hget(this.queue.toKey('meta'), 'version')));
      return true;
    } catch {
      return false;
    }
  }

  /** The client when it is connected; QueueUnavailableError while it (re)connects or was closed. */
  private async connected() {
    const client = await this.queue.client;
    if (client.status !== 'ready') throw new QueueUnavailableError({ cause: new Error(`Redis connection is ${client.status}`) });
    return client;
  }

  /** Runs `work` within `timeoutMs`; any failure of a call that did not finish becomes QueueUnavailableError. */
  private async bounded<T>(work: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new QueueUnavailableError({ cause: new Error(`Redis did not answer within ${this.timeoutMs} ms`) })), this.timeoutMs);
    });
    try {
      return await Promise.race([work(), timeout]);
    } catch (err) {
      if (err instanceof QueueUnavailableError || !isConnectionError(err)) throw err;
      throw new QueueUnavailableError({ cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * True when the job of the action's claim made at `claimedAt` will still run (waiting) or a live worker runs
   * it (active with its lock held), or the action's job from before claims were part of the job id does (it
   * runs whichever claim is current). An active job whose lock is gone belonged to a worker that died: it is
   * not queued any more. Without `claimedAt` only the older form is looked up.
   */
  async isQueued(actionId: string, claimedAt: Date | null): Promise<boolean> {
    if (claimedAt && (await this.willRun(actionJobId(actionId, claimedAt)))) return true;
    return this.willRun(legacyActionJobId(actionId));
  }

  private async willRun(jobId: string): Promise<boolean> {
    const job = await this.queue.getJob(jobId);
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

/** ioredis' and the socket's ways of saying the connection is not there (not a script or data error). */
function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EPIPE|EAI_AGAIN)$/.test(code)) return true;
  return err.name === 'MaxRetriesPerRequestError' || /Connection is closed|Stream isn't writeable|enableOfflineQueue|Socket closed/i.test(err.message);
}
