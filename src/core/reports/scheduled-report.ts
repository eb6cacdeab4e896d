/**
 * The scheduled morning report: at each fire time of a configured schedule, the report of one project is
 * built (deploys since the previous fire time) and sent to one chat. Timing and the exactly-once firing
 * across replicas are the scheduler's job (the BullMQ report scheduler); this is what one fire does.
 */
import { z } from 'zod';
import { buildMorningReport } from '../domain/morning-report.js';
import { isTimeZone } from '../domain/time-zone.js';
import type { CoreServices } from '../services.js';
import type { Platform } from '../messages/inbound.js';
import type { Reply } from '../messages/reply.js';
import { nameWord } from '../messages/words.js';
import { gatherMorningData } from './morning-data.js';
import { buildWeeklyCostReport } from '../cost/weekly-cost-report.js';

/**
 * One `reports:` entry: which project's report goes to which chat, and when (cron in a time zone). The
 * platform ids come from the platform registry (the core names no platform).
 */
export function reportScheduleSchemaFor(platforms: readonly [string, ...string[]]) {
  return z.strictObject({
    /** Stable id: the scheduler is keyed by it, so renaming it replaces the schedule. */
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/i, 'must be an id (letters, digits, _ -)'),
    project: nameWord,
    platform: z.enum(platforms),
    chatId: z.string().min(1).max(128),
    /** Cron pattern, 5 fields (minute first) or 6 (second first), e.g. `0 9 * * 1-5`. */
    cron: z.string().min(9).max(120),
    timezone: z.string().refine(isTimeZone, 'an IANA time zone such as Europe/Berlin or UTC').default('UTC'),
    /** What is sent: the morning report (absent or `morning`) or the weekly cost report (`cost`). */
    kind: z.enum(['morning', 'cost']).optional(),
  });
}

export type ReportSchedule = z.infer<ReturnType<typeof reportScheduleSchemaFor>>;

export interface ScheduledReportDeps {
  services: CoreServices;
  /** Posts a reply to one chat of a platform, over that platform's delivery. */
  sendTo: (platform: Platform, chatId: string, reply: Reply) => Promise<void>;
  /** The fire time before `firedAt` (see previousFireTime in the BullMQ report scheduler). */
  previousFire: (schedule: ReportSchedule, firedAt: Date) => Date;
}

/** What the scheduler runs at each fire time. */
export type ReportRun = (schedule: ReportSchedule, firedAt: Date) => Promise<void>;

/**
 * Builds one fire's report: every environment of the project (the configured chat was chosen by whoever
 * configures the bot, not by a person's role), deploys since the previous fire time, times in the
 * schedule's time zone. Throws when the project is not in the catalog, so the scheduler logs it.
 */
export async function buildScheduledReport(deps: ScheduledReportDeps, schedule: ReportSchedule, firedAt: Date): Promise<Reply> {
  const project = deps.services.catalog.projects.find((p) => p.name === schedule.project);
  if (!project) throw new Error(`report ${schedule.id}: unknown project ${schedule.project}`);
  if (schedule.kind === 'cost') return buildWeeklyCostReport(deps.services, project, firedAt);
  const data = await gatherMorningData(project.name, project.environments, deps.services);
  return buildMorningReport({ ...data, since: deps.previousFire(schedule, firedAt), timezone: schedule.timezone });
}

/** One fire: build the report and send it to the schedule's chat. */
export async function sendScheduledReport(deps: ScheduledReportDeps, schedule: ReportSchedule, firedAt: Date): Promise<void> {
  const reply = await buildScheduledReport(deps, schedule, firedAt);
  await deps.sendTo(schedule.platform, schedule.chatId, reply);
}
