/** `slo [project] [env]`: attainment, error budget left and burn rates of the project's SLOs. */
import { projectEnvArguments, viewerEnvs } from '../actions/targets.js';
import { sloReply } from '../slo/slo-report.js';
import { defineIntent } from './intent.js';

const USAGE = 'slo [project] [env]';

export const sloIntent = defineIntent({
  name: 'slo',
  summary: 'SLOs: attainment, error budget left, burn rate over 1h and 6h',
  usage: USAGE,
  minRole: 'viewer',
  ...projectEnvArguments(USAGE),
  async handle(ctx) {
    const { project } = ctx.args;
    const envs = viewerEnvs(ctx.args, (r) => ctx.can(r));
    return sloReply(ctx.services, project.name, envs);
  },
});
