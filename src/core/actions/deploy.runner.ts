import type { Replacement, Runtime } from '../ports/runtime.port.js';
import type { ActionOutcome } from './action-deps.js';
import { describeError } from './action-errors.js';
import { formatElapsed } from './action-reply.js';
import { plural } from '../domain/wording.js';
import { checkHealth, containerCount, describeUnhealthy, type RunContext } from './action-run.context.js';
import { noteActionStarted } from '../incidents/incident-timeline.js';

/**
 * Deploy or rollback: note the start on the project's open incidents, pull every target image, then replace
 * containers one at a time, reverting on failure.
 */
export async function runDeploy(ctx: RunContext): Promise<ActionOutcome> {
  await noteActionStarted(ctx.deps, ctx.action);
  const pullFailure = await pullAll(ctx);
  return pullFailure ?? (await replaceAll(ctx));
}

/** Pulls each target image once per host; a failure stops everything before any container is touched. */
async function pullAll(ctx: RunContext): Promise<ActionOutcome | null> {
  const seen = new Set<string>();
  for (const s of ctx.action.plan.services) {
    const key = `${s.host}\n${s.targetImage}`;
    if (seen.has(key)) continue;
    seen.add(key);
    await ctx.progress.step(`Pulling ${s.targetImage} on ${s.host}…`, s.service);
    try {
      await ctx.deps.runtimes.get(s.host).pull(s.targetImage);
    } catch (error) {
      ctx.deps.logger.warn({ err: error, actionId: ctx.action.id, image: s.targetImage }, 'pull failed');
      const why = describeError(error);
      await ctx.progress.step(`Pull failed: ${why}`, s.service);
      return { status: 'failed', deployments: 'failed', result: `Stopped before touching any container: ${why}.` };
    }
    await ctx.progress.step(`Pulled ${s.targetImage}`, s.service);
  }
  return null;
}

interface Done {
  runtime: Runtime;
  replacement: Replacement;
  service: string;
}

async function replaceAll(ctx: RunContext): Promise<ActionOutcome> {
  const total = containerCount(ctx);
  const done: Done[] = [];
  for (const s of ctx.action.plan.services) {
    const runtime = ctx.deps.runtimes.get(s.host);
    for (const c of s.containers) {
      await ctx.progress.step(`Replacing ${done.length + 1}/${total}: ${c.name} → ${s.targetVersion}…`, s.service);
      let replacement: Replacement;
      try {
        replacement = await runtime.replace(c.id, s.targetImage);
      } catch (error) {
        ctx.deps.logger.error({ err: error, actionId: ctx.action.id, container: c.name }, 'replace failed');
        return revertAll(ctx, done, `${c.name} could not be replaced (${describeError(error)})`);
      }
      done.push({ runtime, replacement, service: s.service });
      const health = await checkHealth(ctx, runtime, { id: replacement.newId, name: c.name, service: s.service });
      if (!health.healthy) return revertAll(ctx, done, `${c.name} is not healthy on ${s.targetVersion} (${describeUnhealthy(health)})`);
      await ctx.progress.step(`${c.name} healthy (${health.via})`, s.service);
    }
  }
  await finalizeAll(ctx, done);
  await ctx.progress.step(`Done in ${formatElapsed(ctx.progress.elapsedMs())}`);
  const now = ctx.action.plan.services.map((s) => `${s.service} ${s.targetVersion}`).join(', ');
  return { status: 'succeeded', deployments: 'succeeded', result: `Now running ${now} (${plural(total, 'container')} replaced).` };
}

/** Removes the old containers; a failure leaves a stopped container behind, which is logged, not fatal. */
async function finalizeAll(ctx: RunContext, done: Done[]): Promise<void> {
  for (const d of done) {
    try {
      await d.runtime.finalize(d.replacement);
    } catch (error) {
      ctx.deps.logger.warn({ err: error, actionId: ctx.action.id, container: d.replacement.name }, 'cannot remove the old container');
    }
  }
}

/** Undoes every replacement made so far, newest first. */
async function revertAll(ctx: RunContext, done: Done[], reason: string): Promise<ActionOutcome> {
  await ctx.progress.step(`${reason}; reverting ${plural(done.length, 'container')}…`);
  const failures: string[] = [];
  for (const d of [...done].reverse()) {
    try {
      await d.runtime.revert(d.replacement);
      await ctx.progress.step(`Restored ${d.replacement.name} (${d.replacement.oldImage})`, d.service);
    } catch (error) {
      ctx.deps.logger.error({ err: error, actionId: ctx.action.id, container: d.replacement.name }, 'revert failed');
      failures.push(`${d.replacement.name} (${describeError(error)})`);
    }
  }
  if (failures.length > 0) {
    return { status: 'failed', deployments: 'failed', result: `${reason}. Could not restore ${failures.join(', ')}: check by hand.` };
  }
  if (done.length === 0) return { status: 'failed', deployments: 'failed', result: `${reason}. Nothing was changed.` };
  return { status: 'failed', deployments: 'rolled_back', result: `${reason}. Rolled back: ${plural(done.length, 'container')} restored to the previous image.` };
}
