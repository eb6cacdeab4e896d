import type { IncomingMessage } from 'node:http';
import type Docker from 'dockerode';
import { z } from 'zod';
import type { ContainerSelector } from '../../core/domain/catalog.js';
import { silentLogger, type Logger } from '../../core/ports/logger.port.js';
import type {
  CallOptions,
  ContainerInfo,
  InterruptedTarget,
  LogLine,
  LogQuery,
  PrepareResult,
  ProgressSink,
  RecoveryResult,
  RestartRequest,
  RolloutRequest,
  RolloutResult,
  Runtime,
  RuntimeActionResult,
  UnitUsage,
} from '../../core/ports/runtime.port.js';
import { readUsage } from './docker-usage.js';
import { LogNotKeptError } from '../../core/ports/runtime.port.js';
import {
  matchesSelector,
  parseEnvironment,
  toContainerInfo,
  type ContainerInspect,
} from './container-info.mapper.js';
import { ContainerIndex, type IndexHealth } from './container-index.js';
import { engineCall, type CallScope } from './docker-call.js';
import { listSelected } from './engine-filters.js';
import { demultiplexLogs, splitRawLogs } from './docker-log.demux.js';
import { cutLine, inRange, RANGE_READ_LIMIT_BYTES, withTimestamp } from '../log-timestamps.js';
import { ContainerReplacer, type EngineAccess } from './container-replacer.js';
import { detectEngineKind, type EngineKind } from './engine-kind.js';
import { waitForHealth, type HealthProbeState } from './health-wait.js';
import { runPodmanHealthcheck } from './image-defaults.js';
import { pullImage } from './image-pull.js';
import { imageReferenceSchema } from './image-reference.js';
import type { HealthOutcome, HealthWait, Replacement, ReplacementEngine } from './replacement.js';
import { pullAll, restartOneByOne, revertInterrupted, rolloutByReplacement } from './replacement-rollout.js';

/** How a runtime's start waits for what it keeps running. */
export interface RuntimeStartOptions {
  /** Wait for the container index's first build (default true); false: build it in the background. */
  waitForIndex?: boolean;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
/** Deadline of each engine call of an action (create, stop, rename, start, remove, restart). */
export const DEFAULT_ACTION_TIMEOUT_MS = 30_000;
export const DEFAULT_PULL_TIMEOUT_MS = 300_000;
/** Longest health wait a caller may ask for (one hour). */
const MAX_HEALTH_WAIT_MS = 3_600_000;

/** Container ids or names as the engine accepts them; refuses anything that could alter the request path. */
const containerIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/, 'container id must be a container id or name');

const logQuerySchema = z.object({
  tail: z.number().int().nonnegative(),
  since: z.date().refine((d) => !Number.isNaN(d.getTime()), 'since must be a valid date').optional(),
  until: z.date().refine((d) => !Number.isNaN(d.getTime()), 'until must be a valid date').optional(),
  timestamps: z.boolean().optional(),
  previous: z.boolean().optional(),
});

const selectorSchema = z.object({
  name: z.string().min(1).optional(),
  labels: z.record(z.string(), z.string()).optional(),
});

const healthWaitSchema = z.object({
  timeoutMs: z.number().int().positive().max(MAX_HEALTH_WAIT_MS),
  graceMs: z.number().int().nonnegative().max(MAX_HEALTH_WAIT_MS),
});

/**
 * Deadlines per engine call; the caller's signal can cut any of them shorter. Queries (ping, find, logs,
 * environment, pending replacements) answer a person waiting in chat and fail fast. Every call of an action
 * (replace, finalize, revert, restart, pull, health wait), reads included, gets the action deadline: a busy
 * engine must not cancel a replacement halfway.
 */
export interface DockerRuntimeOptions {
  /** Deadline of each query call (default 10 s). */
  timeoutMs?: number;
  /** Deadline of each engine call of an action (default 30 s). */
  actionTimeoutMs?: number;
  /** Extra time a pull may take on top of actionTimeoutMs (default 300 s). */
  pullTimeoutMs?: number;
  /** Where rollouts log the errors they report in chat only by kind. */
  logger?: Logger;
  /**
   * Keep a live index of the containers these selectors (the host's catalog) match, so `find` of them
   * answers without asking the engine while the index is live (see ContainerIndex). Absent: every `find`
   * asks the engine.
   */
  index?: { selectors: readonly ContainerSelector[]; resyncIntervalMs?: number; reconnect?: { initialMs: number; maxMs: number } };
  /** Most bytes of log a query with an end time reads (default RANGE_READ_LIMIT_BYTES, 4 MiB). */
  rangeLogLimitBytes?: number;
}

/** What the readiness check of a host reports beside "reachable": the index is not live, status is slower. */
export interface Degraded {
  degraded: string;
}

type Timing = 'query' | 'action';

/**
 * The Runtime port on one Docker-API engine (Docker or Podman), through dockerode. Prepare pulls, a
 * rollout replaces containers (see ContainerReplacer), commit removes the old ones and undo reverts the
 * replacements; the engine operations this is made of are public for tests and tools but are not part of
 * the port.
 */
export class DockerRuntime implements Runtime, ReplacementEngine {
  private readonly timeoutMs: number;
  private readonly actionTimeoutMs: number;
  private readonly pullTimeoutMs: number;
  private readonly replacer: ContainerReplacer;
  private readonly log: Logger;
  private engineKind: Promise<EngineKind> | undefined;
  private readonly index: ContainerIndex | undefined;
  private readonly rangeLogLimitBytes: number;

  constructor(
    readonly host: string,
    private readonly docker: Docker,
    options: DockerRuntimeOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.rangeLogLimitBytes = options.rangeLogLimitBytes ?? RANGE_READ_LIMIT_BYTES;
    // A host configured with a long timeoutMs keeps it for actions too (it applied to both before).
    this.actionTimeoutMs = options.actionTimeoutMs ?? Math.max(DEFAULT_ACTION_TIMEOUT_MS, this.timeoutMs);
    this.pullTimeoutMs = options.pullTimeoutMs ?? DEFAULT_PULL_TIMEOUT_MS;
    this.replacer = new ContainerReplacer(this.engineAccess());
    this.log = (options.logger ?? silentLogger).child({ host });
    if (options.index !== undefined && options.index.selectors.length > 0) {
      this.index = new ContainerIndex(host, docker, {
        selectors: z.array(selectorSchema).parse(options.index.selectors),
        timeoutMs: this.timeoutMs,
        // Builds and resyncs run in the background: the action deadline, not the chat query's.
        readTimeoutMs: this.actionTimeoutMs,
        ...(options.index.resyncIntervalMs !== undefined ? { resyncIntervalMs: options.index.resyncIntervalMs } : {}),
        ...(options.index.reconnect !== undefined ? { reconnect: options.index.reconnect } : {}),
        logger: this.log,
      });
    }
  }

  /**
   * Builds the container index and follows the engine's events (when the runtime has one); never rejects.
   * Resolves once the index is live or its first build failed, at most after the query timeout; with
   * `waitForIndex: false` at once, the index building in the background (status asks the engine meanwhile).
   */
  async start(options: RuntimeStartOptions = {}): Promise<void> {
    await this.index?.start(options.waitForIndex === false ? 0 : undefined);
  }

  /** Stops following the engine's events. */
  async close(): Promise<void> {
    await this.index?.close();
  }

  /** Whether the container index answers status, when the runtime keeps one. */
  indexHealth(): IndexHealth | undefined {
    return this.index?.health();
  }

  /**
   * The host's readiness: rejects when the engine does not answer; resolves `degraded` when it does but the
   * container index is not live (status then asks the engine directly, which is slower).
   */
  async readiness(opts: CallOptions = {}): Promise<Degraded | undefined> {
    await this.ping(opts);
    const health = this.index?.health();
    return health === undefined || health.live ? undefined : { degraded: health.reason };
  }

  prepare(request: RolloutRequest, onProgress: ProgressSink): Promise<PrepareResult> {
    return pullAll(this, this.host, request, onProgress, this.log);
  }

  async rollout(request: RolloutRequest, onProgress: ProgressSink): Promise<RolloutResult> {
    const result = await this.settled(rolloutByReplacement(this, request, onProgress, this.log));
    if (result.status !== 'succeeded') return result;
    return { ...result, commit: () => this.settled(result.commit()), undo: (progress) => this.settled(result.undo(progress)) };
  }

  restart(request: RestartRequest, onProgress: ProgressSink): Promise<RuntimeActionResult> {
    return this.settled(restartOneByOne(this, request, onProgress, this.log));
  }

  async recover(interrupted: InterruptedTarget[], opts: CallOptions = {}): Promise<RecoveryResult> {
    const engine: ReplacementEngine = { ...this.bound(), pendingReplacements: () => this.pendingReplacements(opts) };
    return this.settled(revertInterrupted(engine, interrupted, this.log));
  }

  /**
   * An action step's result, once the container index has read the host again: the engine's events about
   * what the step changed may still be on their way, and a `status` right after the step must not show the
   * containers as they were halfway (a reverted container still "exited").
   */
  private async settled<T>(step: Promise<T>): Promise<T> {
    try {
      return await step;
    } finally {
      await this.index?.resyncNow();
    }
  }

  async ping(opts: CallOptions = {}): Promise<void> {
    // dockerode honours abortSignal on ping; its type definitions do not declare the options argument.
    const ping = this.docker.ping.bind(this.docker) as unknown as (o: { abortSignal: AbortSignal }) => Promise<unknown>;
    await engineCall(this.scope(opts), (signal) => ping({ abortSignal: signal }));
  }

  /**
   * Containers of each selector. Selectors of the host's catalog are answered from the container index
   * while it is live, without an engine call; otherwise the engine is asked with filtered lists (one per
   * selector shape, in parallel) and an inspect per matching container. `fresh` (a plan, the click-time
   * drift check) always asks the engine. Actions never rely on this answer: they read each container from
   * the engine again.
   */
  async find(selectors: ContainerSelector[], opts: CallOptions = {}): Promise<ContainerInfo[][]> {
    const checked = z.array(selectorSchema).parse(selectors);
    if (checked.length === 0) return [];
    const index = this.index;
    if (opts.fresh !== true && index?.covers(checked)) {
      const indexed = await engineCall(this.scope(opts), (signal) => index.find(checked, signal));
      if (indexed !== null) return indexed;
    }
    return engineCall(this.scope(opts), async (signal) => {
      const listed = await listSelected(this.docker, checked, signal);
      const matches = checked.map((selector) => listed.filter((c) => matchesSelector(selector, c)).map((c) => c.Id));
      const ids = [...new Set(matches.flat())];
      const inspected = await Promise.all(ids.map((id) => this.inspectIfPresent(id, signal)));
      const byId = new Map(inspected.filter((i) => i !== null).map((i) => [i.id, i] as const));
      return matches.map((group) =>
        group
          .map((id) => byId.get(id))
          .filter((info) => info !== undefined)
          .sort((a, b) => a.name.localeCompare(b.name)),
      );
    });
  }

  async logs(containerId: string, query: LogQuery, opts: CallOptions = {}): Promise<LogLine[]> {
    const id = containerIdSchema.parse(containerId);
    const checked = logQuerySchema.parse(query);
    if (checked.previous === true) {
      // Docker restarts a container in place and its one log goes on: nothing of a crashed run is kept apart.
      throw new LogNotKeptError(this.host, 'Docker keeps no previous container log: a restarted container writes on in the same log, so logs without --previous shows the lines before the restart');
    }
    const [inspect, { payload, cut }] = await engineCall(this.scope(opts, id), (signal) =>
      Promise.all([this.inspect(id, signal), this.readLogs(id, checked, signal)]),
    );
    const lines = inspect.Config.Tty ? splitRawLogs(payload) : demultiplexLogs(payload);
    // A read stopped at its bound ends inside a line: that line is left out.
    if (cut) lines.pop();
    if (!checked.timestamps) return lines;
    // The engine's since/until are whole seconds: the times on the lines make the range exact.
    const timed = lines.map(withTimestamp);
    const kept = inRange(timed, checked);
    const marker = cut ? cutLine(timed, this.rangeLogLimitBytes) : undefined;
    return marker ? [...kept, marker] : kept;
  }

  async env(containerId: string, opts: CallOptions = {}): Promise<Record<string, string>> {
    const id = containerIdSchema.parse(containerId);
    const inspect = await engineCall(this.scope(opts, id), (signal) => this.inspect(id, signal));
    return parseEnvironment(inspect.Config.Env);
  }

  /** What each container uses now (see docker-usage.ts); containers removed meanwhile are left out. */
  async usage(unitIds: readonly string[], opts: CallOptions = {}): Promise<UnitUsage[]> {
    const ids = z.array(containerIdSchema).parse(unitIds);
    return engineCall(this.scope(opts), (signal) => readUsage(this.docker, ids, signal));
  }

  async restartContainer(containerId: string, opts: CallOptions = {}): Promise<void> {
    const id = containerIdSchema.parse(containerId);
    const inspect = await engineCall(this.scope(opts, id, 'action'), (signal) => this.inspect(id, signal));
    const stopSeconds = inspect.Config.StopTimeout && inspect.Config.StopTimeout > 0 ? inspect.Config.StopTimeout : 10;
    const scope = { ...this.scope(opts, id, 'action'), timeoutMs: this.actionTimeoutMs + stopSeconds * 1000 };
    await engineCall(scope, (abortSignal) => this.docker.getContainer(id).restart({ abortSignal }));
  }

  async pull(image: string, opts: CallOptions = {}): Promise<void> {
    const ref = imageReferenceSchema.parse(image);
    const scope = { ...this.scope(opts, undefined, 'action'), timeoutMs: this.actionTimeoutMs + this.pullTimeoutMs };
    await engineCall(scope, (signal) => pullImage(this.docker, ref, signal));
  }

  async replace(containerId: string, image: string, opts: CallOptions = {}): Promise<Replacement> {
    return this.replacer.replace(containerIdSchema.parse(containerId), imageReferenceSchema.parse(image), opts);
  }

  async waitHealthy(containerId: string, wait: HealthWait, opts: CallOptions = {}): Promise<HealthOutcome> {
    const id = containerIdSchema.parse(containerId);
    const checked = healthWaitSchema.parse(wait);
    const podman = (await this.kind(opts, 'action')) === 'podman';
    // Part of a deploy: a slow poll must not fail it (the health wait has its own overall deadline).
    const call = <T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> => engineCall(this.scope(opts, id, 'action'), run);
    return waitForHealth(
      {
        inspect: () => call(async (signal) => (await this.inspect(id, signal)) as unknown as HealthProbeState),
        ...(podman ? { runCheck: () => call((signal) => runPodmanHealthcheck(this.docker, id, signal)) } : {}),
        now: () => Date.now(),
        sleep: (ms) => sleep(ms, opts.signal),
      },
      checked,
    );
  }

  async finalize(replacement: Replacement, opts: CallOptions = {}): Promise<void> {
    await this.replacer.finalize(replacement, opts);
  }

  async revert(replacement: Replacement, opts: CallOptions = {}): Promise<void> {
    await this.replacer.revert(replacement, opts);
  }

  async pendingReplacements(opts: CallOptions = {}): Promise<Replacement[]> {
    return this.replacer.pending(opts);
  }

  private bound(): ReplacementEngine {
    return {
      pull: (image) => this.pull(image),
      replace: (container, image) => this.replace(container, image),
      waitHealthy: (container, wait) => this.waitHealthy(container, wait),
      finalize: (r) => this.finalize(r),
      revert: (r) => this.revert(r),
      pendingReplacements: () => this.pendingReplacements(),
      restartContainer: (container) => this.restartContainer(container),
    };
  }

  /** Docker Engine or Podman, asked once per runtime (a failed probe is asked again next time). */
  private kind(opts: CallOptions, timing: Timing): Promise<EngineKind> {
    this.engineKind ??= engineCall(this.scope(opts, undefined, timing), (signal) => detectEngineKind(this.docker, signal)).catch((error: unknown) => {
      this.engineKind = undefined;
      throw error;
    });
    return this.engineKind;
  }

  private engineAccess(): EngineAccess {
    return {
      docker: this.docker,
      pullTimeoutMs: this.pullTimeoutMs,
      kind: (opts) => this.kind(opts, 'action'),
      call: (opts, { containerId, extraMs, query }, run) => {
        const scope = this.scope(opts, containerId, query ? 'query' : 'action');
        return engineCall({ ...scope, timeoutMs: scope.timeoutMs + (extraMs ?? 0) }, run);
      },
    };
  }

  private scope(opts: CallOptions, containerId?: string, timing: Timing = 'query'): CallScope {
    const timeoutMs = timing === 'action' ? this.actionTimeoutMs : this.timeoutMs;
    const scope: CallScope = { host: this.host, timeoutMs, signal: opts.signal };
    if (containerId !== undefined) scope.containerId = containerId;
    return scope;
  }

  private async inspect(id: string, signal: AbortSignal): Promise<ContainerInspect> {
    return (await this.docker.getContainer(id).inspect({ abortSignal: signal })) as ContainerInspect;
  }

  /** Inspects a listed container; one removed since the list call is skipped. */
  private async inspectIfPresent(id: string, signal: AbortSignal): Promise<ContainerInfo | null> {
    try {
      return toContainerInfo(await this.inspect(id, signal));
    } catch (error) {
      if ((error as { statusCode?: unknown }).statusCode === 404) return null;
      throw error;
    }
  }

  /**
   * Reads the logs as a byte stream. dockerode's buffered mode JSON-parses the body when it can, which
   * would turn a TTY container's single JSON log line into an object, so the stream is collected here.
   */
  private readLogs(id: string, query: z.infer<typeof logQuerySchema>, signal: AbortSignal): Promise<{ payload: Buffer; cut: boolean }> {
    // The engine takes `tail` from the end of the whole log before since/until: with an end, the range is
    // read from its start (a moment ± a window), at most rangeLogLimitBytes of it, and its last lines kept here.
    const options: Record<string, unknown> = { stdout: true, stderr: true, follow: false, tail: query.until ? 'all' : query.tail };
    if (query.since) options.since = Math.floor(query.since.getTime() / 1000);
    if (query.until) options.until = Math.ceil(query.until.getTime() / 1000);
    if (query.timestamps) options.timestamps = true;
    return new Promise((resolve, reject) => {
      this.docker.modem.dial(
        {
          path: `/containers/${encodeURIComponent(id)}/logs?`,
          method: 'GET',
          isStream: true,
          abortSignal: signal,
          statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
          options,
        },
        (error, response) => {
          if (error) reject(error);
          else collect(response as IncomingMessage, signal, query.until ? this.rangeLogLimitBytes : Infinity).then(resolve, reject);
        },
      );
    });
  }
}

/** Waits `ms`, or rejects with the signal's reason once it aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The response's body, at most `limit` bytes of it (`cut` when there was more: the rest is not read). */
async function collect(response: IncomingMessage, signal: AbortSignal, limit: number): Promise<{ payload: Buffer; cut: boolean }> {
  const onAbort = (): void => {
    response.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response) {
      const buffer = chunk as Buffer;
      if (size + buffer.length > limit) {
        chunks.push(buffer.subarray(0, limit - size));
        response.destroy();
        return { payload: Buffer.concat(chunks), cut: true };
      }
      chunks.push(buffer);
      size += buffer.length;
    }
    return { payload: Buffer.concat(chunks), cut: false };
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
