/**
 * The job each fire of a report schedule runs (the BullMQ report scheduler is the trigger): one call into
 * the core's scheduled report (src/core/reports/scheduled-report.ts).
 */
import { sendScheduledReport, type ReportRun, type ScheduledReportDeps } from '../core/reports/scheduled-report.js';

export type MorningReportRunDeps = ScheduledReportDeps;

export function createMorningReportRun(deps: MorningReportRunDeps): ReportRun {
  return (schedule, firedAt) => sendScheduledReport(deps, schedule, firedAt);
}
