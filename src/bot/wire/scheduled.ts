/**
 * Scheduled actions (`deploy … at 22:00`): the worker that takes their delayed jobs at the run time (every
 * server replica runs one; BullMQ hands each job to one), and at start the jobs of scheduled rows that went
 * missing. Like the cost sampler, reports and SLO alerts, server mode only: a shell pointed at the
 * deployment's Redis and PostgreSQL schedules actions (the scheduler enqueues them) but runs none, so a
 * deploy due at 22:00 never runs on someone's laptop.
 */
import { startScheduledWorker, type BullActionScheduler, type ScheduledWorker } from '../../adapters/bullmq/bull-action-scheduler.js';
import { restoreScheduled, runScheduledAction } from '../../core/actions/scheduled-actions.js';
import type { CoreServices } from '../../core/services.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module } from './module.js';

export function wireScheduled(infra: Infrastructure, services: CoreServices, scheduler: BullActionScheduler, options: { server: boolean }): Module {
  let worker: ScheduledWorker | undefined;
  return {
    name: 'scheduled-actions',
    async start() {
      if (!options.server) return;
      await restoreScheduled(services).catch((err: unknown) => infra.logger.warn({ err }, 'cannot put back the jobs of scheduled actions now; the next start will'));
      worker = await startScheduledWorker({ connection: infra.connection, prefix: infra.prefix, logger: infra.logger, run: (id, runAt) => runScheduledAction(services, id, runAt) });
    },
    stop: async () => worker?.close(),
    close: () => scheduler.close(),
  };
}
