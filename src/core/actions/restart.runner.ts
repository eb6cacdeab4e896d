import { countedIn } from './runtime-query.js';
import type { ActionOutcome } from './action-deps.js';
import { formatElapsed } from './action-reply.js';
import { byHost, healthSettings, runOnRuntimes, signalOf, type RunContext } from './action-run.context.js';
import { probeOf } from './deploy.runner.js';

/**
 * Restarts the units one at a time on their runtime, waiting for health after each; stops at the first
 * unhealthy one. Counts (`Restarting 4/5`, `Stopped after 3 of 5`) run across the whole plan.
 */
export async function runRestart(ctx: RunContext): Promise<ActionOutcome> {
  const health = healthSettings(ctx);
  const outcome = await runOnRuntimes(ctx, byHost(ctx.action.plan.services), (runtime, services, onProgress, position) =>
    runtime.restart({ targets: services.map((s) => ({ service: s.service, units: s.units, ...probeOf(ctx, s.service) })), health, position, ...signalOf(ctx) }, onProgress),
  );
  if (outcome.status !== 'succeeded') return { status: 'failed', deployments: 'failed', result: outcome.result };
  await ctx.progress.step(`Done in ${formatElapsed(ctx.progress.elapsedMs())}`);
  return { status: 'succeeded', deployments: 'succeeded', result: `Restarted ${countedIn(ctx.deps.runtimes, outcome.changedOn)}, all healthy.` };
}
