/** Scheduled morning reports: one BullMQ job scheduler per report, so replicas send each one once. */
import { previousFireTime, startReportScheduler, type ReportScheduler } from '../../adapters/bullmq/report-scheduler.js';
import type { CoreServices } from '../../core/services.js';
import { createMorningReportRun } from '../../jobs/morning-report.schedule.js';
import type { DeckhandConfig } from '../config.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module } from './module.js';
import type { WiredPlatforms } from './platforms.js';

export function wireReports(config: DeckhandConfig, infra: Infrastructure, services: CoreServices, platforms: WiredPlatforms): Module {
  const run = createMorningReportRun({ services, sendTo: (platform, chatId, reply) => platforms.send(platform, chatId, reply), previousFire: previousFireTime });
  let scheduler: ReportScheduler | undefined;
  return {
    name: 'reports',
    async start() {
      scheduler = await startReportScheduler({ connection: infra.connection, prefix: infra.prefix, schedules: config.reports, run, logger: infra.logger });
    },
    stop: async () => scheduler?.close(),
  };
}
