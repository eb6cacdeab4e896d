/**
 * The week-over-week warning: a project whose cost of the last 7 complete days grew by `anomalyGrowth` or
 * more against the 7 before is told in its chats, once per project and week. The push carries a key made
 * of the project and the week, so a second replica or a repeated run sends it once (the outbox keeps keys
 * longer than a week); the store remembers it was sent, so later runs of the week skip the work.
 */
import type { Catalog } from '../domain/catalog.js';
import { ReplyBuilder } from '../messages/reply-builder.js';
import type { Reply } from '../messages/reply.js';
import type { Notifier } from '../ports/notifier.port.js';
import type { CostServices } from '../services.js';
import { loadCostReport } from './cost-query.js';
import { changeText, money } from './cost-reply.js';
import { dayStart, DAY_MS, grewTooFast, type ProjectCost } from './cost-report.js';

/** Monday 00:00 UTC of `at`'s ISO week. */
export function isoWeekStart(at: Date): Date {
  const day = dayStart(at);
  const weekday = (day.getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return new Date(day.getTime() - weekday * DAY_MS);
}

export const anomalyKey = (project: string, weekStart: Date) => `cost-anomaly:${project}:${weekStart.toISOString().slice(0, 10)}`;

export function anomalyReply(p: ProjectCost): Reply {
  const w = p.weekOverWeek;
  const b = new ReplyBuilder('warning')
    .header(`⚠️ Cost of ${p.project} grew ${changeText(w.growth)} week over week`)
    .text(`Last 7 days: ${money(w.amount, p.currency)}, the 7 before: ${money(w.previous, p.currency)}`);
  const envs = p.envs.filter((e) => e.amount !== null);
  if (envs.length > 0) b.table(['ENV', 'COST', 'CHANGE'], envs.map((e) => [e.env, money(e.amount, p.currency), changeText(e.change, e.amount)]));
  return b.context(`Details: cost ${p.project} week`).build();
}

export interface AnomalyDeps {
  catalog: Pick<Catalog, 'projects'>;
  cost: CostServices;
  notifier: Notifier;
}

/** Checks every project at `now`; returns the projects warned about by this call. */
export async function pushCostAnomalies(deps: AnomalyDeps, now: Date): Promise<string[]> {
  const projects = deps.catalog.projects.map((p) => ({ name: p.name, envs: p.environments }));
  if (projects.length === 0) return [];
  const report = await loadCostReport({ catalog: deps.catalog as Catalog, cost: deps.cost }, projects, 'week', now);
  const week = isoWeekStart(now);
  const warned: string[] = [];
  for (const p of report.projects) {
    if (!grewTooFast(p, deps.cost.settings.anomalyGrowth)) continue;
    if (await deps.cost.usage.anomalySent(p.project, week)) continue;
    await deps.notifier.announce(p.project, anomalyReply(p), { key: anomalyKey(p.project, week) });
    await deps.cost.usage.markAnomalySent(p.project, week);
    warned.push(p.project);
  }
  return warned;
}
