/** Reads what a cost report needs and builds it: shared by the `cost` command, the weekly report and the anomaly push. */
import type { EnvironmentSpec } from '../domain/catalog.js';
import type { CostServices, CoreServices } from '../services.js';
import { costReport, dayStart, DAY_MS, HISTORY_DAYS, type CostPeriod, type CostReport } from './cost-report.js';

export interface ProjectEnvs {
  name: string;
  envs: readonly EnvironmentSpec[];
}

export async function loadCostReport(services: Pick<CoreServices, 'catalog'> & { cost: CostServices }, projects: readonly ProjectEnvs[], period: CostPeriod, now: Date): Promise<CostReport> {
  const to = dayStart(now);
  const days = await services.cost.usage.daily({ projects: projects.map((p) => p.name), from: new Date(to.getTime() - HISTORY_DAYS * DAY_MS), to });
  return costReport({
    days,
    projects: projects.map((p) => ({ name: p.name, envs: p.envs.map((e) => e.name) })),
    period,
    now,
    catalog: services.catalog,
    settings: services.cost.settings,
  });
}

/** `project/env/service` of the services whose runtime cannot report use (not sampled). */
export function unmeasured(services: Pick<CoreServices, 'runtimes'>, projects: readonly ProjectEnvs[]): string[] {
  const out: string[] = [];
  for (const p of projects) {
    for (const e of p.envs) {
      for (const s of e.services) {
        let runtime;
        try {
          runtime = services.runtimes.get(s.host);
        } catch {
          continue;
        }
        if (runtime.usage === undefined) out.push(`${p.name}/${e.name}/${s.name}`);
      }
    }
  }
  return out;
}
