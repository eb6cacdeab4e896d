import { runHttpProbe } from '../http/http-probe.js';
import { rolloutFailed } from '../../core/actions/revert-sentence.js';
import { SHUTTING_DOWN, shuttingDown } from '../../core/actions/shutting-down.js';
import { plural } from '../../core/domain/wording.js';
import type { Logger } from '../../core/ports/logger.port.js';
import type {
  CallOptions,
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
import { describeKubeError } from './kube-call.js';
import type { WaitOutcome } from './rollout-wait.js';
import { parseUnit, parseWorkloadRef, unitName, type WorkloadRef } from './workload-ref.js';

/**
 * Rollouts, restarts and recovery on Kubernetes, one workload (unit) at a time, in the port's phases.
 * Prepare dry-runs each image patch on the API server (nothing changes). Rollout patches a workload and
 * watches its rollout; when it fails (crash loop, image that cannot be pulled, progress deadline, health
 * timeout, probe), that workload and every one done before it are undone, newest first, each back to the
 * revision it had. A rollout that succeeded stays marked until the caller commits (the mark goes) or
 * undoes it (each workload goes back to its revision). The shutdown signal is checked between workloads.
 */

export interface WorkloadEngine {
  readonly host: string;
  checkPatch(ref: WorkloadRef, image: string): Promise<void>;
  beginRollout(ref: WorkloadRef, image: string): Promise<{ from: string; via: 'patch' | 'undo' }>;
  undoTo(ref: WorkloadRef, revision: string): Promise<void>;
  clearMark(ref: WorkloadRef): Promise<void>;
  pendingUndo(ref: WorkloadRef, opts?: CallOptions): Promise<string | null>;
  restartWorkload(ref: WorkloadRef): Promise<void>;
  waitRollout(ref: WorkloadRef, timeoutMs: number, onProgress: (text: string) => Promise<void>, signal?: AbortSignal): Promise<WaitOutcome>;
}

interface Done {
  ref: WorkloadRef;
  from: string;
  service: string;
}

export async function checkAll(engine: WorkloadEngine, request: RolloutRequest, onProgress: ProgressSink, log: Logger): Promise<PrepareResult> {
  for (const t of request.targets) {
    for (const unit of t.units) {
      if (shuttingDown(request.signal)) return { ok: false, result: `${SHUTTING_DOWN}. Nothing was changed.` };
      await onProgress(`Checking ${t.image} for ${unit} on ${engine.host}…`, t.service);
      try {
        await engine.checkPatch(parseUnit(unit), t.image);
      } catch (error) {
        log.warn({ err: error, unit, image: t.image }, 'dry run of the image patch failed');
        const why = describeKubeError(error);
        await onProgress(`Check failed: ${why}`, t.service);
        return { ok: false, result: `Stopped before touching any workload: ${why}.` };
      }
    }
  }
  return { ok: true };
}

export async function rolloutWorkloads(engine: WorkloadEngine, request: RolloutRequest, onProgress: ProgressSink, log: Logger): Promise<RolloutResult> {
  const total = request.targets.reduce((n, t) => n + t.units.length, 0);
  const { before, total: planTotal } = request.position ?? { before: 0, total };
  const done: Done[] = [];
  for (const t of request.targets) {
    for (const unit of t.units) {
      if (shuttingDown(request.signal)) return revertAll(engine, done, SHUTTING_DOWN, request, onProgress, log);
      await onProgress(`Replacing ${before + done.length + 1}/${planTotal}: ${unit} → ${t.version}…`, t.service);
      const ref = parseUnit(unit);
      let begun: { from: string; via: 'patch' | 'undo' };
      try {
        begun = await engine.beginRollout(ref, t.image);
      } catch (error) {
        log.error({ err: error, unit }, 'cannot start the rollout');
        return revertAll(engine, done, `${unit} could not be rolled out (${describeKubeError(error)})`, request, onProgress, log);
      }
      done.push({ ref, from: begun.from, service: t.service });
      if (begun.via === 'undo') await onProgress(`${unit}: back to the previous revision's pod template (rollout undo)`, t.service);
      const health = await healthy(engine, ref, t.probe, request, (text) => onProgress(text, t.service), log);
      if (!health.ok) return revertAll(engine, done, `${unit} is not healthy on ${t.version} (${health.reason})`, request, onProgress, log);
      await onProgress(`${unit} healthy (${health.via})`, t.service);
    }
  }
  let settled = false;
  return {
    status: 'succeeded',
    changed: total,
    commit: async () => {
      if (settled) return;
      settled = true;
      for (const d of done) {
        try {
          await engine.clearMark(d.ref);
        } catch (error) {
          log.warn({ err: error, unit: unitName(d.ref) }, 'cannot remove the rollout mark');
        }
      }
    },
    undo: async (progress) => {
      if (settled) return { restored: 0, problems: [] };
      settled = true;
      return undoAll(engine, done, request, progress, log);
    },
  };
}

async function undoAll(engine: WorkloadEngine, done: Done[], request: Pick<RolloutRequest, 'health'>, onProgress: ProgressSink, log: Logger): Promise<RestoreResult> {
  let restored = 0;
  const problems: string[] = [];
  for (const d of [...done].reverse()) {
    const unit = unitName(d.ref);
    try {
      await engine.undoTo(d.ref, d.from);
      const back = await engine.waitRollout(d.ref, request.health.timeoutMs, (text) => onProgress(text, d.service));
      if (!back.ok) throw new Error(`the undo did not complete: ${back.reason}`);
      restored += 1;
      await onProgress(`Restored ${unit} (revision ${d.from})`, d.service);
    } catch (error) {
      log.error({ err: error, unit }, 'undo failed');
      problems.push(`${unit} (${error instanceof Error && error.message.startsWith('the undo') ? error.message : describeKubeError(error)})`);
    }
  }
  return { restored, problems };
}

async function revertAll(engine: WorkloadEngine, done: Done[], reason: string, request: RolloutRequest, onProgress: ProgressSink, log: Logger): Promise<RolloutFailed> {
  await onProgress(`${reason}; undoing the rollout of ${plural(done.length, 'workload')}…`);
  const { restored, problems } = await undoAll(engine, done, request, onProgress, log);
  return rolloutFailed(reason, done.length, restored, problems, 'workload');
}

export async function restartWorkloads(engine: WorkloadEngine, request: RestartRequest, onProgress: ProgressSink, log: Logger): Promise<RuntimeActionResult> {
  const total = request.targets.reduce((n, t) => n + t.units.length, 0);
  const { before, total: planTotal } = request.position ?? { before: 0, total };
  let restarted = 0;
  const stopped = (reason: string): RuntimeActionResult => ({ status: 'failed', result: `${reason}. Stopped after ${before + restarted} of ${planTotal} restarted.` });
  for (const t of request.targets) {
    for (const unit of t.units) {
      if (shuttingDown(request.signal)) return stopped(SHUTTING_DOWN);
      await onProgress(`Restarting ${before + restarted + 1}/${planTotal}: ${unit}…`, t.service);
      const ref = parseUnit(unit);
      try {
        await engine.restartWorkload(ref);
      } catch (error) {
        log.error({ err: error, unit }, 'restart failed');
        return stopped(`${unit} could not be restarted (${describeKubeError(error)})`);
      }
      restarted += 1;
      const health = await healthy(engine, ref, t.probe, request, (text) => onProgress(text, t.service), log);
      if (!health.ok) return stopped(`${unit} is not healthy after the restart (${health.reason})`);
      await onProgress(`${unit} healthy (${health.via})`, t.service);
    }
  }
  return { status: 'succeeded', changed: total };
}

/** Undoes the named workloads' rollouts that are neither committed nor undone (a crash cut them short). */
export async function recoverUnits(engine: WorkloadEngine, interrupted: InterruptedTarget[], waitMs: number, log: Logger, opts: CallOptions): Promise<RecoveryResult> {
  let restored = 0;
  const problems: string[] = [];
  for (const unit of new Set(interrupted.flatMap((t) => t.units))) {
    const ref = parseWorkloadRef(unit, '');
    if (ref === null || unit.split('/').length < 3) continue;
    const from = await engine.pendingUndo(ref, opts);
    if (from === null) continue;
    try {
      await engine.undoTo(ref, from);
      const back = await engine.waitRollout(ref, waitMs, async () => {});
      if (!back.ok) throw new Error(`the undo did not complete: ${back.reason}`);
      restored += 1;
    } catch (error) {
      log.error({ err: error, unit }, 'cannot recover the rollout');
      problems.push(`${unit} (${error instanceof Error && error.message.startsWith('the undo') ? error.message : describeKubeError(error)})`);
    }
  }
  return { restored, problems };
}

type Health = { ok: true; via: string } | { ok: false; reason: string };

/** The rollout watched to completion, then the service's HTTP probe (`{container}`: the workload's name). */
async function healthy(engine: WorkloadEngine, ref: WorkloadRef, probe: HttpProbe | undefined, request: Pick<RolloutRequest, 'health' | 'signal'>, onProgress: (text: string) => Promise<void>, log: Logger): Promise<Health> {
  let outcome: WaitOutcome;
  try {
    outcome = await engine.waitRollout(ref, request.health.timeoutMs, onProgress);
  } catch (error) {
    log.warn({ err: error, unit: unitName(ref) }, 'rollout wait failed');
    return { ok: false, reason: describeKubeError(error) };
  }
  if (!outcome.ok) return { ok: false, reason: outcome.reason };
  const via = `rollout complete, ${outcome.status.ready}/${outcome.status.desired} ready`;
  if (!probe) return { ok: true, via };
  await onProgress(`Probing ${probe.url.replaceAll('{container}', ref.name)}…`);
  const probed = await runHttpProbe(probe, ref.name);
  return probed.healthy ? { ok: true, via: `${via}, probe answered` } : { ok: false, reason: `${probed.reason}: ${probed.detail}` };
}
