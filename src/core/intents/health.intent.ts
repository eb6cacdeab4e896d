/** `health [project] [env]`: a 0-100 score per service from the signals Deckhand stores, with the reasons. */
import { projectEnvArguments, viewerEnvs } from '../actions/targets.js';
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
    const envs = viewerEnvs(ctx.args, (r) => ctx.can(r));
    const scored = await assessHealth(ctx.services, project.name, envs);
    return healthReply(project.name, envs, scored, { sampled: ctx.services.cost !== undefined });
  },
});
