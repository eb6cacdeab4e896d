/**
 * Runs a confirmed promotion: the services one after another, each through the deploy flow (its runtime
 * fetches the image, replaces its units one at a time, waits for health, puts them back if one does not
 * become healthy), all in the one confirm message. It stops at the first service that does not succeed and
 * says what was promoted and what was not; services promoted before stay promoted.
 */
import type { ActionOutcome } from '../actions/action-deps.js';
import { formatElapsed } from '../actions/action-reply.js';
import { healthSettings, signalOf, type RunContext } from '../actions/action-run.context.js';
import { probeOf } from '../actions/deploy.runner.js';
import { rolloutPlan } from '../actions/plan-rollout.js';
import { SHUTTING_DOWN, shuttingDown } from '../actions/shutting-down.js';
import { countedIn } from '../actions/runtime-query.js';
import { noteActionStarted } from '../incidents/incident-timeline.js';
import type { PlannedService } from '../ports/pending-action.port.js';

const names = (services: readonly PlannedService[]): string => services.map((s) => `${s.service} ${s.targetVersion}`).join(', ');

/** `Promoted: api 2.0. Not promoted: web, worker.` (either part only when it has services). */
function summary(done: readonly PlannedService[], notDone: readonly PlannedService[]): string {
  const promoted = done.length > 0 ? `Promoted: ${names(done)}.` : 'Nothing was promoted.';
  return notDone.length > 0 ? `${promoted} Not promoted: ${notDone.map((s) => s.service).join(', ')}.` : promoted;
}

export async function runPromotion(ctx: RunContext): Promise<ActionOutcome> {
  await noteActionStarted(ctx.deps, ctx.action);
  const { plan } = ctx.action;
  const health = healthSettings(ctx);
  const done: PlannedService[] = [];
  const byService: NonNullable<ActionOutcome['byService']> = {};
  const changedOn: [string, number][] = [];
  for (const [i, s] of plan.services.entries()) {
    const rest = plan.services.slice(i);
    if (shuttingDown(ctx.signal)) return { status: 'failed', deployments: 'failed', byService, result: `${SHUTTING_DOWN} before ${s.service}. ${summary(done, rest)}` };
    await ctx.startRecord?.(s.service);
    await ctx.progress.step(`${i + 1}/${plan.services.length} ${s.service}: ${s.currentVersion} → ${s.targetVersion}`, s.service);
    const outcome = await rolloutPlan(ctx, new Map([[s.host, [s]]]), () => ({
      targets: [{ service: s.service, units: s.units, image: s.targetImage, version: s.targetVersion, ...probeOf(ctx, s.service) }],
      health,
      ...signalOf(ctx),
    }));
    if (outcome.status !== 'succeeded') {
      byService[s.service] = outcome.status;
      await ctx.progress.step(`${s.service} did not succeed; stopping here`, s.service);
      return { status: 'failed', deployments: outcome.status, byService, result: `${s.service}: ${outcome.result} ${summary(done, rest)}` };
    }
    byService[s.service] = 'succeeded';
    changedOn.push(...outcome.changedOn);
    done.push(s);
    await ctx.progress.step(`${s.service} now runs ${s.targetVersion} in ${plan.env}`, s.service);
    await ctx.finishRecord?.(s.service, `Promoted from ${plan.promotion?.from ?? 'another environment'}: now running ${s.targetVersion}.`);
  }
  await ctx.progress.step(`Done in ${formatElapsed(ctx.progress.elapsedMs())}`);
  return { status: 'succeeded', deployments: 'succeeded', byService, result: `${summary(done, [])} (${countedIn(ctx.deps.runtimes, changedOn)} replaced).` };
}
