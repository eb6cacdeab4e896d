import { Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import cronParser from 'cron-parser';
import type { Logger } from '../../core/ports/logger.port.js';
import { reportScheduleSchemaFor, type ReportRun, type ReportSchedule } from '../../core/reports/scheduled-report.js';
import { platformIds } from '../platforms.js';

export const REPORT_QUEUE = 'deckhand-reports';
const SCHEDULER_PREFIX = 'report-';
const JOB_NAME = 'morning-report';
const reportScheduleSchema = reportScheduleSchemaFor(platformIds);

export interface ReportSchedulerOptions {
  connection: ConnectionOptions;
  /** Redis key prefix (BullMQ's default `bull`); tests use a unique one per file. */
  prefix?: string;
  /** Every configured schedule: schedulers of ids not listed here are removed. */
  schedules: readonly ReportSchedule[];
  run: ReportRun;
  logger: Logger;
}

export interface ReportScheduler {
  readonly queue: Queue<ReportSchedule>;
  readonly worker: Worker<ReportSchedule>;
  /** Stops taking jobs, waits for a running report, closes the connections. Schedulers stay in Redis. */
  close(): Promise<void>;
}

/** The BullMQ job scheduler id of a schedule: stable, so every replica upserts the same one. */
export const schedulerIdOf = (scheduleId: string) => `${SCHEDULER_PREFIX}${scheduleId}`;

/** Whether BullMQ (cron-parser, the version it pins) accepts the pattern in the time zone. */
export function isValidCron(cron: string, timezone = 'UTC'): boolean {
  try {
    cronParser.parseExpression(cron, { tz: timezone });
    return true;
  } catch {
    return false;
  }
}

/** The schedule's fire time before `firedAt`, with the parser BullMQ computes fire times with. */
export function previousFireTime(schedule: Pick<ReportSchedule, 'cron' | 'timezone'>, firedAt: Date): Date {
  const it = cronParser.parseExpression(schedule.cron, { tz: schedule.timezone, currentDate: firedAt });
  return it.prev().toDate();
}

/** The fire time a scheduler job stands for: BullMQ stores it as `prevMillis` (also the end of its id). */
export function firedAtOf(job: Pick<Job, 'opts' | 'id'>): Date | undefined {
  const millis = job.opts.prevMillis ?? Number(job.id?.split(':').at(-1));
  return Number.isFinite(millis) && millis > 0 ? new Date(millis) : undefined;
}

function validated(schedules: readonly ReportSchedule[]): ReportSchedule[] {
  const parsed = schedules.map((s) => reportScheduleSchema.parse(s));
  const ids = new Set(parsed.map((s) => s.id));
  if (ids.size !== parsed.length) throw new Error('report schedules: ids must be unique');
  for (const s of parsed) {
    if (!isValidCron(s.cron, s.timezone)) throw new Error(`report ${s.id}: invalid cron pattern`);
  }
  return parsed;
}

/** Upserts one scheduler per schedule and removes the report schedulers no longer configured. */
async function syncSchedulers(queue: Queue<ReportSchedule>, schedules: readonly ReportSchedule[], log: Logger): Promise<void> {
  const wanted = new Set(schedules.map((s) => schedulerIdOf(s.id)));
  for (const s of schedules) {
    await queue.upsertJobScheduler(schedulerIdOf(s.id), { pattern: s.cron, tz: s.timezone }, { name: JOB_NAME, data: s });
  }
  const existing = await queue.getJobSchedulers(0, -1);
  for (const scheduler of existing) {
    if (wanted.has(scheduler.key) || !scheduler.key.startsWith(SCHEDULER_PREFIX)) continue;
    await queue.removeJobScheduler(scheduler.key);
    log.info({ scheduler: scheduler.key }, 'removed report schedule no longer configured');
  }
}

function startWorker(opts: ReportSchedulerOptions, log: Logger): Worker<ReportSchedule> {
  const worker = new Worker<ReportSchedule>(
    REPORT_QUEUE,
    async (job: Job<ReportSchedule>) => {
      const schedule = reportScheduleSchema.safeParse(job.data);
      const firedAt = firedAtOf(job);
      if (!schedule.success || !firedAt) throw new UnrecoverableError('invalid report job');
      await opts.run(schedule.data, firedAt);
      log.info({ report: schedule.data.id, firedAt: firedAt.toISOString() }, 'report sent');
    },
    { connection: opts.connection, ...(opts.prefix ? { prefix: opts.prefix } : {}), concurrency: 2 },
  );
  worker.on('failed', (job, error) => log.error({ jobId: job?.id, reason: error.message }, 'report job failed'));
  worker.on('error', (error) => log.error({ err: error }, 'report worker error'));
  return worker;
}

/**
 * Schedules the configured reports on BullMQ job schedulers. Every replica may call this: the scheduler
 * id is stable and each fire time has one job id (`repeat:<scheduler>:<millis>`), so a fire time yields
 * one job, taken by one worker. A failed report is not retried (one attempt).
 */
export async function startReportScheduler(opts: ReportSchedulerOptions): Promise<ReportScheduler> {
  const log = opts.logger.child({ component: 'report-scheduler' });
  const schedules = validated(opts.schedules);
  const queue = new Queue<ReportSchedule>(REPORT_QUEUE, {
    connection: opts.connection,
    ...(opts.prefix ? { prefix: opts.prefix } : {}),
    defaultJobOptions: { attempts: 1, removeOnComplete: { age: 7 * 86_400 }, removeOnFail: { age: 30 * 86_400 } },
  });
  try {
    await syncSchedulers(queue, schedules, log);
  } catch (e) {
    await queue.close();
    throw e;
  }
  const worker = startWorker(opts, log);
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
