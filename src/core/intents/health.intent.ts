/** `health [project] [env]`: a 0-100 score per service from the signals Deckhand stores, with the reasons. */
import { assessHealth } from '../health/health-data.js';
import { healthReply } from '../health/health-reply.js';
import { projectReportIntent } from '../actions/targets.js';

export const healthIntent = projectReportIntent({
  name: 'health',
  summary: 'A 0-100 health score per service, why it lost points, what to do first',
  usage: 'health [project] [env]',
  async answer(services, project, envs) {
    const scored = await assessHealth(services, project, envs);
    return healthReply(project, envs, scored, { sampled: services.cost !== undefined });
  },
});
