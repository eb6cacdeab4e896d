import type { PendingAction } from '../ports/pending-action.port.js';
import type { HealthOutcome, HealthWait, Runtime } from '../ports/runtime.port.js';
import type { ActionRunDeps } from './action-deps.js';
import { describeError, oneLine } from './action-errors.js';
import type { ActionProgress } from './action-progress.js';
import { runHttpProbe } from './http-probe.js';

/** What a runner (deploy, restart) works with. */
export interface RunContext {
  action: PendingAction;
  deps: ActionRunDeps;
  progress: ActionProgress;
}

export function healthWait(ctx: RunContext): HealthWait {
  return { timeoutMs: ctx.deps.settings.healthTimeoutMs, graceMs: ctx.deps.settings.healthGraceMs };
}

export function containerCount(ctx: RunContext): number {
  return ctx.action.plan.services.reduce((n, s) => n + s.containers.length, 0);
}

/**
 * Health of a container: its healthcheck (or staying up), then the service's HTTP probe when one is
 * configured. A runtime error while waiting counts as not healthy.
 */
export async function checkHealth(ctx: RunContext, runtime: Runtime, target: { id: string; name: string; service: string }): Promise<HealthOutcome> {
  let outcome: HealthOutcome;
  try {
    outcome = await runtime.waitHealthy(target.id, healthWait(ctx));
  } catch (error) {
    ctx.deps.logger.warn({ err: error, actionId: ctx.action.id, containerId: target.id }, 'health wait failed');
    return { healthy: false, reason: 'unhealthy', detail: describeError(error) };
  }
  const { plan } = ctx.action;
  const probe = ctx.deps.probeFor?.(plan.project, plan.env, target.service);
  if (!outcome.healthy || !probe) return outcome;
  await ctx.progress.step(`Probing ${probe.url.replaceAll('{container}', target.name)}…`, target.service);
  return runHttpProbe(probe, target.name);
}

export function describeUnhealthy(outcome: Exclude<HealthOutcome, { healthy: true }>): string {
  const detail = oneLine(outcome.detail);
  return detail ? `${outcome.reason}: ${detail}` : outcome.reason;
}
