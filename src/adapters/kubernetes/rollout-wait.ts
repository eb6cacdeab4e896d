import type { Logger } from '../../core/ports/logger.port.js';
import type { WatchEvent } from './kube-client.js';
import type { WorkloadStatus } from './workload.js';

/**
 * Waits for a workload's rollout: looks at it (the workload and its pods) whenever its watch stream says
 * it changed, and every `pollMs` besides (a crash-looping pod does not change the workload). A watch
 * stream that ends (the API server closes them after a while, a proxy drops them) is opened again from
 * the last resourceVersion seen, so no change is missed and none is waited for twice; one whose
 * resourceVersion has expired (410) starts again from the current state, and the end of every stream
 * makes the loop look again, so nothing is missed in between either.
 */

export interface RolloutWait {
  status(): Promise<WorkloadStatus>;
  watch(resourceVersion: string, onEvent: (event: WatchEvent) => void, onDone: (err: unknown) => void): Promise<{ stop(): void }>;
  /** The resourceVersion of the workload as last read. */
  resourceVersion(): string;
  pollMs: number;
  timeoutMs: number;
  onProgress(text: string): Promise<void>;
  log: Logger;
  signal?: AbortSignal;
}

export type WaitOutcome = { ok: true; status: WorkloadStatus } | { ok: false; reason: string; status?: WorkloadStatus };

/** Pause before opening a watch again after it ended with an error. */
const REWATCH_MS = 200;

export async function waitForRollout(w: RolloutWait): Promise<WaitOutcome> {
  const deadline = Date.now() + w.timeoutMs;
  let wake: (() => void) | undefined;
  const poke = (): void => wake?.();
  let stopped = false;
  let watch: { stop(): void } | undefined;
  let rv = w.resourceVersion();
  let rewatchTimer: NodeJS.Timeout | undefined;

  const openWatch = async (): Promise<void> => {
    if (stopped) return;
    let events = 0;
    try {
      const opened = await w.watch(
        rv,
        ({ type, object }) => {
          if (type === 'ERROR') {
            // The stream's own error, e.g. 410 Expired: the resourceVersion was compacted away. The next watch
            // starts from the current state (no resourceVersion: the server sends it as ADDED first).
            if ((object as { code?: number }).code === 410) rv = '';
            w.log.debug({ status: object }, 'watch error event');
            return;
          }
          events += 1;
          const next = (object.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
          if (next) rv = next;
          poke();
        },
        (err) => {
          if (stopped) return;
          const status = (err as { statusCode?: number } | null)?.statusCode;
          // 410 Gone: the resourceVersion is too old to resume from; start from the current state.
          if (status === 410) rv = '';
          w.log.debug({ err, resourceVersion: rv }, 'watch ended; opening it again');
          // A stream that carried events is resumed at once; a refused or empty one waits a poll interval,
          // so a watch Deckhand may not open (RBAC) or one closed at once does not spin.
          const delay = status !== undefined && status !== 410 ? w.pollMs : events > 0 ? 0 : err ? REWATCH_MS : Math.min(w.pollMs, 1_000);
          rewatchTimer = setTimeout(() => void openWatch(), delay);
          poke();
        },
      );
      if (stopped) opened.stop();
      else watch = opened;
    } catch (error) {
      w.log.debug({ err: error }, 'cannot open the watch; polling');
      if (!stopped) rewatchTimer = setTimeout(() => void openWatch(), w.pollMs);
    }
  };

  // Not awaited: the watch only wakes the loop, which must not wait for the stream to open.
  void openWatch();
  let last = '';
  let status: WorkloadStatus | undefined;
  try {
    for (;;) {
      try {
        status = await w.status();
      } catch (error) {
        w.log.warn({ err: error }, 'cannot read the rollout');
        if (Date.now() >= deadline) return { ok: false, reason: 'the rollout could not be read before the deadline' };
        await pause(w, deadline, (f) => (wake = f));
        continue;
      }
      const r = status.rollout;
      if (r.done) return { ok: true, status };
      if (r.failed) return { ok: false, reason: r.reason, status };
      const line = `${status.unit}: ${status.updated}/${status.desired} updated, ${status.ready} ready (${r.waiting})`;
      if (line !== last) {
        last = line;
        await w.onProgress(line);
      }
      if (Date.now() >= deadline) return { ok: false, reason: `not complete within ${Math.round(w.timeoutMs / 1000)} s (${r.waiting})`, status };
      if (w.signal?.aborted) return { ok: false, reason: 'stopped', status };
      await pause(w, deadline, (f) => (wake = f));
    }
  } finally {
    stopped = true;
    clearTimeout(rewatchTimer);
    watch?.stop();
  }
}

/** Until a watch event, the poll interval or the deadline, whichever comes first. */
function pause(w: RolloutWait, deadline: number, setWake: (f: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, Math.max(0, Math.min(w.pollMs, deadline - Date.now())));
    function done(): void {
      clearTimeout(timer);
      setWake(() => {});
      resolve();
    }
    setWake(done);
  });
}
