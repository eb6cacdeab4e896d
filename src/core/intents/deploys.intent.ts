import { formatDuration } from '../domain/duration.js';
import { formatLocal } from '../domain/rotation.js';
import { ReplyBuilder, replies } from '../messages/reply-builder.js';
import { defineIntent } from './intent.js';
import { projectEnvArguments } from '../actions/targets.js';

const USAGE = 'deploys [project] [env]';

export const deploysIntent = defineIntent({
  name: 'deploys',
  summary: 'Recent deployments, rollbacks and restarts',
  usage: USAGE,
  minRole: 'viewer',
  ...projectEnvArguments(USAGE),
  async handle(ctx) {
    const { project, envNamed, envs } = ctx.args;
    const list = await ctx.services.actions.deployments.recent({ project: project.name, env: envNamed ? envs[0]!.name : undefined, limit: 15 });
    const visible = list.filter((d) => ctx.can({ role: 'viewer', project: d.project, env: d.env }));
    if (visible.length === 0) return replies.info(`No deployments of ${project.name}${envNamed ? `/${envs[0]!.name}` : ''} recorded yet.`);
    const nameOf = (id: string | null) => (id ? (ctx.services.catalog.people.find((p) => p.id === id)?.name ?? id) : '-');
    const rows = visible.map((d) => [
      formatLocal(d.startedAt, 'UTC'),
      d.env,
      d.service,
      d.kind === 'restart' ? d.version : `${d.previousVersion ?? '?'} → ${d.version}`,
      d.status,
      d.finishedAt ? formatDuration(d.finishedAt.getTime() - d.startedAt.getTime()) : '-',
      d.source === 'external' ? 'CI' : nameOf(d.requestedBy),
      nameOf(d.approvedBy),
    ]);
    return new ReplyBuilder().header(`Deployments of ${project.name}`).table(['STARTED', 'ENV', 'SERVICE', 'VERSION', 'STATUS', 'TOOK', 'BY', 'APPROVED'], rows).build();
  },
});
