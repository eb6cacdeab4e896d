import type { PendingAction, PlannedService } from '../ports/pending-action.port.js';
import type { HealthSettings, ProgressSink, Runtime, RuntimeActionResult } from '../ports/runtime.port.js';
import type { ActionRunDeps } from './action-deps.js';
import { describeError } from './action-errors.js';
import type { ActionProgress } from './action-progress.js';

/** What a runner (deploy, restart) works with. */
export interface RunContext {
  action: PendingAction;
  deps: ActionRunDeps;
  progress: ActionProgress;
}

export function healthSettings(ctx: RunContext): HealthSettings {
  return { timeoutMs: ctx.deps.settings.healthTimeoutMs, graceMs: ctx.deps.settings.healthGraceMs };
}

/** The plan's services grouped by host (target), in plan order. */
export function byHost(services: readonly PlannedService[]): Map<string, PlannedService[]> {
  const groups = new Map<string, PlannedService[]>();
  for (const s of services) groups.set(s.host, [...(groups.get(s.host) ?? []), s]);
  return groups;
}

/**
 * Runs one rollout or restart per runtime the plan touches, in plan order, recording every progress line;
 * stops at the first runtime whose run does not succeed. A runtime that cannot be looked up fails the run.
 */
export async function runOnRuntimes(
  ctx: RunContext,
  groups: Map<string, PlannedService[]>,
  run: (runtime: Runtime, services: PlannedService[], onProgress: ProgressSink) => Promise<RuntimeActionResult>,
): Promise<RuntimeActionResult> {
  const onProgress: ProgressSink = (text, service) => ctx.progress.step(text, service);
  let changed = 0;
  for (const [host, services] of groups) {
    let runtime: Runtime;
    try {
      runtime = ctx.deps.runtimes.get(host);
    } catch (error) {
      ctx.deps.logger.error({ err: error, actionId: ctx.action.id, host }, 'no runtime for host');
      return { status: 'failed', result: `Stopped before touching any container: ${describeError(error)}.` };
    }
    const outcome = await run(runtime, services, onProgress);
    if (outcome.status !== 'succeeded') return outcome;
    changed += outcome.changed;
  }
  return { status: 'succeeded', changed };
}
