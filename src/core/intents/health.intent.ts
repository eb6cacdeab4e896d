/** `health [project] [env]`: a 0-100 score per service from the signals Deckhand stores, with the reasons. */
import { projectEnvArguments } from '../actions/targets.js';
import { assessHealth } from '../health/health-data.js';
import { healthReply } from '../health/health-reply.js';
import { defineIntent } from './intent.js';

const USAGE = 'health [project] [env]';

export const healthIntent = defineIntent({
  name: 'health',
  summary: 'A 0-100 health score per service, why it lost points, what to do first',
  usage: USAGE,
  minRole: 'viewer',
  ...projectEnvArguments(USAGE),
  async handle(ctx) {
    const { project } = ctx.args;
    const envs = ctx.args.envs.filter((e) => ctx.can({ role: 'viewer', project: project.name, env: e.name }));
    const scored = await assessHealth(ctx.services, project.name, envs);
    return healthReply(project.name, envs, scored, { sampled: ctx.services.cost !== undefined });
  },
});
