/** `morning [project]`: the morning report on demand (the data comes from core/reports, shared with the scheduled report). */
import { z } from 'zod';
import { buildMorningReport } from '../domain/morning-report.js';
import { gatherMorningData } from '../reports/morning-data.js';
import { defineIntent } from './intent.js';
import { resolveProject, type ProjectTarget } from '../actions/targets.js';
import { nameWord } from '../messages/words.js';

const USAGE = 'morning [project]';

export const morningIntent = defineIntent({
  name: 'morning',
  summary: 'Morning report: unhealthy services, recent deploys, open incidents, on call, locks and freezes, DORA',
  usage: USAGE,
  minRole: 'viewer',
  schema: z.object({ project: nameWord.optional(), extra: z.undefined({ error: `too many arguments (${USAGE})` }) }),
  toInput: (a) => ({ project: a.positionals[0], extra: a.positionals[1] }),
  resolve: (input, { catalog, chatProjects }) => resolveProject(catalog, chatProjects, input.project, undefined, USAGE),
  requires: (t: ProjectTarget) => ({ role: 'viewer', project: t.project.name, env: t.envNamed ? t.envs[0]!.name : undefined }),
  async handle(ctx) {
    const { project } = ctx.args;
    const envs = ctx.args.envs.filter((e) => ctx.can({ role: 'viewer', project: project.name, env: e.name }));
    return buildMorningReport(await gatherMorningData(project.name, envs, ctx.services));
  },
});
