import { formatDuration } from '../domain/duration.js';
import type { EnvironmentSpec } from '../domain/catalog.js';
import { ReplyBuilder } from '../messages/reply-builder.js';
import type { ContainerInfo } from '../ports/runtime.port.js';
import { defineIntent } from './intent.js';
import { findContainers, type ServiceContainers } from '../actions/runtime-query.js';
import { projectEnvArguments } from '../actions/targets.js';

const USAGE = 'status [project] [env]';

const COLUMNS = ['SERVICE', 'STATE', 'HEALTH', 'UP', 'VERSION', 'RESTARTS', 'HOST', 'IMAGE'];

function containerRow(service: string, c: ContainerInfo, host: string, now: Date): string[] {
  const up = c.state === 'running' && c.startedAt ? formatDuration(now.getTime() - c.startedAt.getTime()) : '-';
  return [service, c.state, c.health === 'none' ? '-' : c.health, up, c.version, String(c.restartCount), host, c.image];
}

interface Tally {
  running: number;
  problems: number;
  unreachable: Set<string>;
  /** What runtimes refused for lack of permission, each sentence once. */
  refusals: Set<string>;
}

function envRows(env: EnvironmentSpec, found: Map<unknown, ServiceContainers>, now: Date, tally: Tally): string[][] {
  const rows: string[][] = [];
  for (const s of env.services) {
    const r = found.get(s)!;
    if (!r.ok) {
      if (r.refusal !== undefined) tally.refusals.add(r.refusal);
      else tally.unreachable.add(r.host);
      tally.problems++;
      rows.push([s.name, r.problem, '-', '-', '-', '-', s.host, '-']);
    } else if (r.containers.length === 0) {
      tally.problems++;
      rows.push([s.name, 'missing', '-', '-', '-', '-', s.host, '-']);
    } else {
      for (const c of r.containers) {
        const healthy = c.state === 'running' && c.health !== 'unhealthy';
        if (healthy) tally.running++;
        else tally.problems++;
        rows.push(containerRow(r.containers.length > 1 ? `${s.name} (${c.name})` : s.name, c, s.host, now));
      }
    }
  }
  return rows;
}

export const statusIntent = defineIntent({
  name: 'status',
  summary: 'Every service of a project: state, health, uptime, version, restarts, host',
  usage: USAGE,
  minRole: 'viewer',
  ...projectEnvArguments(USAGE),
  async handle(ctx) {
    const { project } = ctx.args;
    const envs = ctx.args.envs.filter((e) => ctx.can({ role: 'viewer', project: project.name, env: e.name }));
    const found = await findContainers(envs.flatMap((e) => e.services), ctx.services);
    const now = ctx.services.clock.now();
    const tally: Tally = { running: 0, problems: 0, unreachable: new Set(), refusals: new Set() };
    const sections = envs.map((env) => ({ env, rows: envRows(env, found, now, tally) }));
    const tone = tally.problems > 0 ? 'warning' : 'success';
    const b = new ReplyBuilder(tone).header(`${project.name} status`);
    const summary = [`${tally.running} running`];
    if (tally.problems) summary.push(`${tally.problems} need attention`);
    if (tally.unreachable.size) summary.push(`unreachable: ${[...tally.unreachable].join(', ')}`);
    b.text(summary.join(' · '));
    for (const refusal of tally.refusals) b.text(`${refusal}.`);
    for (const { env, rows } of sections) {
      b.context(`${env.name}${env.production ? ' (production)' : ''}`);
      b.table(COLUMNS, rows.length ? rows : [['(no services configured)', '', '', '', '', '', '', '']]);
    }
    return b.build();
  },
});
