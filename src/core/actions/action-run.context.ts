import type { PendingAction, PlannedService } from '../ports/pending-action.port.js';
import type { HealthSettings, PlanPosition, ProgressSink, Runtime, RuntimeActionResult } from '../ports/runtime.port.js';
import type { ActionRunDeps } from './action-deps.js';
import { describeError } from './action-errors.js';
import type { ActionProgress } from './action-progress.js';
import { SHUTTING_DOWN, shuttingDown } from './shutting-down.js';

/** What a runner (deploy, restart) works with. */
export interface RunContext {
  action: PendingAction;
  deps: ActionRunDeps;
  progress: ActionProgress;
  /** Fires when Deckhand shuts down: runners check it between steps and stop (see shutting-down.ts). */
  signal?: AbortSignal;
  /**
   * Starts the deployment record of one service when it is about to be changed: a promotion records only
   * the services it reached (the others never ran). Plain deploys start every record before running.
   */
  startRecord?: (service: string) => Promise<void>;
  /** Closes one service's record as succeeded before the action ends (a promotion, service by service). */
  finishRecord?: (service: string, text: string) => Promise<void>;
}

export function healthSettings(ctx: RunContext): HealthSettings {
  return { timeoutMs: ctx.deps.settings.healthTimeoutMs, graceMs: ctx.deps.settings.healthGraceMs };
}

/** The shutdown signal as a request field (absent when the run has none). */
export function signalOf(ctx: RunContext): { signal?: AbortSignal } {
  return ctx.signal ? { signal: ctx.signal } : {};
}

/** The plan's services grouped by host (target), in plan order. */
export function byHost(services: readonly PlannedService[]): Map<string, PlannedService[]> {
  const groups = new Map<string, PlannedService[]>();
  for (const s of services) groups.set(s.host, [...(groups.get(s.host) ?? []), s]);
  return groups;
}

/** What a runner does with one runtime's part of the plan; `position` places its units in the whole plan. */
export type RuntimeStep<T> = (runtime: Runtime, services: PlannedService[], onProgress: ProgressSink, position: PlanPosition) => Promise<T>;

export const unitCount = (services: readonly PlannedService[]): number => services.reduce((n, s) => n + s.units.length, 0);

/** The plan's position of each host's group: the units ahead of it and the plan's total. */
export function positions(groups: Map<string, PlannedService[]>): Map<string, PlanPosition> {
  const total = [...groups.values()].reduce((n, services) => n + unitCount(services), 0);
  const out = new Map<string, PlanPosition>();
  let before = 0;
  for (const [host, services] of groups) {
    out.set(host, { before, total });
    before += unitCount(services);
  }
  return out;
}

export function progressSink(ctx: RunContext): ProgressSink {
  return (text, service) => ctx.progress.step(text, service);
}

/**
 * Runs one step (a restart) per runtime the plan touches, in plan order, recording every progress line;
 * stops at the first runtime whose step does not succeed (what has run stays). A runtime that cannot be
 * looked up fails the run without touching it.
 */
/** A step run on every runtime of the plan; a success counts the units changed on each host. */
export type PlanStepResult = Exclude<RuntimeActionResult, { status: 'succeeded' }> | { status: 'succeeded'; changed: number; changedOn: [string, number][] };

export async function runOnRuntimes(ctx: RunContext, groups: Map<string, PlannedService[]>, step: RuntimeStep<RuntimeActionResult>): Promise<PlanStepResult> {
  const onProgress = progressSink(ctx);
  const at = positions(groups);
  const changedOn: [string, number][] = [];
  for (const [host, services] of groups) {
    if (shuttingDown(ctx.signal)) return { status: 'failed', result: `${SHUTTING_DOWN}. Stopped after ${at.get(host)!.before} of ${at.get(host)!.total} restarted.` };
    const outcome = await runOne(ctx, host, (runtime) => step(runtime, services, onProgress, at.get(host)!), unexpected, untouched);
    if (outcome.status !== 'succeeded') return outcome;
    changedOn.push([host, outcome.changed]);
  }
  return { status: 'succeeded', changed: changedOn.reduce((n, [, c]) => n + c, 0), changedOn };
}

const unexpected = (why: string): RuntimeActionResult => ({ status: 'failed', result: `Stopped by an error: ${why}.` });

/** A failure before any unit was touched (the runtime cannot be looked up). */
export const untouched = (why: string): RuntimeActionResult & { status: 'failed' } => ({
  status: 'failed',
  result: `Stopped before changing anything: ${why}.`,
  untouched: true,
});

/**
 * Looks the host's runtime up and runs on it. A runtime that cannot be looked up is a failure before
 * anything was touched; an error that escapes the runtime becomes `onError`'s answer.
 */
export async function runOne<T>(
  ctx: RunContext,
  host: string,
  run: (runtime: Runtime) => Promise<T>,
  onError: (why: string) => T,
  onMissing: (why: string) => T = onError,
): Promise<T> {
  let runtime: Runtime;
  try {
    runtime = ctx.deps.runtimes.get(host);
  } catch (error) {
    ctx.deps.logger.error({ err: error, actionId: ctx.action.id, host }, 'no runtime for host');
    return onMissing(describeError(error));
  }
  try {
    return await run(runtime);
  } catch (error) {
    ctx.deps.logger.error({ err: error, actionId: ctx.action.id, host }, 'runtime failed unexpectedly');
    return onError(describeError(error));
  }
}
