import type { RolloutTarget } from '../ports/runtime.port.js';
import { countedIn } from './runtime-query.js';
import type { ActionOutcome } from './action-deps.js';
import { formatElapsed } from './action-reply.js';
import { byHost, healthSettings, signalOf, type RunContext } from './action-run.context.js';
import { rolloutPlan } from './plan-rollout.js';
import { noteActionStarted } from '../incidents/incident-timeline.js';

/**
 * Deploy or rollback: note the start on the project's open incidents, then roll every service out to its
 * target image on its runtime, all-or-nothing across runtimes: every runtime fetches its images before
 * any unit is touched, and when one runtime's rollout fails the ones done before it undo theirs.
 */
export async function runDeploy(ctx: RunContext): Promise<ActionOutcome> {
  await noteActionStarted(ctx.deps, ctx.action);
  const { plan } = ctx.action;
  const health = healthSettings(ctx);
  const outcome = await rolloutPlan(ctx, byHost(plan.services), (services) => ({
    targets: services.map((s) => ({ service: s.service, units: s.units, image: s.targetImage, version: s.targetVersion, ...probeOf(ctx, s.service) })),
    health,
    ...signalOf(ctx),
  }));
  if (outcome.status !== 'succeeded') return { status: 'failed', deployments: outcome.status, result: outcome.result };
  await ctx.progress.step(`Done in ${formatElapsed(ctx.progress.elapsedMs())}`);
  const now = plan.services.map((s) => `${s.service} ${s.targetVersion}`).join(', ');
  return { status: 'succeeded', deployments: 'succeeded', result: `Now running ${now} (${countedIn(ctx.deps.runtimes, outcome.changedOn)} replaced).` };
}

export function probeOf(ctx: RunContext, service: string): { probe?: NonNullable<RolloutTarget['probe']> } {
  const probe = ctx.deps.probeFor?.(ctx.action.plan.project, ctx.action.plan.env, service);
  return probe ? { probe } : {};
}
