import { formatDuration } from '../domain/duration.js';
import type { EnvironmentSpec } from '../domain/catalog.js';
import { ReplyBuilder } from '../messages/reply-builder.js';
import type { ContainerInfo } from '../ports/runtime.port.js';
import { defineIntent } from './intent.js';
import { findContainers, type ServiceContainers } from '../actions/runtime-query.js';
import { projectEnvArguments, viewerEnvs } from '../actions/targets.js';
import { describeUnits, podRow, POD_COLUMNS, replicaLine, type DetailsResult } from '../actions/unit-details.js';
import type { CoreServices } from '../services.js';
import { readGoldenSignals, signalCells, SIGNAL_COLUMNS } from '../slo/golden-signals.js';

/** Pods listed in one status reply at most (all workloads together), so it stays one Telegram message. */
const MAX_POD_ROWS = 12;

/** Replicas (and, while few, pods) of every described unit of an environment, by service. */
async function envDetails(env: EnvironmentSpec, found: Map<unknown, ServiceContainers>, services: CoreServices): Promise<{ service: string; results: DetailsResult[] }[]> {
  const described = await Promise.all(
    env.services.map(async (s) => {
      const r = found.get(s);
      if (!r?.ok || r.containers.length === 0) return { service: s.name, results: [] };
      return { service: s.name, results: await describeUnits(s, r.containers, services) };
    }),
  );
  return described.filter((d) => d.results.length > 0);
}

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
    const envs = viewerEnvs(ctx.args, (r) => ctx.can(r));
    const services = envs.flatMap((e) => e.services);
    // The golden signals are read alongside the runtimes, each query bounded by the short status timeout.
    const [found, signals] = await Promise.all([findContainers(services, ctx.services), readGoldenSignals(ctx.services.slo, services)]);
    const now = ctx.services.clock.now();
    const tally: Tally = { running: 0, problems: 0, unreachable: new Set(), refusals: new Set() };
    const sections = envs.map((env) => ({ env, rows: envRows(env, found, now, tally) }));
    const details = await Promise.all(envs.map((env) => envDetails(env, found, ctx.services)));
    let podBudget = MAX_POD_ROWS;
    const tone = tally.problems > 0 ? 'warning' : 'success';
    const b = new ReplyBuilder(tone).header(`${project.name} status`);
    const summary = [`${tally.running} running`];
    if (tally.problems) summary.push(`${tally.problems} need attention`);
    if (tally.unreachable.size) summary.push(`unreachable: ${[...tally.unreachable].join(', ')}`);
    b.text(summary.join(' · '));
    for (const refusal of tally.refusals) b.text(`${refusal}.`);
    if (signals?.problem) b.text(`Golden signals unavailable: ${signals.problem}.`);
    for (const [i, { env, rows }] of sections.entries()) {
      b.context(`${env.name}${env.production ? ' (production)' : ''}`);
      b.table(COLUMNS, rows.length ? rows : [['(no services configured)', '', '', '', '', '', '', '']]);
      const signalRows = env.services.flatMap((s) => {
        const v = signals?.values.get(s);
        return v ? [[s.name, ...signalCells(v)]] : [];
      });
      if (signalRows.length > 0) b.table(SIGNAL_COLUMNS, signalRows);
      for (const { service, results } of details[i] ?? []) {
        for (const r of results) {
          const label = results.length > 1 ? `${service} (${r.unit})` : service;
          if (!r.ok) {
            b.text(`${label}: replicas unknown (${r.problem})`);
            continue;
          }
          b.text(`${label}: ${replicaLine(r.details)}`);
          if (r.details.conditions?.length) b.context(r.details.conditions.join(' · '));
          const pods = [...r.details.pods].sort((x, y) => x.name.localeCompare(y.name));
          if (pods.length > 0 && pods.length <= podBudget) {
            podBudget -= pods.length;
            b.table(POD_COLUMNS, pods.map((p) => podRow(p, now)));
          } else if (pods.length > 0) {
            b.context(`${pods.length} pods, too many to list here`);
          }
        }
      }
    }
    return b.build();
  },
});
