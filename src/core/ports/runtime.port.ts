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
