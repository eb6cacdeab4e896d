import type { PlannedService } from '../ports/pending-action.port.js';
import type { RolloutTarget } from '../ports/runtime.port.js';
import type { ActionOutcome } from './action-deps.js';
import { formatElapsed } from './action-reply.js';
import { plural } from '../domain/wording.js';
import { byHost, healthSettings, runOnRuntimes, type RunContext } from './action-run.context.js';
import { noteActionStarted } from '../incidents/incident-timeline.js';

/**
 * Deploy or rollback: note the start on the project's open incidents, then roll every service out to its
 * target image on its runtime (which fetches the images first and puts everything back when a unit fails).
 * Across several runtimes the plan stays all-or-nothing: when one runtime's rollout does not succeed, the
 * runtimes done before it are rolled out again to the image each service ran when the plan was made.
 */
export async function runDeploy(ctx: RunContext): Promise<ActionOutcome> {
  await noteActionStarted(ctx.deps, ctx.action);
  const { plan } = ctx.action;
  const health = healthSettings(ctx);
  const targets = (services: PlannedService[], to: 'target' | 'current'): RolloutTarget[] =>
    services.map((s) => ({
      service: s.service,
      units: s.units,
      image: to === 'target' ? s.targetImage : s.currentImage,
      version: to === 'target' ? s.targetVersion : s.currentVersion,
      ...probeOf(ctx, s.service),
    }));
  const outcome = await runOnRuntimes(ctx, byHost(plan.services), {
    run: (runtime, services, onProgress, position) => runtime.rollout({ targets: targets(services, 'target'), health, position }, onProgress),
    undo: (runtime, services, onProgress) => runtime.rollout({ targets: targets(services, 'current'), health }, onProgress),
  });
  if (outcome.status !== 'succeeded') return { status: 'failed', deployments: outcome.status, result: outcome.result };
  await ctx.progress.step(`Done in ${formatElapsed(ctx.progress.elapsedMs())}`);
  const now = plan.services.map((s) => `${s.service} ${s.targetVersion}`).join(', ');
  return { status: 'succeeded', deployments: 'succeeded', result: `Now running ${now} (${plural(outcome.changed, 'container')} replaced).` };
}

export function probeOf(ctx: RunContext, service: string): { probe?: NonNullable<RolloutTarget['probe']> } {
  const probe = ctx.deps.probeFor?.(ctx.action.plan.project, ctx.action.plan.env, service);
  return probe ? { probe } : {};
}
