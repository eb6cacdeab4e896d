/** `cost [project] [week|month] [--csv]`: what each project and environment used and cost, from the sampler's measurements. */
import { z } from 'zod';
import type { ProjectSpec } from '../domain/catalog.js';
import { hint } from '../domain/suggest.js';
import { replies } from '../messages/reply-builder.js';
import { nameWord } from '../messages/words.js';
import { loadCostReport, unmeasured, type ProjectEnvs } from '../cost/cost-query.js';
import { costCsvReply, costReply } from '../cost/cost-reply.js';
import type { CostPeriod } from '../cost/cost-report.js';
import { defineIntent } from './intent.js';

const USAGE = 'cost [project] [week|month] [--csv]';
const PERIODS = ['week', 'month'] as const;
const isPeriod = (w: string | undefined): w is CostPeriod => w !== undefined && (PERIODS as readonly string[]).includes(w.toLowerCase());

export interface CostArgs {
  /** The project named, or every project this chat may address. */
  projects: ProjectSpec[];
  named: boolean;
  period: CostPeriod;
  csv: boolean;
}

export const costIntent = defineIntent({
  name: 'cost',
  summary: 'CPU, memory, disk and money per project and environment',
  usage: USAGE,
  minRole: 'viewer',
  flags: { csv: { value: false, description: 'send the table as a CSV file' } },
  schema: z.object({
    project: nameWord.optional(),
    period: z.enum(PERIODS, { error: 'the period is week or month' }).default('week'),
    csv: z.literal(true).optional(),
    extra: z.undefined({ error: `too many arguments (${USAGE})` }),
  }),
  toInput: (a) => {
    const [first, second, third] = a.positionals;
    const csv = a.flags['csv'] === undefined ? undefined : a.flags['csv'];
    if (isPeriod(first)) return { period: first.toLowerCase(), extra: second, csv };
    return { project: first, period: second?.toLowerCase(), extra: third, csv };
  },
  resolve: (input, { catalog, chatProjects }) => {
    const visible = catalog.projects.filter((p) => chatProjects.includes(p.name));
    if (visible.length === 0) return { ok: false, outcome: 'not_found', reply: replies.error('You have no projects here.', 'Ask an admin to grant you a role on a project.') };
    if (input.project !== undefined) {
      const project = visible.find((p) => p.name === input.project);
      if (!project) return { ok: false, outcome: 'not_found', reply: replies.error(`Unknown project "${input.project}".`, hint('project', input.project, visible.map((p) => p.name))) };
      return { ok: true, args: { projects: [project], named: true, period: input.period, csv: input.csv === true } };
    }
    return { ok: true, args: { projects: visible, named: false, period: input.period, csv: input.csv === true } };
  },
  requires: (a: CostArgs) => ({ role: 'viewer', ...(a.named ? { project: a.projects[0]!.name } : {}) }),
  async handle(ctx) {
    const cost = ctx.services.cost;
    if (!cost) return replies.warning('Cost is not measured here.', 'The cost sampler runs with the server (npm start), not in the shell alone.');
    const { period, csv } = ctx.args;
    // Only the environments the person may see, and only projects with at least one of them.
    const projects: ProjectEnvs[] = ctx.args.projects
      .map((p) => ({ name: p.name, envs: p.environments.filter((e) => ctx.can({ role: 'viewer', project: p.name, env: e.name })) }))
      .filter((p) => p.envs.length > 0);
    if (projects.length === 0) return replies.error('You may not see any environment of that project.', `Usage: ${USAGE}`);
    const report = await loadCostReport({ catalog: ctx.services.catalog, cost }, projects, period, ctx.services.clock.now());
    if (csv) return costCsvReply(report);
    return costReply(report, { unmeasured: unmeasured(ctx.services, projects) });
  },
});
