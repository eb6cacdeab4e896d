import type { ActionOutcome } from './action-deps.js';
import { describeError } from './action-errors.js';
import { formatElapsed } from './action-reply.js';
import { plural } from '../domain/wording.js';
import { checkHealth, containerCount, describeUnhealthy, type RunContext } from './action-run.context.js';

/** Restarts containers one at a time, waiting for health after each; stops at the first unhealthy one. */
export async function runRestart(ctx: RunContext): Promise<ActionOutcome> {
  const total = containerCount(ctx);
  let restarted = 0;
  for (const s of ctx.action.plan.services) {
    const runtime = ctx.deps.runtimes.get(s.host);
    for (const c of s.containers) {
      await ctx.progress.step(`Restarting ${restarted + 1}/${total}: ${c.name}…`, s.service);
      try {
        await runtime.restart(c.id);
      } catch (error) {
        ctx.deps.logger.error({ err: error, actionId: ctx.action.id, container: c.name }, 'restart failed');
        return stopped(`${c.name} could not be restarted (${describeError(error)})`, restarted, total);
      }
      restarted += 1;
      const health = await checkHealth(ctx, runtime, { id: c.id, name: c.name, service: s.service });
      if (!health.healthy) return stopped(`${c.name} is not healthy after the restart (${describeUnhealthy(health)})`, restarted, total);
      await ctx.progress.step(`${c.name} healthy (${health.via})`, s.service);
    }
  }
  await ctx.progress.step(`Done in ${formatElapsed(ctx.progress.elapsedMs())}`);
  return { status: 'succeeded', deployments: 'succeeded', result: `Restarted ${plural(total, 'container')}, all healthy.` };
}

function stopped(reason: string, restarted: number, total: number): ActionOutcome {
  return { status: 'failed', deployments: 'failed', result: `${reason}. Stopped after ${restarted} of ${total} restarted.` };
}
