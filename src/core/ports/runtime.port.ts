import type { ContainerSelector } from '../domain/catalog.js';

/**
 * A runtime: where a service's units (containers on Docker, pods of a Deployment on Kubernetes) run. The
 * core asks it what an operator asks: find, logs, env, roll out an image, restart, recover after a crash.
 * A rollout has phases so a plan over several runtimes stays all-or-nothing: prepare every runtime, roll
 * each out, then commit all or undo the ones done. How each phase is done (pulling and replacing
 * containers; checking images, patching a Deployment, `rollout undo`) is the runtime's own business;
 * src/adapters/<kind>/ implements it and src/adapters/runtimes.ts picks the runtime of a host by its kind.
 */

export type ContainerState = 'running' | 'restarting' | 'paused' | 'exited' | 'created' | 'dead' | 'removing' | 'unknown';
export type HealthState = 'healthy' | 'unhealthy' | 'starting' | 'none';

/** One running unit of a service (a container, a pod). */
export interface ContainerInfo {
  id: string;
  name: string;
  /** Image reference as configured, e.g. `localhost:5000/shop/api:1.4.2`. */
  image: string;
  /** What the unit really runs: the image id or digest (`sha256:…`), the same for every unit of one revision. */
  imageId: string;
  /** Version: the `org.opencontainers.image.version` label, else the image tag, else the short image id. */
  version: string;
  state: ContainerState;
  health: HealthState;
  startedAt: Date | null;
  restartCount: number;
  labels: Record<string, string>;
  /**
   * What `describe` would say of the unit, when the runtime had it at hand while finding it (Kubernetes
   * reads the workload and its pods to find it), so `status` needs no second round of calls.
   */
  details?: UnitDetails;
}

export interface LogQuery {
  /** Last N lines (already bounded by the caller). */
  tail: number;
  /** Only lines newer than this instant. */
  since?: Date;
  /**
   * Only lines before this instant: the last `tail` lines of [since, until) however much was logged after
   * (a runtime that cannot ask for the range reads it and keeps those lines itself).
   */
  until?: Date;
  /** Each line's time from the runtime, as `LogLine.at` (the text then starts after the timestamp). */
  timestamps?: boolean;
  /**
   * The log of the unit's previous container, the one that crashed (Kubernetes keeps it per pod). A
   * runtime that keeps none rejects with LogNotKeptError.
   */
  previous?: boolean;
}

export interface LogLine {
  stream: 'stdout' | 'stderr';
  text: string;
  /** When the runtime wrote it; set whenever `timestamps` was asked. */
  at?: Date;
  /**
   * The replica the line came from, where one unit has several (a workload's pods); with `timestamps`
   * the text carries no replica prefix of its own.
   */
  replica?: string;
  /**
   * Set on the one line a runtime adds after the others when it stopped reading a range (`until`) at its
   * bound before the range's end: not the unit's output, its text says what the bound was and `at` is the
   * time of the last line read.
   */
  cut?: true;
}

export interface CallOptions {
  signal?: AbortSignal;
  /**
   * Ask the runtime itself, never a cache of it (Docker's container index): set where the answer decides
   * what an action changes (a plan, the click-time check of the revision shown). Status leaves it unset.
   */
  fresh?: boolean;
}

/** An HTTP health probe configured per service; `{container}` in the URL becomes the unit's name. */
export interface HttpProbe {
  url: string;
  timeoutMs: number;
  /** Pause between attempts. */
  intervalMs?: number;
}

/** When a unit counts as healthy after a rollout or restart step. */
export interface HealthSettings {
  /** How long a unit may take to become healthy. */
  timeoutMs: number;
  /** Without a healthcheck: how long a unit must keep running to count as healthy. */
  graceMs: number;
}

/** One service of a rollout: its units as planned, brought to `image` one at a time. */
export interface RolloutTarget {
  service: string;
  /** Names of the service's units at plan time (container names on Docker). */
  units: string[];
  image: string;
  /** The version people know `image` by (for progress texts). */
  version: string;
  /** Checked after each unit is healthy, when configured. */
  probe?: HttpProbe;
}

/**
 * Where a rollout's units sit in a plan that spans several runtimes, so progress counts across the whole
 * plan (`Replacing 4/5`): `before` units come ahead of this rollout's, `total` in the plan. Absent: the
 * rollout is the whole plan.
 */
export interface PlanPosition {
  before: number;
  total: number;
}

export interface RolloutRequest {
  targets: RolloutTarget[];
  health: HealthSettings;
  position?: PlanPosition;
  /**
   * Fired when Deckhand shuts down. Checked between units (the unit under way finishes): once fired, no
   * further unit is touched, a rollout puts back what it changed and fails, a prepare stops pulling.
   */
  signal?: AbortSignal;
}

/** One service of a restart. */
export interface RestartTarget {
  service: string;
  units: string[];
  probe?: HttpProbe;
}

export interface RestartRequest {
  targets: RestartTarget[];
  health: HealthSettings;
  position?: PlanPosition;
  /** As for a rollout: checked between units; once fired the restart stops before the next one. */
  signal?: AbortSignal;
}

/** A line of progress (chat-safe), and the service it concerns when it concerns one. */
export type ProgressSink = (text: string, service?: string) => Promise<void>;

/**
 * How a restart ended. `changed`: units restarted. `result` is a chat-safe sentence for one that did not
 * succeed; `untouched` on a failure means it stopped before changing any unit.
 */
export type RuntimeActionResult =
  | { status: 'succeeded'; changed: number }
  | { status: 'failed'; result: string; untouched?: boolean }
  | { status: 'rolled_back'; result: string };

/** Units put back on their previous image, and the ones that could not be (chat-safe descriptions). */
export interface RestoreResult {
  restored: number;
  problems: string[];
}

/**
 * A rollout that brought every unit to its image and kept what undoing it needs. Exactly one of the two
 * is called: `commit` once every runtime of the plan succeeded (Docker: removes the old containers; a
 * failure is the runtime's to log, the rollout stands), `undo` when a later runtime of the plan failed
 * (the runtime's own revert of what this rollout changed, newest first, fetching nothing).
 */
export interface RolloutSucceeded {
  status: 'succeeded';
  changed: number;
  commit(): Promise<void>;
  undo(onProgress: ProgressSink): Promise<RestoreResult>;
}

/**
 * A rollout that did not succeed; the runtime has already put back what it changed (as far as it could).
 * `reason`: what went wrong (chat-safe, no final period); `result`: the sentence for chat, the reason and
 * what was put back; `restored` / `problems`: the units put back and the ones that could not be.
 * `rolled_back` means every unit touched runs its previous image again; `untouched` on `failed` means it
 * stopped before changing any unit.
 */
export interface RolloutFailed {
  status: 'failed' | 'rolled_back';
  reason: string;
  result: string;
  restored: number;
  problems: string[];
  untouched?: boolean;
}

export type RolloutResult = RolloutSucceeded | RolloutFailed;

/** Whether a rollout's images are all there to run (`prepare`); a failure has changed nothing. */
export type PrepareResult = { ok: true } | { ok: false; result: string };

/** The units of an interrupted action, as its plan names them. */
export interface InterruptedTarget {
  service: string;
  units: string[];
}

/** What start-up recovery put back. */
export type RecoveryResult = RestoreResult;

/** One pod (or similar) of a unit that runs several replicas, as status lists it. */
export interface UnitReplica {
  name: string;
  /** `Running`, `Pending`… */
  phase: string;
  ready: boolean;
  restarts: number;
  node: string;
  startedAt: Date | null;
  image: string;
  /** Why it is not running (`CrashLoopBackOff`…), when it is not. */
  waiting?: string;
}

/**
 * What a runtime that runs a unit as replicas (a Kubernetes workload) can say of it beyond ContainerInfo:
 * where it lives in the host, how a rollout replaces its replicas, and the replicas themselves.
 */
export interface UnitDetails {
  /** Where the unit lives within its host (a Kubernetes namespace). */
  namespace?: string;
  /** How a rollout replaces the replicas, e.g. `RollingUpdate maxSurge 1 maxUnavailable 0`. */
  strategy?: string;
  desired: number;
  ready: number;
  updated: number;
  available: number;
  /** Rollout conditions worth showing, as `Progressing=True (NewReplicaSetAvailable)`. */
  conditions?: string[];
  /** The revision running (a Deployment's revision number, a ControllerRevision's name). */
  revision?: string;
  pods: UnitReplica[];
}

/**
 * What one unit uses, read from the runtime at `readAt` (the cost sampler turns counters into rates).
 * CPU is a counter: the sampler divides its growth by the time between two reads.
 */
export interface UnitUsage {
  unitId: string;
  readAt: Date;
  /** CPU time the unit has used since it started, in nanoseconds (0 from a runtime that gives `cpuCores`). */
  cpuTotalNs: number;
  /**
   * CPU cores in use now, averaged over the runtime's own short window, from a runtime that measures a
   * rate instead of keeping a counter (Kubernetes' metrics API). When set, the sampler takes it as the
   * average of the interval the reading stands for, and ignores `cpuTotalNs`.
   */
  cpuCores?: number;
  /** Memory in use now (without the page cache the kernel may drop), in bytes. */
  memoryBytes: number;
  /** Disk it holds: its writable layer plus the volumes it mounts (a volume counted once per call), in bytes. */
  storageBytes: number;
  /** When the image it runs was built; null when the runtime does not say. */
  imageCreatedAt: Date | null;
}

export interface Runtime {
  /** Name of the host (target) as the config knows it. */
  readonly host: string;
  /**
   * What its operators call one unit, for the sentences that count them (`2 workloads replaced`):
   * `container` (the default when absent), `workload`.
   */
  readonly unitNoun?: string;
  ping(opts?: CallOptions): Promise<void>;
  /** Units matching each selector, in the selectors' order. One list call per host where possible. */
  find(selectors: ContainerSelector[], opts?: CallOptions): Promise<ContainerInfo[][]>;
  logs(unitId: string, query: LogQuery, opts?: CallOptions): Promise<LogLine[]>;
  /** The unit's configured environment as KEY → value. */
  env(unitId: string, opts?: CallOptions): Promise<Record<string, string>>;
  /**
   * First phase of a rollout: makes every target image available to run (Docker: pulls each one). Touches
   * no unit; the caller prepares every runtime of a plan before rolling any out. Never throws for an image
   * that cannot be had: the result says.
   */
  prepare(request: RolloutRequest, onProgress: ProgressSink): Promise<PrepareResult>;
  /**
   * Second phase: brings every target to its (prepared) image, one unit at a time, waiting for each to be
   * healthy. On the first failure every unit changed so far is put back, newest first, and the result
   * says so. On success nothing is final yet: the caller commits or undoes it (see RolloutSucceeded), so
   * a crash before then leaves every unit for `recover`. Never throws for a failed rollout.
   */
  rollout(request: RolloutRequest, onProgress: ProgressSink): Promise<RolloutResult>;
  /**
   * Restarts the targets' units one at a time, waiting for health after each; stops at the first unhealthy
   * one. `position` places them in a plan spanning several runtimes (`Restarting 4/5`, `Stopped after 3 of 5`).
   */
  restart(request: RestartRequest, onProgress: ProgressSink): Promise<RuntimeActionResult>;
  /**
   * Start-up recovery of an action cut short (the bot stopped mid-rollout): puts the named units of its
   * rollout, half-done or done but neither committed nor undone, back on their previous image. Idempotent. Rejects when the runtime cannot be asked.
   */
  recover(interrupted: InterruptedTarget[], opts?: CallOptions): Promise<RecoveryResult>;
  /**
   * Optional: replicas, strategy and pods of a unit, for runtimes whose units run as replicas (Kubernetes).
   * The plan shown before Confirm and `status` use it when present; Docker has none.
   */
  describe?(unitId: string, opts?: CallOptions): Promise<UnitDetails>;
  /**
   * Optional: what each of the units uses now (CPU counter, memory, disk), for the cost sampler. Units that
   * are gone by the time they are read are left out. A runtime without it is not sampled (the cost reply
   * names its services as not measured).
   */
  usage?(unitIds: readonly string[], opts?: CallOptions): Promise<UnitUsage[]>;
}

/** Raised when an image cannot be fetched (missing tag, registry down, auth). Nothing was changed. */
export class ImagePullError extends Error {
  constructor(
    readonly image: string,
    readonly reason: string,
  ) {
    super(`cannot pull ${image}: ${reason}`);
    this.name = 'ImagePullError';
  }
}

/** Raised when a runtime does not keep the log asked for (e.g. a previous container's); `reason` is chat-safe. */
export class LogNotKeptError extends Error {
  constructor(
    readonly host: string,
    readonly reason: string,
  ) {
    super(`host ${host}: ${reason}`);
    this.name = 'LogNotKeptError';
  }
}

/** Looks up the runtime of a host (target) by name. */
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

/**
 * Raised when the runtime refuses a call for lack of permission (Kubernetes RBAC). `refusal` is a short,
 * chat-safe sentence naming what was refused (never a token or a URL), e.g.
 * `Kubernetes refused: cannot list pods in namespace shop (RBAC)`.
 */
export class RuntimeRefusedError extends Error {
  constructor(
    readonly host: string,
    readonly refusal: string,
    message: string = refusal,
  ) {
    super(message);
    this.name = 'RuntimeRefusedError';
  }
}

/** Raised when a unit (a container, a pod) does not exist (any more); `containerId` is the unit's id. */
export class ContainerNotFoundError extends Error {
  constructor(readonly containerId: string) {
    super(`container ${containerId} not found`);
    this.name = 'ContainerNotFoundError';
  }
}
