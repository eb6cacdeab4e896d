import { describeError, oneLine } from '../../core/actions/action-errors.js';
import { runHttpProbe } from '../../core/actions/http-probe.js';
import { plural } from '../../core/domain/wording.js';
import type { Logger } from '../../core/ports/logger.port.js';
import type {
  HealthSettings,
  HttpProbe,
  InterruptedTarget,
  ProgressSink,
  RecoveryResult,
  RestartRequest,
  RolloutRequest,
  RuntimeActionResult,
} from '../../core/ports/runtime.port.js';
import type { HealthOutcome, Replacement, ReplacementEngine } from './replacement.js';

/**
 * Rollouts, restarts and recovery on a Docker-API engine, in the engine's own terms: pull every image
 * first (a failure touches nothing), replace one container at a time and wait for its health, revert
 * every replacement newest first on the first failure, and remove the old containers once all are healthy.
 */

interface Done {
  replacement: Replacement;
  service: string;
}

export async function rolloutByReplacement(
  engine: ReplacementEngine,
  host: string,
  request: RolloutRequest,
  onProgress: ProgressSink,
  log: Logger,
): Promise<RuntimeActionResult> {
  const pullFailure = await pullAll(engine, host, request, onProgress, log);
  return pullFailure ?? (await replaceAll(engine, request, onProgress, log));
}

/** Pulls each target image once; a failure stops everything before any container is touched. */
async function pullAll(engine: ReplacementEngine, host: string, request: RolloutRequest, onProgress: ProgressSink, log: Logger): Promise<RuntimeActionResult | null> {
  const seen = new Set<string>();
  for (const t of request.targets) {
    if (seen.has(t.image)) continue;
    seen.add(t.image);
    await onProgress(`Pulling ${t.image} on ${host}…`, t.service);
    try {
      await engine.pull(t.image);
    } catch (error) {
      log.warn({ err: error, image: t.image }, 'pull failed');
      const why = describeError(error);
      await onProgress(`Pull failed: ${why}`, t.service);
      return { status: 'failed', result: `Stopped before touching any container: ${why}.`, untouched: true };
    }
    await onProgress(`Pulled ${t.image}`, t.service);
  }
  return null;
}

async function replaceAll(engine: ReplacementEngine, request: RolloutRequest, onProgress: ProgressSink, log: Logger): Promise<RuntimeActionResult> {
  const total = request.targets.reduce((n, t) => n + t.units.length, 0);
  const { before, total: planTotal } = request.position ?? { before: 0, total };
  const done: Done[] = [];
  for (const t of request.targets) {
    for (const unit of t.units) {
      await onProgress(`Replacing ${before + done.length + 1}/${planTotal}: ${unit} → ${t.version}…`, t.service);
      let replacement: Replacement;
      try {
        replacement = await engine.replace(unit, t.image);
      } catch (error) {
        log.error({ err: error, container: unit }, 'replace failed');
        return revertAll(engine, done, `${unit} could not be replaced (${describeError(error)})`, onProgress, log);
      }
      done.push({ replacement, service: t.service });
      const health = await checkHealth(engine, replacement.newId, unit, t.service, t.probe, request.health, onProgress, log);
      if (!health.healthy) return revertAll(engine, done, `${unit} is not healthy on ${t.version} (${describeUnhealthy(health)})`, onProgress, log);
      await onProgress(`${unit} healthy (${health.via})`, t.service);
    }
  }
  for (const d of done) {
    try {
      await engine.finalize(d.replacement);
    } catch (error) {
      // A failure leaves a stopped container behind, which is logged, not fatal.
      log.warn({ err: error, container: d.replacement.name }, 'cannot remove the old container');
    }
  }
  return { status: 'succeeded', changed: total };
}

/** Undoes every replacement made so far, newest first. */
async function revertAll(engine: ReplacementEngine, done: Done[], reason: string, onProgress: ProgressSink, log: Logger): Promise<RuntimeActionResult> {
  await onProgress(`${reason}; reverting ${plural(done.length, 'container')}…`);
  const failures: string[] = [];
  for (const d of [...done].reverse()) {
    try {
      await engine.revert(d.replacement);
      await onProgress(`Restored ${d.replacement.name} (${d.replacement.oldImage})`, d.service);
    } catch (error) {
      log.error({ err: error, container: d.replacement.name }, 'revert failed');
      failures.push(`${d.replacement.name} (${describeError(error)})`);
    }
  }
  if (failures.length > 0) return { status: 'failed', result: `${reason}. Could not restore ${failures.join(', ')}: check by hand.` };
  if (done.length === 0) return { status: 'failed', result: `${reason}. Nothing was changed.`, untouched: true };
  return { status: 'rolled_back', result: `${reason}. Rolled back: ${plural(done.length, 'container')} restored to the previous image.` };
}

/** Restarts containers one at a time, waiting for health after each; stops at the first unhealthy one. */
export async function restartOneByOne(engine: ReplacementEngine, request: RestartRequest, onProgress: ProgressSink, log: Logger): Promise<RuntimeActionResult> {
  const total = request.targets.reduce((n, t) => n + t.units.length, 0);
  let restarted = 0;
  const stopped = (reason: string): RuntimeActionResult => ({ status: 'failed', result: `${reason}. Stopped after ${restarted} of ${total} restarted.` });
  for (const t of request.targets) {
    for (const unit of t.units) {
      await onProgress(`Restarting ${restarted + 1}/${total}: ${unit}…`, t.service);
      try {
        await engine.restartContainer(unit);
      } catch (error) {
        log.error({ err: error, container: unit }, 'restart failed');
        return stopped(`${unit} could not be restarted (${describeError(error)})`);
      }
      restarted += 1;
      const health = await checkHealth(engine, unit, unit, t.service, t.probe, request.health, onProgress, log);
      if (!health.healthy) return stopped(`${unit} is not healthy after the restart (${describeUnhealthy(health)})`);
      await onProgress(`${unit} healthy (${health.via})`, t.service);
    }
  }
  return { status: 'succeeded', changed: total };
}

/** Reverts the half-done replacements of the named containers (a rollout cut short by a crash). */
export async function revertInterrupted(engine: ReplacementEngine, interrupted: InterruptedTarget[], log: Logger): Promise<RecoveryResult> {
  const names = new Set(interrupted.flatMap((t) => t.units));
  const pending = (await engine.pendingReplacements()).filter((r) => names.has(r.name));
  let restored = 0;
  const problems: string[] = [];
  for (const r of pending) {
    try {
      await engine.revert(r);
      restored += 1;
    } catch (error) {
      log.error({ err: error, container: r.name }, 'cannot revert replacement');
      problems.push(`${r.name} (${describeError(error)})`);
    }
  }
  return { restored, problems };
}

/**
 * Health of a container: its healthcheck (or staying up), then the service's HTTP probe when one is
 * configured. An engine error while waiting counts as not healthy.
 */
async function checkHealth(
  engine: ReplacementEngine,
  container: string,
  name: string,
  service: string,
  probe: HttpProbe | undefined,
  health: HealthSettings,
  onProgress: ProgressSink,
  log: Logger,
): Promise<HealthOutcome> {
  let outcome: HealthOutcome;
  try {
    outcome = await engine.waitHealthy(container, { timeoutMs: health.timeoutMs, graceMs: health.graceMs });
  } catch (error) {
    log.warn({ err: error, containerId: container }, 'health wait failed');
    return { healthy: false, reason: 'unhealthy', detail: describeError(error) };
  }
  if (!outcome.healthy || !probe) return outcome;
  await onProgress(`Probing ${probe.url.replaceAll('{container}', name)}…`, service);
  return runHttpProbe(probe, name);
}

function describeUnhealthy(outcome: Exclude<HealthOutcome, { healthy: true }>): string {
  const detail = oneLine(outcome.detail);
  return detail ? `${outcome.reason}: ${detail}` : outcome.reason;
}
