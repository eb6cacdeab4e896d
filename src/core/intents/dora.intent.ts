/** `dora [project] [window]`: the four DORA metrics of a project from Deckhand's deploy and incident records. */
import { plural } from '../domain/wording.js';
import { z } from 'zod';
import { nameWord } from '../messages/words.js';
import type { EnvironmentSpec } from '../domain/catalog.js';
import { computeDora, describeRestore, parseDoraWindow, type DoraReport } from '../domain/dora.js';
import { formatDuration } from '../domain/duration.js';
import { ReplyBuilder } from '../messages/reply-builder.js';
import type { Reply } from '../messages/reply.js';
import type { CoreServices } from '../services.js';
import { defineIntent } from './intent.js';
import { resolveProject, type ProjectTarget } from '../actions/targets.js';
import { doraIncidents } from '../reports/dora-incidents.js';
import { weeklyDeploys, weeklyDeploysChart, weeklyFrom } from '../domain/dora-weekly.js';
import type { ChartSpec } from '../messages/reply.js';

const USAGE = 'dora [project] [window]';
const DEFAULT_DAYS = 30;
/** Records read per request: the most DeploymentStore.recent returns (PostgreSQL store caps at 500). */
const MAX_RECORDS = 500;
const windowWord = z.string().refine((w) => parseDoraWindow(w) !== undefined, 'window must be days or weeks, 1d to 365d (e.g. 7d, 30d, 90d)');
const looksLikeWindow = (w: string | undefined) => w !== undefined && /^\d+[a-z]$/i.test(w);

export interface DoraArgs {
  target: ProjectTarget;
  days: number;
}

/** Of the environments the person may see: the production ones when there are any, otherwise all. */
function doraEnvs(envs: EnvironmentSpec[]): EnvironmentSpec[] {
  const prod = envs.filter((e) => e.production);
  return prod.length > 0 ? prod : envs;
}

const pct = (rate: number) => `${(Math.round(rate * 1000) / 10).toString()}%`;
const rate = (n: number) => (Math.round(n * 100) / 100).toString();
const day = (d: Date) => d.toISOString().slice(0, 10);

export function doraReply(project: string, envs: string[], r: DoraReport, chart?: ChartSpec): Reply {
  const lead = r.leadTime
    ? `median ${formatDuration(r.leadTime.medianMs)} (${r.leadTime.samples} of ${plural(r.deploys, 'deploy')} with a known commit time)`
    : 'n/a (no commit times known)';
  const cfr = r.changeFailure ? `${pct(r.changeFailure.rate)} (${r.changeFailure.failed} of ${plural(r.changeFailure.total, 'deploy')})` : 'n/a (no finished deploys)';
  const restore = r.timeToRestore ? `${describeRestore(r.timeToRestore)} (${plural(r.timeToRestore.samples, 'incident')})` : 'n/a (no resolved incidents)';
  const builder = new ReplyBuilder()
    .header(`DORA metrics of ${project}, last ${r.days} days`)
    .fields([
      { label: 'Deployment frequency', value: `${plural(r.deploys, 'deploy')} (${rate(r.perDay)}/day, ${rate(r.perWeek)}/week)` },
      { label: 'Lead time for changes', value: lead },
      { label: 'Change failure rate', value: cfr },
      { label: 'Time to restore', value: restore },
      { label: 'Incidents still open', value: String(r.openIncidents) },
    ])
    .context(`Environments: ${envs.join(', ')} · ${day(r.from)} to ${day(r.to)} (UTC)`);
  if (chart) builder.chart(chart);
  return builder.build();
}

export const doraIntent = defineIntent({
  name: 'dora',
  summary: 'DORA metrics: deploy frequency, lead time, change failure rate, time to restore',
  usage: USAGE,
  minRole: 'viewer',
  schema: z.object({ project: nameWord.optional(), window: windowWord.optional(), extra: z.undefined({ error: `too many arguments (${USAGE})` }) }),
  toInput: (a) => {
    const [first, second, third] = a.positionals;
    return looksLikeWindow(first) && second === undefined ? { window: first, extra: undefined } : { project: first, window: second, extra: third };
  },
  resolve: (input, { catalog, chatProjects }) => {
    const t = resolveProject(catalog, chatProjects, input.project, undefined, USAGE);
    if (!t.ok) return t;
    const days = input.window ? parseDoraWindow(input.window)!.days : DEFAULT_DAYS;
    return { ok: true, args: { target: t.args, days } };
  },
  requires: (a: DoraArgs) => ({ role: 'viewer', project: a.target.project.name }),
  async handle(ctx) {
    const { target, days } = ctx.args;
    const envs = doraEnvs(target.envs.filter((e) => ctx.can({ role: 'viewer', project: e.project, env: e.name })));
    const store = ctx.services.actions.deployments;
    const now = ctx.services.clock.now();
    const envNames = envs.map((e) => e.name);
    const [perEnv, incidents, weekly] = await Promise.all([
      Promise.all(envs.map((e) => store.recent({ project: e.project, env: e.name, limit: MAX_RECORDS }))),
      doraIncidents(ctx.services, target.project.name, envNames, days, now),
      // The chart always covers the last 8 weeks, whatever the metrics' window.
      envs.length === 0
        ? Promise.resolve([])
        : store.finishedBetween({ project: target.project.name, envs: envNames, kinds: ['deploy'], from: weeklyFrom(now), to: now, limit: MAX_RECORDS }),
    ]);
    const report = computeDora(perEnv.flat(), incidents, { days }, now);
    const chart = envs.length === 0 ? undefined : weeklyDeploysChart(target.project.name, weeklyDeploys(weekly, now, { truncated: weekly.length >= MAX_RECORDS }));
    return doraReply(target.project.name, envNames, report, chart);
  },
});
