/**
 * A periodic job for sweepers and announcers: one run at a time (a slow run is never overlapped), an
 * unref'd timer so it never keeps the process alive, and a stop that waits for the run in progress.
 */
import { silentLogger, type Logger } from '../core/ports/logger.port.js';

export interface Periodic {
  start(): void;
  /** Stops the timer and resolves once a run in progress has finished. */
  stop(): Promise<void>;
}

export function periodic(name: string, intervalMs: number, run: () => Promise<unknown>, logger: Logger = silentLogger): Periodic {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const fire = () => {
    if (running) return;
    running = run()
      .then(() => undefined)
      .catch((error: unknown) => logger.error({ err: error }, `${name} failed`))
      .finally(() => {
        running = undefined;
      });
  };
  return {
    start() {
      if (timer) return;
      timer = setInterval(fire, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
