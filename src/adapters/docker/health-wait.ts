import type { HealthOutcome, HealthWait } from './replacement.js';
import type { Healthcheck } from './container-spec.mapper.js';

/**
 * Waits for a container to become healthy by polling its inspect output. Engine access is injected so the
 * loop stays free of transport concerns: `inspect` reads the state, `runCheck` (Podman only, whose
 * healthchecks are scheduled by systemd timers that may not exist) runs the container's check once.
 */

export interface HealthProbeState {
  Config: { Healthcheck?: Healthcheck | null };
  State: {
    Status?: string;
    ExitCode?: number;
    StartedAt?: string;
    Health?: { Status?: string; Log?: Array<{ ExitCode?: number; Output?: string }> | null } | null;
  };
}

export interface HealthProbe {
  inspect(): Promise<HealthProbeState>;
  /** Runs the healthcheck once; undefined when the engine schedules checks itself. */
  runCheck?: () => Promise<void>;
  now(): number;
  /** Sleeps, rejecting with the caller's abort reason when the caller gives up. */
  sleep(ms: number): Promise<void>;
}

const DEFAULT_INTERVAL_MS = 30_000;
/** Inspect polling period on engines that run checks themselves, and for containers without a check. */
const POLL_MS = 250;
const MAX_DETAIL = 200;

type Verdict = HealthOutcome | { wait: number };

export async function waitForHealth(probe: HealthProbe, wait: HealthWait): Promise<HealthOutcome> {
  const deadline = probe.now() + wait.timeoutMs;
  let nextCheckAt = probe.now();
  let last: HealthProbeState | undefined;
  const run = new RunTracker();
  for (;;) {
    const check = last === undefined ? undefined : activeCheck(last);
    if (probe.runCheck && check && probe.now() >= nextCheckAt && last?.State.Status === 'running') {
      await probe.runCheck();
      nextCheckAt = probe.now() + intervalMs(check);
    }
    last = await probe.inspect();
    const verdict = judge(last, wait, run.runningFor(last, probe.now()), probe.runCheck ? nextCheckAt - probe.now() : undefined);
    if (!('wait' in verdict)) return verdict;
    const remaining = deadline - probe.now();
    if (remaining <= 0) return timeout(last, wait);
    await probe.sleep(Math.min(verdict.wait, remaining));
  }
}

/**
 * How long the container has been seen running without a restart, measured on this clock from the first
 * observation of its current start (engine clocks may be skewed against ours).
 */
class RunTracker {
  private startedAt: string | undefined;
  private seenAt = 0;

  runningFor(state: HealthProbeState, now: number): number {
    if (state.State.Status !== 'running') {
      this.startedAt = undefined;
      return 0;
    }
    if (state.State.StartedAt !== this.startedAt) {
      this.startedAt = state.State.StartedAt;
      this.seenAt = now;
    }
    return now - this.seenAt;
  }
}

function judge(state: HealthProbeState, wait: HealthWait, runningFor: number, untilCheck: number | undefined): Verdict {
  const status = state.State.Status ?? 'unknown';
  if (status === 'exited' || status === 'dead' || status === 'stopped') {
    return { healthy: false, reason: 'exited', detail: `exited with status ${state.State.ExitCode ?? 'unknown'}` };
  }
  const check = activeCheck(state);
  if (check) return judgeHealthcheck(state, untilCheck);
  if (status !== 'running') return { wait: POLL_MS };
  if (runningFor >= wait.graceMs) return { healthy: true, via: 'running' };
  return { wait: Math.min(POLL_MS, wait.graceMs - runningFor) };
}

function judgeHealthcheck(state: HealthProbeState, untilCheck: number | undefined): Verdict {
  const health = state.State.Health?.Status;
  if (health === 'healthy') return { healthy: true, via: 'healthcheck' };
  if (health === 'unhealthy') return { healthy: false, reason: 'unhealthy', detail: lastCheckOutput(state) };
  // Before the container runs there is nothing to check; poll quickly until it does.
  if (untilCheck === undefined || state.State.Status !== 'running') return { wait: POLL_MS };
  return { wait: Math.max(untilCheck, 0) };
}

function timeout(state: HealthProbeState, wait: HealthWait): HealthOutcome {
  const status = state.State.Status ?? 'unknown';
  const health = activeCheck(state) ? `, health ${state.State.Health?.Status ?? 'unknown'}` : '';
  return { healthy: false, reason: 'timeout', detail: `still ${status}${health} after ${wait.timeoutMs} ms` };
}

/** The container's healthcheck unless it has none or it is disabled (`NONE`). */
export function activeCheck(state: HealthProbeState): Healthcheck | undefined {
  const check = state.Config.Healthcheck;
  const test = check?.Test ?? [];
  return test.length === 0 || test[0] === 'NONE' ? undefined : (check ?? undefined);
}

function intervalMs(check: Healthcheck): number {
  return check.Interval && check.Interval > 0 ? Math.round(check.Interval / 1e6) : DEFAULT_INTERVAL_MS;
}

/** The last check's exit code and output, on one bounded line (the check's own words, no stack traces). */
function lastCheckOutput(state: HealthProbeState): string {
  const log = state.State.Health?.Log ?? [];
  const lastEntry = log[log.length - 1];
  if (lastEntry === undefined) return 'healthcheck failed';
  const output = (lastEntry.Output ?? '').replace(/\s+/g, ' ').trim();
  const text = `healthcheck exited ${lastEntry.ExitCode ?? '?'}${output ? `: ${output}` : ''}`;
  return text.length <= MAX_DETAIL ? text : `${text.slice(0, MAX_DETAIL - 1)}…`;
}
