/** The weekly cost report of one project (a `reports:` entry with `kind: cost`): every environment, the last 7 complete days. */
import type { ProjectSpec } from '../domain/catalog.js';
import type { Reply } from '../messages/reply.js';
import type { CoreServices } from '../services.js';
import { loadCostReport, unmeasured } from './cost-query.js';
import { costReply } from './cost-reply.js';

/** Throws when nothing is measured in this process (the scheduler logs it). */
export async function buildWeeklyCostReport(services: CoreServices, project: ProjectSpec, firedAt: Date): Promise<Reply> {
  if (!services.cost) throw new Error(`cost report of ${project.name}: cost is not measured in this process`);
  const projects = [{ name: project.name, envs: project.environments }];
  const report = await loadCostReport({ catalog: services.catalog, cost: services.cost }, projects, 'week', firedAt);
  return costReply(report, { title: `Weekly cost report: ${project.name}`, unmeasured: unmeasured(services, projects) });
}
