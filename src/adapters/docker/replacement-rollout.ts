import { describeError, oneLine } from '../../core/actions/action-errors.js';
import { runHttpProbe } from '../http/http-probe.js';
import { rolloutFailed } from '../../core/actions/revert-sentence.js';
import { SHUTTING_DOWN, shuttingDown } from '../../core/actions/shutting-down.js';
import { plural } from '../../core/domain/wording.js';
import type { Logger } from '../../core/ports/logger.port.js';
import type {
  HealthSettings,
  HttpProbe,
  InterruptedTarget,
  PrepareResult,
  ProgressSink,
  RecoveryResult,
  RestartRequest,
  RestoreResult,
  RolloutFailed,
  RolloutRequest,
  RolloutResult,
  RuntimeActionResult,
} from '../../core/ports/runtime.port.js';
import type { HealthOutcome, Replacement, ReplacementEngine } from './replacement.js';

/**
 * Rollouts, restarts and recovery on a Docker-API engine, in the engine's own terms. Prepare pulls every
 * image (a failure touches nothing). Rollout replaces one container at a time and waits for its health,
 * reverting every replacement newest first on the first failure; once all are healthy it keeps the old
 * containers (stopped, renamed) until the caller commits (removes them) or undoes (reverts each
 * replacement newest first, bringing the old container back under its name; nothing is pulled). The
 * request's shutdown signal is checked before each pull and each unit: once fired, a rollout reverts what
 * it replaced and fails, a restart stops; the unit under way is let finish.
 */

interface Done {
  replacement: Replacement;
  service: string;
}

/** Pulls each target image once; a failure stops before any container is touched. */
export async function pullAll(engine: ReplacementEngine, host: string, request: RolloutRequest, onProgress: ProgressSink, log: Logger): Promise<PrepareResult> {
  const seen = new Set<string>();
  for (const t of request.targets) {
    if (seen.has(t.image)) continue;
    if (shuttingDown(request.signal)) return { ok: false, result: `${SHUTTING_DOWN}. Nothing was changed.` };
    seen.add(t.image);
    await onProgress(`Pulling ${t.image} on ${host}…`, t.service);
    try {
      await engine.pull(t.image);
    } catch (error) {
      log.warn({ err: error, image: t.image }, 'pull failed');
      const why = describeError(error);
      await onProgress(`Pull failed: ${why}`, t.service);
      return { ok: false, result: `Stopped before touching any container: ${why}.` };
    }
    await onProgress(`Pulled ${t.image}`, t.service);
  }
  return { ok: true };
}

/** Replaces every planned container, one at a time; see the module comment for what happens after. */
export async function rolloutByReplacement(engine: ReplacementEngine, request: RolloutRequest, onProgress: ProgressSink, log: Logger): Promise<RolloutResult> {
  const total = request.targets.reduce((n, t) => n + t.units.length, 0);
  const { before, total: planTotal } = request.position ?? { before: 0, total };
  const done: Done[] = [];
  for (const t of request.targets) {
    for (const unit of t.units) {
      // The unit under way finished; at shutdown the next one is not touched and the done ones go back.
      if (shuttingDown(request.signal)) return revertAll(engine, done, SHUTTING_DOWN, onProgress, log);
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
  // Commit or undo, whichever comes first, settles the rollout; the other is then a no-op.
  let settled = false;
  return {
    status: 'succeeded',
    changed: total,
    commit: async () => {
      if (settled) return;
      settled = true;
      await finalizeAll(engine, done, log);
    },
    undo: async (progress) => {
      if (settled) return { restored: 0, problems: [] };
      settled = true;
      return undoAll(engine, done, progress, log);
    },
  };
}

/** Removes the old containers; a failure leaves a stopped container behind, which is logged, not fatal. */
async function finalizeAll(engine: ReplacementEngine, done: Done[], log: Logger): Promise<void> {
  for (const d of done) {
    try {
      await engine.finalize(d.replacement);
    } catch (error) {
      log.warn({ err: error, container: d.replacement.name }, 'cannot remove the old container');
    }
  }
}

/** Reverts the replacements, newest first: each old container runs again under its name. */
async function undoAll(engine: ReplacementEngine, done: Done[], onProgress: ProgressSink, log: Logger): Promise<RestoreResult> {
  let restored = 0;
  const problems: string[] = [];
  for (const d of [...done].reverse()) {
    try {
      await engine.revert(d.replacement);
      restored += 1;
      await onProgress(`Restored ${d.replacement.name} (${d.replacement.oldImage})`, d.service);
    } catch (error) {
      log.error({ err: error, container: d.replacement.name }, 'revert failed');
      problems.push(`${d.replacement.name} (${describeError(error)})`);
    }
  }
  return { restored, problems };
}

/** Undoes every replacement made so far, newest first, after a failure. */
async function revertAll(engine: ReplacementEngine, done: Done[], reason: string, onProgress: ProgressSink, log: Logger): Promise<RolloutFailed> {
  await onProgress(`${reason}; reverting ${plural(done.length, 'container')}…`);
  const { restored, problems } = await undoAll(engine, done, onProgress, log);
  return rolloutFailed(reason, done.length, restored, problems);
}

/** Restarts containers one at a time, waiting for health after each; stops at the first unhealthy one. */
export async function restartOneByOne(engine: ReplacementEngine, request: RestartRequest, onProgress: ProgressSink, log: Logger): Promise<RuntimeActionResult> {
  const total = request.targets.reduce((n, t) => n + t.units.length, 0);
  const { before, total: planTotal } = request.position ?? { before: 0, total };
  let restarted = 0;
  const stopped = (reason: string): RuntimeActionResult => ({ status: 'failed', result: `${reason}. Stopped after ${before + restarted} of ${planTotal} restarted.` });
  for (const t of request.targets) {
    for (const unit of t.units) {
      if (shuttingDown(request.signal)) return stopped(SHUTTING_DOWN);
      await onProgress(`Restarting ${before + restarted + 1}/${planTotal}: ${unit}…`, t.service);
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
