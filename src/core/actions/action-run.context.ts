import type { PendingAction, PlannedService } from '../ports/pending-action.port.js';
import type { HealthSettings, PlanPosition, ProgressSink, Runtime, RuntimeActionResult } from '../ports/runtime.port.js';
import { plural } from '../domain/wording.js';
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

/** What a runner does on each runtime of its plan. */
export interface RuntimeSteps {
  /** The host's part of the plan; `position` places its units in the whole plan (for progress counters). */
  run(runtime: Runtime, services: PlannedService[], onProgress: ProgressSink, position: PlanPosition): Promise<RuntimeActionResult>;
  /**
   * Puts a host's services back as the plan found them, after its run succeeded and a later host's did
   * not. Without it, a failure simply stops the plan (what has run stays).
   */
  undo?(runtime: Runtime, services: PlannedService[], onProgress: ProgressSink): Promise<RuntimeActionResult>;
}

interface Ran {
  host: string;
  services: PlannedService[];
  changed: number;
}

const unitCount = (services: readonly PlannedService[]): number => services.reduce((n, s) => n + s.units.length, 0);

/**
 * Runs one rollout or restart per runtime the plan touches, in plan order, recording every progress line;
 * stops at the first runtime whose run does not succeed. With `undo`, the plan is all-or-nothing across
 * runtimes: the runtimes that succeeded before the failing one are put back, newest first, and the
 * result says so (`rolled_back` when everything runs as before, `failed` naming what could not be put
 * back). A runtime that cannot be looked up fails the run without touching it.
 */
export async function runOnRuntimes(ctx: RunContext, groups: Map<string, PlannedService[]>, steps: RuntimeSteps): Promise<RuntimeActionResult> {
  const onProgress: ProgressSink = (text, service) => ctx.progress.step(text, service);
  const total = [...groups.values()].reduce((n, services) => n + unitCount(services), 0);
  const ran: Ran[] = [];
  let before = 0;
  for (const [host, services] of groups) {
    const outcome = await runOne(ctx, host, (runtime) => steps.run(runtime, services, onProgress, { before, total }));
    if (outcome.status !== 'succeeded') return ran.length > 0 && steps.undo ? putBack(ctx, ran, host, outcome, steps.undo, onProgress) : outcome;
    ran.push({ host, services, changed: outcome.changed });
    before += unitCount(services);
  }
  return { status: 'succeeded', changed: ran.reduce((n, r) => n + r.changed, 0) };
}

/** Looks the host's runtime up and runs on it; an error that escapes the runtime is a failure of unknown extent. */
async function runOne(ctx: RunContext, host: string, run: (runtime: Runtime) => Promise<RuntimeActionResult>): Promise<RuntimeActionResult> {
  let runtime: Runtime;
  try {
    runtime = ctx.deps.runtimes.get(host);
  } catch (error) {
    ctx.deps.logger.error({ err: error, actionId: ctx.action.id, host }, 'no runtime for host');
    return { status: 'failed', result: `Stopped before touching any container: ${describeError(error)}.`, untouched: true };
  }
  try {
    return await run(runtime);
  } catch (error) {
    ctx.deps.logger.error({ err: error, actionId: ctx.action.id, host }, 'runtime failed unexpectedly');
    return { status: 'failed', result: `Stopped by an error: ${describeError(error)}.` };
  }
}

/** After `failedHost` did not succeed: undoes the runtimes that did, newest first, and says what is back. */
async function putBack(
  ctx: RunContext,
  ran: Ran[],
  failedHost: string,
  failure: Exclude<RuntimeActionResult, { status: 'succeeded' }>,
  undo: NonNullable<RuntimeSteps['undo']>,
  onProgress: ProgressSink,
): Promise<RuntimeActionResult> {
  const restored: string[] = [];
  const problems: string[] = [];
  for (const r of [...ran].reverse()) {
    const names = r.services.map((s) => s.service).join(', ');
    await onProgress(`${failedHost} did not succeed; putting ${names} on ${r.host} back to the previous version…`);
    const back = await runOne(ctx, r.host, (runtime) => undo(runtime, r.services, onProgress));
    if (back.status === 'succeeded') {
      restored.push(`${names} on ${r.host} (${plural(back.changed, 'container')})`);
      await onProgress(`Put back ${names} on ${r.host}`);
    } else {
      problems.push(`${names} on ${r.host} (${back.result.replace(/\.$/, '')})`);
    }
  }
  const failedHostBack = failure.status === 'rolled_back' || (failure.status === 'failed' && failure.untouched === true);
  let result = `${failedHost}: ${failure.result}`;
  if (restored.length > 0) result += ` Put back ${restored.join(', ')} to the previous version.`;
  if (problems.length > 0) result += ` Could not put back ${problems.join(', ')}: check by hand.`;
  return problems.length === 0 && failedHostBack ? { status: 'rolled_back', result } : { status: 'failed', result };
}
