/** `slo [project] [env]`: attainment, error budget left and burn rates of the project's SLOs. */
import { sloReply } from '../slo/slo-report.js';
import { projectReportIntent } from '../actions/targets.js';

export const sloIntent = projectReportIntent({
  name: 'slo',
  summary: 'SLOs: attainment, error budget left, burn rate over 1h and 6h',
  usage: 'slo [project] [env]',
  answer: (services, project, envs) => sloReply(services, project, envs),
});
