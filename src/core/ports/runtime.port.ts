import type { ContainerSelector } from '../domain/catalog.js';

/**
 * A container runtime: one Docker host today, possibly a Kubernetes cluster later. The core only
 * talks to this port; src/adapters/docker implements it with dockerode.
 */

export type ContainerState = 'running' | 'restarting' | 'paused' | 'exited' | 'created' | 'dead' | 'removing' | 'unknown';
export type HealthState = 'healthy' | 'unhealthy' | 'starting' | 'none';

export interface ContainerInfo {
  id: string;
  name: string;
  /** Image reference as configured, e.g. `localhost:5000/shop/api:1.4.2`. */
  image: string;
  /** Version: the `org.opencontainers.image.version` label, else the image tag, else the short image id. */
  version: string;
  state: ContainerState;
  health: HealthState;
  startedAt: Date | null;
  restartCount: number;
  labels: Record<string, string>;
}

export interface LogQuery {
  /** Last N lines (already bounded by the caller). */
  tail: number;
  /** Only lines newer than this instant. */
  since?: Date;
  /** Include per-line timestamps from the runtime. */
  timestamps?: boolean;
}

export interface LogLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface Runtime {
  /** Name of the host as the config knows it. */
  readonly host: string;
  ping(opts?: CallOptions): Promise<void>;
  /** Containers matching each selector, in the selectors' order. One list call per host where possible. */
  find(selectors: ContainerSelector[], opts?: CallOptions): Promise<ContainerInfo[][]>;
  logs(containerId: string, query: LogQuery, opts?: CallOptions): Promise<LogLine[]>;
  /** The container's configured environment as KEY → value. */
  environment(containerId: string, opts?: CallOptions): Promise<Record<string, string>>;

  // --- actions (safe-actions issue) ---

  /** Restarts one container (stop with the engine's grace period, then start). */
  restart(containerId: string, opts?: CallOptions): Promise<void>;
  /**
   * Pulls an image reference. Rejects with ImagePullError when the pull fails, including an engine
   * answer of HTTP 200 whose progress stream reports an error.
   */
  pull(image: string, opts?: CallOptions): Promise<void>;
  /**
   * Replaces a container by one running `image`, keeping name, env, labels, ports, volumes, networks and
   * restart policy. The old container is stopped and renamed, not removed, so `revert` can bring it back.
   */
  replace(containerId: string, image: string, opts?: CallOptions): Promise<Replacement>;
  /**
   * Waits until the container is healthy: its healthcheck reports healthy, or (without a healthcheck)
   * it has kept running for `graceMs`. Resolves with the outcome; never throws on unhealthy.
   */
  waitHealthy(containerId: string, wait: HealthWait, opts?: CallOptions): Promise<HealthOutcome>;
  /** Removes the stopped old container of a replacement that succeeded. */
  finalize(replacement: Replacement, opts?: CallOptions): Promise<void>;
  /** Undoes a replacement: removes the new container, restores the old one's name and starts it. */
  revert(replacement: Replacement, opts?: CallOptions): Promise<void>;
  /** Replacements left half-done (old containers still renamed), e.g. after a crash mid-deploy. */
  pendingReplacements(opts?: CallOptions): Promise<Replacement[]>;
}

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

/** Raised when an image cannot be pulled (missing tag, registry down, auth). Nothing was changed. */
export class ImagePullError extends Error {
  constructor(
    readonly image: string,
    readonly reason: string,
  ) {
    super(`cannot pull ${image}: ${reason}`);
    this.name = 'ImagePullError';
  }
}

/** Looks up the runtime of a host by name. */
export interface RuntimeRegistry {
  get(host: string): Runtime;
  hosts(): string[];
}

/** Raised by runtimes when the host cannot be reached (connection refused, timeout, DNS). */
export class HostUnreachableError extends Error {
  constructor(
    readonly host: string,
    readonly reason: string,
  ) {
    super(`host ${host} unreachable: ${reason}`);
    this.name = 'HostUnreachableError';
  }
}

/** Raised when a container does not exist (any more). */
export class ContainerNotFoundError extends Error {
  constructor(readonly containerId: string) {
    super(`container ${containerId} not found`);
    this.name = 'ContainerNotFoundError';
  }
}
