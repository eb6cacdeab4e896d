/**
 * The Docker runtime's own vocabulary for a rollout: a container is replaced by a new one (the old one is
 * stopped and renamed, not removed, so it can be brought back), health is waited for, and the replacement
 * is then finalized (old container removed) or reverted. None of this is part of the Runtime port.
 */

export interface Replacement {
  /** The container's name, which the new container now carries. */
  name: string;
  oldId: string;
  newId: string;
  oldImage: string;
  newImage: string;
}

export interface HealthWait {
  timeoutMs: number;
  /** Without a healthcheck, how long the container must keep running to count as healthy. */
  graceMs: number;
}

export type HealthOutcome =
  | { healthy: true; via: 'healthcheck' | 'running' }
  | { healthy: false; reason: 'unhealthy' | 'exited' | 'timeout'; detail: string };

/** The engine operations a replacement rollout is made of (DockerRuntime on dockerode; an in-memory one in tests). */
export interface ReplacementEngine {
  /** Pulls an image; rejects with ImagePullError when it cannot. */
  pull(image: string): Promise<void>;
  /** Replaces a container (by id or name) by one running `image`, keeping its name and settings. */
  replace(container: string, image: string): Promise<Replacement>;
  /** Waits until the container is healthy (healthcheck, or running for `graceMs`); never throws on unhealthy. */
  waitHealthy(container: string, wait: HealthWait): Promise<HealthOutcome>;
  /** Removes the stopped old container of a replacement that succeeded. */
  finalize(replacement: Replacement): Promise<void>;
  /** Undoes a replacement: removes the new container, restores the old one's name and starts it. */
  revert(replacement: Replacement): Promise<void>;
  /** Replacements left half-done (old containers still renamed), e.g. after a crash mid-deploy. */
  pendingReplacements(): Promise<Replacement[]>;
  /** Restarts one container (stop with its grace period, then start). */
  restartContainer(container: string): Promise<void>;
}
