import { z } from 'zod';
import { cutLine, inRange, RANGE_READ_LIMIT_BYTES, withTimestamp } from '../log-timestamps.js';
import type { ContainerSelector } from '../../core/domain/catalog.js';
import { silentLogger, type Logger } from '../../core/ports/logger.port.js';
import {
  HostUnreachableError,
  type CallOptions,
  type ContainerInfo,
  type InterruptedTarget,
  type LogLine,
  type LogQuery,
  type PrepareResult,
  type ProgressSink,
  type RecoveryResult,
  type RestartRequest,
  type RolloutRequest,
  type RolloutResult,
  type Runtime,
  type RuntimeActionResult,
  type UnitUsage,
} from '../../core/ports/runtime.port.js';
import { connect, type ClusterAccess, type Json, type KubeApi, type PatchType } from './kube-client.js';
import { kubeCall, KubernetesApiError, KubernetesNotFoundError, KubernetesRefusedError, type CallWhat } from './kube-call.js';
import { containerEnv } from './pod-env.js';
import { claimsOf, claimSizes, toUsage, type UnitPods } from './pod-usage.js';
import { parseUnit, parseWorkloadRef, unitName, WORKLOAD_KINDS, type WorkloadKind, type WorkloadRef } from './workload-ref.js';
import {
  boundContainer,
  describeWorkload,
  podSelector,
  podSummary,
  RESTARTED_AT_ANNOTATION,
  REVISION_ANNOTATION,
  revisionOf,
  toUnitInfo,
  UNDO_ANNOTATION,
  type PodObject,
  type PodSummary,
  type PodTemplate,
  type WorkloadObject,
  type WorkloadStatus,
} from './workload.js';
import { checkAll, recoverUnits, restartWorkloads, rolloutWorkloads, type WorkloadEngine } from './workload-rollout.js';
import { waitForRollout, type RolloutWait, type WaitOutcome } from './rollout-wait.js';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_ACTION_TIMEOUT_MS = 30_000;
/** How often a rollout being watched is looked at again when no watch event came. */
export const DEFAULT_POLL_MS = 2_000;
/** How long start-up recovery waits for each undo to complete. */
export const DEFAULT_RECOVER_WAIT_MS = 300_000;

const PLURAL: Record<WorkloadKind, string> = { deployment: 'deployments', statefulset: 'statefulsets', daemonset: 'daemonsets' };

const logQuerySchema = z.object({
  tail: z.number().int().nonnegative(),
  since: z.date().refine((d) => !Number.isNaN(d.getTime()), 'since must be a valid date').optional(),
  until: z.date().refine((d) => !Number.isNaN(d.getTime()), 'until must be a valid date').optional(),
  timestamps: z.boolean().optional(),
  previous: z.boolean().optional(),
});


/**
 * With timestamps, each line carries its time and its pod (`replica`) instead of a `[pod]` prefix in the
 * text, and the pods' lines come in time order, so callers can merge them with other services' lines.
 */
function timedLines(texts: { pod: { name: string }; previous: boolean; text: string | null; note: string }[], q: z.infer<typeof logQuerySchema>): LogLine[] {
  const out: LogLine[] = [];
  for (const { pod, previous, text, note } of texts) {
    const replica = previous ? `${pod.name} (previous)` : pod.name;
    if (text === null) {
      out.push({ stream: 'stdout', text: `(${note})`, replica });
      continue;
    }
    // A log that filled limitBytes was cut inside its last line: that line is left out and the cut said.
    const cut = q.until !== undefined && Buffer.byteLength(text) >= RANGE_READ_LIMIT_BYTES;
    const lines: LogLine[] = (cut ? text.slice(0, text.lastIndexOf('\n') + 1) : text)
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => ({ ...withTimestamp({ stream: 'stdout', text: l }), replica }));
    out.push(...inRange(lines, q));
    // The API has no end time, so the read runs past `until`: it missed lines of the window only when its
    // last line is still before the window's end.
    const lastAt = lines.findLast((l) => l.at !== undefined)?.at;
    const missed = cut && q.until !== undefined && (lastAt === undefined || lastAt.getTime() < q.until.getTime());
    const marker = missed ? cutLine(lines, RANGE_READ_LIMIT_BYTES, replica) : undefined;
    if (marker) out.push(marker);
  }
  // Stable: lines of one time keep the pods' order.
  return out.sort((a, b) => (a.at?.getTime() ?? 0) - (b.at?.getTime() ?? 0));
}

/** A log query; `previous` reads the previous (crashed) container's log of every pod. */
export type KubernetesLogQuery = LogQuery;

export interface KubernetesRuntimeOptions {
  /** Namespace of workloads named without one, and of label selectors (default `default`). */
  namespace?: string;
  /** Deadline of each query call (default 10 s). */
  timeoutMs?: number;
  /** Deadline of each call of an action (default 30 s). */
  actionTimeoutMs?: number;
  pollMs?: number;
  recoverWaitMs?: number;
  logger?: Logger;
  /** Builds the API access (default: @kubernetes/client-node, loaded on first use). */
  connect?: (access: ClusterAccess) => Promise<KubeApi>;
  now?: () => Date;
}

type Timing = 'query' | 'action';

/**
 * The Runtime port on one Kubernetes cluster. A unit is a workload (see workload-ref.ts): find reads it
 * and its pods, logs reads every pod's log, env the pod template's environment. A rollout patches the
 * bound container's image one workload at a time and watches each rollout to completion; one that
 * crash-loops, cannot pull or passes its progress deadline is undone the way `kubectl rollout undo` does
 * it. Until the caller commits, each rolled-out workload carries the revision to go back to
 * (UNDO_ANNOTATION), which `undo` and start-up `recover` use; `commit` removes it.
 */
export class KubernetesRuntime implements Runtime, WorkloadEngine {
  readonly namespace: string;
  private readonly timeoutMs: number;
  private readonly actionTimeoutMs: number;
  private readonly pollMs: number;
  private readonly recoverWaitMs: number;
  private readonly log: Logger;
  private readonly now: () => Date;
  private client: Promise<KubeApi> | undefined;
  readonly unitNoun = 'workload';

  constructor(
    readonly host: string,
    private readonly access: ClusterAccess,
    private readonly options: KubernetesRuntimeOptions = {},
  ) {
    this.namespace = options.namespace ?? 'default';
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.actionTimeoutMs = options.actionTimeoutMs ?? Math.max(DEFAULT_ACTION_TIMEOUT_MS, this.timeoutMs);
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.recoverWaitMs = options.recoverWaitMs ?? DEFAULT_RECOVER_WAIT_MS;
    this.log = (options.logger ?? silentLogger).child({ host });
    this.now = options.now ?? (() => new Date());
  }

  // ── The port ────────────────────────────────────────────────────────────────────────────────

  async ping(opts: CallOptions = {}): Promise<void> {
    await this.call('query', opts, { verb: 'get', resource: 'version' }, (api, signal) => api.version(signal));
  }

  async find(selectors: ContainerSelector[], opts: CallOptions = {}): Promise<ContainerInfo[][]> {
    return Promise.all(selectors.map((s) => this.findOne(s, opts)));
  }

  async logs(unitId: string, query: KubernetesLogQuery, opts: CallOptions = {}): Promise<LogLine[]> {
    const ref = parseUnit(unitId);
    const q = logQuerySchema.parse(query);
    const { pods, container } = await this.podsOf(ref, opts);
    const sinceSeconds = q.since ? Math.max(1, Math.ceil((this.now().getTime() - q.since.getTime()) / 1000)) : undefined;
    const out: LogLine[] = [];
    const sorted = [...pods].sort((a, b) => a.name.localeCompare(b.name));
    const texts = await Promise.all(
      sorted.map(async (pod) => {
        // A pod whose container is down after a crash has no current log worth reading: its previous one says why.
        const previous = q.previous === true || (pod.waiting !== undefined && pod.hasPrevious);
        if (q.previous === true && !pod.hasPrevious) return { pod, previous, text: null as string | null, note: 'no previous container' };
        try {
          // The API has no end time: with one, the pod's log since `since` is read (bounded in bytes) and its
          // last lines before the end kept here.
          const range = q.until ? { limitBytes: RANGE_READ_LIMIT_BYTES } : { tailLines: q.tail };
          const text = await this.call('query', opts, { verb: 'get', resource: 'pods/log', namespace: ref.namespace, name: pod.name }, (api, signal) =>
            api.podLog(ref.namespace, pod.name, container, { ...range, ...(sinceSeconds !== undefined ? { sinceSeconds } : {}), ...(q.timestamps || q.until ? { timestamps: true } : {}), ...(previous ? { previous: true } : {}) }, signal),
          );
          return { pod, previous, text, note: '' };
        } catch (error) {
          // A pod still starting has no log yet (400); anything else is the whole call's failure.
          if (error instanceof KubernetesApiError && error.code === 400) return { pod, previous, text: null, note: error.reason || 'no log yet' };
          throw error;
        }
      }),
    );
    if (q.timestamps || q.until) return timedLines(texts, q);
    const several = sorted.length > 1;
    for (const { pod, previous, text, note } of texts) {
      const prefix = several || previous ? `[${pod.name}${previous ? ', previous' : ''}] ` : '';
      if (text === null) {
        out.push({ stream: 'stdout', text: `${prefix}(${note})` });
        continue;
      }
      for (const line of text.split('\n')) if (line !== '') out.push({ stream: 'stdout', text: `${prefix}${line}` });
    }
    return out;
  }

  async env(unitId: string, opts: CallOptions = {}): Promise<Record<string, string>> {
    const ref = parseUnit(unitId);
    const w = await this.readWorkload(ref, 'query', opts);
    const container = boundContainer(ref, w.spec.template);
    if (container === undefined) throw new KubernetesNotFoundError(this.host, { verb: 'get', resource: 'container', namespace: ref.namespace, name: `${ref.name}/${ref.container ?? ''}` });
    return containerEnv(container, (name) =>
      this.call('query', opts, { verb: 'get', resource: 'configmaps', namespace: ref.namespace, name }, (api, signal) => api.readConfigMap(ref.namespace, name, signal)),
    );
  }

  prepare(request: RolloutRequest, onProgress: ProgressSink): Promise<PrepareResult> {
    return checkAll(this, request, onProgress, this.log);
  }

  rollout(request: RolloutRequest, onProgress: ProgressSink): Promise<RolloutResult> {
    return rolloutWorkloads(this, request, onProgress, this.log);
  }

  restart(request: RestartRequest, onProgress: ProgressSink): Promise<RuntimeActionResult> {
    return restartWorkloads(this, request, onProgress, this.log);
  }

  recover(interrupted: InterruptedTarget[], opts: CallOptions = {}): Promise<RecoveryResult> {
    return recoverUnits(this, interrupted, this.recoverWaitMs, this.log, opts);
  }

  // ── What status shows of a workload ─────────────────────────────────────────────────────────

  /** The workload's replicas, rollout condition, revision, strategy and pods (phase, ready, restarts, node, age, image). */
  async describe(unitId: string, opts: CallOptions = {}): Promise<WorkloadStatus> {
    return this.statusOf(parseUnit(unitId), 'query', opts);
  }

  // ── What the cost sampler reads ─────────────────────────────────────────────────────────────

  /**
   * What each workload uses now, from the metrics API (see pod-usage.ts); workloads gone meanwhile, and
   * ones whose pods have no metrics yet, are left out. A cluster that does not serve the metrics API
   * (no metrics-server: 404), whose metrics-server is down (503) or that refuses Deckhand the metrics
   * (403) gives no readings and is logged once until that changes, so its services show as not measured
   * instead of the sampler failing every fire.
   */
  async usage(unitIds: readonly string[], opts: CallOptions = {}): Promise<UnitUsage[]> {
    const units = (
      await Promise.all(
        unitIds.map(async (unitId) => {
          const ref = parseUnit(unitId);
          try {
            const w = await this.readWorkload(ref, 'query', opts);
            const { owned } = await this.podsOfWorkload(ref, w, 'query', opts);
            const pods = owned.filter((p) => !p.metadata.deletionTimestamp);
            return { unitId, pods, namespace: ref.namespace, selector: podSelector(w), ...(ref.container !== undefined ? { container: ref.container } : {}) };
          } catch (error) {
            if (error instanceof KubernetesNotFoundError) return null;
            throw error;
          }
        }),
      )
    ).filter((u): u is UnitPods & { selector: string } => u !== null);
    if (units.length === 0) return [];
    // Per unit: metrics refused in one namespace (RBAC) or a metrics API away leaves out the units it concerns,
    // not the others; any other failure (an unreachable cluster) fails the sample.
    let refused: { problem: string; error: unknown } | undefined;
    const metrics = await Promise.all(
      units.map(async (u) => {
        try {
          return await this.call('query', opts, { verb: 'list', resource: 'pods.metrics.k8s.io', namespace: u.namespace }, (api, signal) => api.listPodMetrics(u.namespace, u.selector, signal));
        } catch (error) {
          const problem = metricsProblem(error);
          if (problem === undefined) throw error;
          refused ??= { problem, error };
          return [];
        }
      }),
    );
    this.usageProblem(refused?.problem, refused?.error);
    if (metrics.every((m) => m.length === 0) && refused) return [];
    const namespaces = [...new Set(units.filter((u) => u.pods.some((p) => claimsOf(p).length > 0)).map((u) => u.namespace))];
    const claims = new Map<string, number>();
    for (const namespace of namespaces) {
      try {
        const list = await this.call('query', opts, { verb: 'list', resource: 'persistentvolumeclaims', namespace }, (api, signal) => api.listPersistentVolumeClaims(namespace, signal));
        // Claims are named per namespace: the key keeps two namespaces' `data` apart.
        for (const [name, bytes] of claimSizes(list, this.log)) claims.set(`${namespace}/${name}`, bytes);
      } catch (error) {
        if (!(error instanceof KubernetesRefusedError)) throw error;
        this.warnOnce(`claims:${namespace}`, { namespace }, 'Deckhand may not list persistentvolumeclaims here (RBAC): disk is not counted for its workloads');
      }
    }
    return toUsage(units, metrics.flat(), claims, this.now(), this.log);
  }

  private lastUsageProblem: string | undefined;
  private readonly warned = new Set<string>();

  /** Logs why usage cannot be read, once until the reason changes; `undefined`: it can be read again. */
  private usageProblem(problem: string | undefined, error?: unknown): void {
    if (problem === this.lastUsageProblem) return;
    if (problem === undefined) this.log.info({}, 'usage readable again from the metrics API');
    else this.log.warn({ err: error }, `usage not measured: ${problem}`);
    this.lastUsageProblem = problem;
  }

  private warnOnce(key: string, fields: Record<string, unknown>, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.log.warn(fields, message);
  }

  // ── The engine the rollout steps use ────────────────────────────────────────────────────────

  async statusOf(ref: WorkloadRef, timing: Timing, opts: CallOptions = {}): Promise<WorkloadStatus> {
    const w = await this.readWorkload(ref, timing, opts);
    const { pods, newPods, revision } = await this.podsOfWorkload(ref, w, timing, opts);
    return describeWorkload(ref, w, pods, newPods, revision);
  }

  /** Checks the image patch with a server-side dry run: the workload is there, Deckhand may patch it, admission accepts it. */
  async checkPatch(ref: WorkloadRef, image: string): Promise<void> {
    const w = await this.readWorkload(ref, 'action');
    const container = this.containerOf(ref, w);
    await this.patch(ref, imagePatch(container, image, '0'), 'application/strategic-merge-patch+json', true);
  }

  /**
   * Starts the rollout of one workload to `image` and returns the revision to go back to, which the
   * workload keeps (UNDO_ANNOTATION) until commit or undo. When `image` is what the previous revision ran,
   * this is a rollback: the previous revision's whole pod template comes back, as `kubectl rollout undo`.
   */
  async beginRollout(ref: WorkloadRef, image: string): Promise<{ from: string; via: 'patch' | 'undo' }> {
    const w = await this.observed(ref);
    const container = this.containerOf(ref, w);
    const from = await this.currentRevision(ref, w);
    const previous = await this.previousRevision(ref, w);
    if (previous !== null && previous.image === image && container.image !== image) {
      await this.patch(ref, { metadata: { annotations: { [UNDO_ANNOTATION]: from } } }, 'application/merge-patch+json');
      await this.restoreTemplate(ref, w, previous.revision, false);
      return { from, via: 'undo' };
    }
    await this.patch(ref, imagePatch(container, image, from), 'application/strategic-merge-patch+json');
    return { from, via: 'patch' };
  }

  /**
   * The workload once its controller has seen its latest change (observedGeneration), so the revision
   * read is the one running, not the one before a change made just now; after actionTimeoutMs, as it is.
   */
  private async observed(ref: WorkloadRef): Promise<WorkloadObject> {
    const deadline = Date.now() + this.actionTimeoutMs;
    for (;;) {
      const w = await this.readWorkload(ref, 'action');
      if ((w.metadata.generation ?? 0) <= (w.status?.observedGeneration ?? 0) || Date.now() >= deadline) return w;
      await new Promise((resolve) => setTimeout(resolve, Math.min(200, this.pollMs)));
    }
  }

  /**
   * Brings the workload back to revision `revision` (`kubectl rollout undo --to-revision`) and drops the
   * mark. The template is put back even when the revision number still reads `revision`: the controller
   * may not have seen the change being undone yet (and an identical template changes nothing).
   */
  async undoTo(ref: WorkloadRef, revision: string): Promise<void> {
    const w = await this.readWorkload(ref, 'action');
    await this.restoreTemplate(ref, w, revision, true);
  }

  /** The revision to go back to, when a rollout of this workload is neither committed nor undone. */
  async pendingUndo(ref: WorkloadRef, opts: CallOptions = {}): Promise<string | null> {
    try {
      const w = await this.readWorkload(ref, 'action', opts);
      return w.metadata.annotations?.[UNDO_ANNOTATION] ?? null;
    } catch (error) {
      if (error instanceof KubernetesNotFoundError) return null;
      throw error;
    }
  }

  async clearMark(ref: WorkloadRef): Promise<void> {
    await this.patch(ref, { metadata: { annotations: { [UNDO_ANNOTATION]: null } } }, 'application/merge-patch+json');
  }

  /** `kubectl rollout restart`: a new restartedAt annotation on the pod template. */
  async restartWorkload(ref: WorkloadRef): Promise<void> {
    const patch = { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: this.now().toISOString() } } } } };
    await this.patch(ref, patch, 'application/strategic-merge-patch+json');
  }

  /** Watches the workload's rollout until it completes, fails or `timeoutMs` passes. */
  waitRollout(ref: WorkloadRef, timeoutMs: number, onProgress: (text: string) => Promise<void>, signal?: AbortSignal): Promise<WaitOutcome> {
    const wait: RolloutWait = {
      status: () => this.statusOf(ref, 'action'),
      watch: async (resourceVersion, onEvent, onDone) => {
        const api = await this.api();
        return api.watchWorkload(ref.kind, ref.namespace, ref.name, resourceVersion, onEvent, onDone);
      },
      resourceVersion: () => this.lastResourceVersion.get(unitName(ref)) ?? '',
      pollMs: this.pollMs,
      timeoutMs,
      onProgress,
      log: this.log,
      ...(signal ? { signal } : {}),
    };
    return waitForRollout(wait);
  }

  // ── Internals ───────────────────────────────────────────────────────────────────────────────

  private readonly lastResourceVersion = new Map<string, string>();

  private api(): Promise<KubeApi> {
    this.client ??= (this.options.connect ?? connect)(this.access).catch((error: unknown) => {
      this.client = undefined;
      this.log.warn({ err: error }, 'cannot load the cluster configuration');
      throw new HostUnreachableError(this.host, `cannot load its configuration (${error instanceof Error ? error.message.split('\n')[0] : 'unknown error'})`);
    });
    return this.client;
  }

  private async call<T>(timing: Timing, opts: CallOptions, what: CallWhat, run: (api: KubeApi, signal: AbortSignal) => Promise<T>): Promise<T> {
    const api = await this.api();
    const timeoutMs = timing === 'action' ? this.actionTimeoutMs : this.timeoutMs;
    return kubeCall({ host: this.host, timeoutMs, signal: opts.signal }, what, (signal) => run(api, signal));
  }

  private async findOne(selector: ContainerSelector, opts: CallOptions): Promise<ContainerInfo[]> {
    let refs: { ref: WorkloadRef; w: WorkloadObject }[];
    if (selector.name !== undefined) {
      const ref = parseWorkloadRef(selector.name, this.namespace);
      if (ref === null) return [];
      try {
        refs = [{ ref, w: await this.readWorkload(ref, 'query', opts) }];
      } catch (error) {
        if (error instanceof KubernetesNotFoundError) return [];
        throw error;
      }
      const labels = refs[0]!.w.metadata.labels ?? {};
      if (!Object.entries(selector.labels ?? {}).every(([k, v]) => labels[k] === v)) return [];
    } else {
      const labelSelector = Object.entries(selector.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
      if (labelSelector === '') return [];
      const lists = await Promise.all(
        WORKLOAD_KINDS.map(async (kind) =>
          (await this.call('query', opts, { verb: 'list', resource: PLURAL[kind], namespace: this.namespace }, (api, signal) => api.listWorkloads(kind, this.namespace, labelSelector, signal))).map(
            (w) => ({ ref: { kind, namespace: this.namespace, name: (w as unknown as WorkloadObject).metadata.name }, w: w as unknown as WorkloadObject }),
          ),
        ),
      );
      refs = lists.flat();
    }
    const infos = await Promise.all(
      refs.map(async ({ ref, w }) => {
        this.remember(ref, w);
        const { pods, newPods, revision } = await this.podsOfWorkload(ref, w, 'query', opts);
        return toUnitInfo(describeWorkload(ref, w, pods, newPods, revision), w.metadata.labels ?? {});
      }),
    );
    return infos.sort((a, b) => a.name.localeCompare(b.name));
  }

  private remember(ref: WorkloadRef, w: WorkloadObject): void {
    if (w.metadata.resourceVersion) this.lastResourceVersion.set(unitName(ref), w.metadata.resourceVersion);
  }

  private async readWorkload(ref: WorkloadRef, timing: Timing, opts: CallOptions = {}): Promise<WorkloadObject> {
    const w = (await this.call(timing, opts, { verb: 'get', resource: PLURAL[ref.kind], namespace: ref.namespace, name: ref.name }, (api, signal) =>
      api.readWorkload(ref.kind, ref.namespace, ref.name, signal),
    )) as unknown as WorkloadObject;
    this.remember(ref, w);
    return w;
  }

  private containerOf(ref: WorkloadRef, w: WorkloadObject) {
    const container = boundContainer(ref, w.spec.template);
    if (container === undefined) throw new KubernetesNotFoundError(this.host, { verb: 'get', resource: 'container', namespace: ref.namespace, name: `${ref.name}/${ref.container ?? '(first)'}` });
    return container;
  }

  private async patch(ref: WorkloadRef, body: unknown, type: PatchType, dryRun = false): Promise<WorkloadObject> {
    const w = (await this.call('action', {}, { verb: 'patch', resource: PLURAL[ref.kind], namespace: ref.namespace, name: ref.name }, (api, signal) =>
      api.patchWorkload(ref.kind, ref.namespace, ref.name, body, type, dryRun, signal),
    )) as unknown as WorkloadObject;
    if (!dryRun) this.remember(ref, w);
    return w;
  }

  private async podsOf(ref: WorkloadRef, opts: CallOptions): Promise<{ pods: PodSummary[]; container: string }> {
    const w = await this.readWorkload(ref, 'query', opts);
    const container = this.containerOf(ref, w).name;
    return { pods: (await this.podsOfWorkload(ref, w, 'query', opts)).pods, container };
  }

  /** The workload's pods (owned by it or its ReplicaSets) and, among them, those of the revision being rolled out. */
  private async podsOfWorkload(ref: WorkloadRef, w: WorkloadObject, timing: Timing, opts: CallOptions): Promise<{ pods: PodSummary[]; newPods: PodSummary[]; owned: PodObject[]; revision?: string }> {
    const selector = podSelector(w);
    let revision: string | undefined;
    const container = boundContainer(ref, w.spec.template)?.name ?? '';
    const [podList, sets, revisions] = await Promise.all([
      this.call(timing, opts, { verb: 'list', resource: 'pods', namespace: ref.namespace }, (api, signal) => api.listPods(ref.namespace, selector, signal)),
      ref.kind === 'deployment' ? this.replicaSets(ref, w, timing, opts) : Promise.resolve([]),
      ref.kind === 'daemonset' ? this.controllerRevisions(ref, w, timing, opts) : Promise.resolve([]),
    ]);
    const raw = podList as unknown as PodObject[];
    let owned: PodObject[];
    let fresh: PodObject[];
    if (ref.kind === 'deployment') {
      const names = new Set(sets.map((s) => s.metadata.name));
      owned = raw.filter((p) => p.metadata.ownerReferences?.some((o) => o.kind === 'ReplicaSet' && names.has(o.name)));
      const current = sets.find((s) => s.metadata.annotations?.[REVISION_ANNOTATION] === revisionOf('deployment', w));
      fresh = current ? owned.filter((p) => p.metadata.ownerReferences?.some((o) => o.name === current.metadata.name)) : [];
    } else if (ref.kind === 'statefulset') {
      owned = raw.filter((p) => p.metadata.ownerReferences?.some((o) => o.uid === w.metadata.uid));
      // A StatefulSet's pods carry the whole ControllerRevision name.
      const update = w.status?.updateRevision;
      fresh = update ? owned.filter((p) => p.metadata.labels?.['controller-revision-hash'] === update) : [];
    } else {
      owned = raw.filter((p) => p.metadata.ownerReferences?.some((o) => o.uid === w.metadata.uid));
      // A DaemonSet's pods carry the newest ControllerRevision's hash (its name after `<daemonset>-`).
      const newest = revisions.at(-1);
      const hash = newest?.metadata.labels?.['controller-revision-hash'] ?? newest?.metadata.name.slice(w.metadata.name.length + 1);
      fresh = hash ? owned.filter((p) => p.metadata.labels?.['controller-revision-hash'] === hash) : [];
      revision = newest?.metadata.name;
    }
    const summary = (p: PodObject) => podSummary(p, container);
    return { pods: owned.map(summary), newPods: fresh.map(summary), owned, ...(revision !== undefined ? { revision } : {}) };
  }

  private async replicaSets(ref: WorkloadRef, w: WorkloadObject, timing: Timing, opts: CallOptions = {}): Promise<ReplicaSetObject[]> {
    const list = (await this.call(timing, opts, { verb: 'list', resource: 'replicasets', namespace: ref.namespace }, (api, signal) =>
      api.listReplicaSets(ref.namespace, podSelector(w), signal),
    )) as unknown as ReplicaSetObject[];
    return list.filter((s) => s.metadata.ownerReferences?.some((o) => o.uid === w.metadata.uid));
  }

  private async controllerRevisions(ref: WorkloadRef, w: WorkloadObject, timing: Timing = 'action', opts: CallOptions = {}): Promise<ControllerRevisionObject[]> {
    const list = (await this.call(timing, opts, { verb: 'list', resource: 'controllerrevisions', namespace: ref.namespace }, (api, signal) =>
      api.listControllerRevisions(ref.namespace, podSelector(w), signal),
    )) as unknown as ControllerRevisionObject[];
    return list.filter((r) => r.metadata.ownerReferences?.some((o) => o.uid === w.metadata.uid)).sort((a, b) => a.revision - b.revision);
  }

  /** Deployment revision number; the newest ControllerRevision's name for a StatefulSet or DaemonSet. */
  private async currentRevision(ref: WorkloadRef, w: WorkloadObject): Promise<string> {
    if (ref.kind === 'deployment') return revisionOf('deployment', w);
    if (ref.kind === 'statefulset' && w.status?.updateRevision) return w.status.updateRevision;
    return (await this.controllerRevisions(ref, w)).at(-1)?.metadata.name ?? '';
  }

  /** The revision before the current one, with the bound container's image in it (what `rollout undo` goes back to). */
  private async previousRevision(ref: WorkloadRef, w: WorkloadObject): Promise<{ revision: string; image: string | undefined } | null> {
    if (ref.kind === 'deployment') {
      const current = Number(revisionOf('deployment', w));
      const older = (await this.replicaSets(ref, w, 'action'))
        .map((s) => ({ s, rev: Number(s.metadata.annotations?.[REVISION_ANNOTATION]) }))
        .filter((x) => Number.isFinite(x.rev) && x.rev < current)
        .sort((a, b) => b.rev - a.rev)[0];
      return older ? { revision: String(older.rev), image: boundContainer(ref, older.s.spec.template)?.image } : null;
    }
    const revisions = await this.controllerRevisions(ref, w);
    const current = await this.currentRevision(ref, w);
    const older = revisions.filter((r) => r.metadata.name !== current).at(-1);
    return older ? { revision: older.metadata.name, image: boundContainer(ref, (older.data as { spec?: { template?: PodTemplate } }).spec?.template ?? {})?.image } : null;
  }

  /**
   * Puts revision `revision`'s pod template back, as `kubectl rollout undo` does: a Deployment gets the
   * template of the ReplicaSet with that revision (without its pod-template-hash label); a StatefulSet or
   * DaemonSet gets its ControllerRevision's data patched in. `clear` also drops the rollout mark.
   */
  private async restoreTemplate(ref: WorkloadRef, w: WorkloadObject, revision: string, clear: boolean): Promise<void> {
    const mark = clear && w.metadata.annotations?.[UNDO_ANNOTATION] !== undefined;
    if (ref.kind === 'deployment') {
      const set = (await this.replicaSets(ref, w, 'action')).find((s) => s.metadata.annotations?.[REVISION_ANNOTATION] === revision);
      if (set === undefined) throw new KubernetesNotFoundError(this.host, { verb: 'get', resource: 'replicasets', namespace: ref.namespace, name: `revision ${revision} of ${ref.name}` });
      const template = structuredClone(set.spec.template);
      if (template.metadata?.labels) delete template.metadata.labels['pod-template-hash'];
      const ops: unknown[] = [{ op: 'replace', path: '/spec/template', value: template }];
      if (mark) ops.push({ op: 'remove', path: `/metadata/annotations/${UNDO_ANNOTATION.replace('~', '~0').replace('/', '~1')}` });
      await this.patch(ref, ops, 'application/json-patch+json');
      return;
    }
    const cr = (await this.controllerRevisions(ref, w)).find((r) => r.metadata.name === revision);
    if (cr === undefined) throw new KubernetesNotFoundError(this.host, { verb: 'get', resource: 'controllerrevisions', namespace: ref.namespace, name: revision });
    const data = structuredClone(cr.data) as Json;
    const patch = mark ? { ...data, metadata: { annotations: { [UNDO_ANNOTATION]: null } } } : data;
    await this.patch(ref, patch, 'application/strategic-merge-patch+json');
    if (ref.kind === 'statefulset') await this.deleteBrokenPods(ref, w, revision);
  }

  /**
   * A StatefulSet (OrderedReady) waits for a broken pod to get ready before it replaces it, even once its
   * template is back: its documented known issue. So the pods of the undone revision that are not ready
   * are deleted, and the controller recreates them from the restored template.
   */
  private async deleteBrokenPods(ref: WorkloadRef, w: WorkloadObject, revision: string): Promise<void> {
    const pods = (await this.call('action', {}, { verb: 'list', resource: 'pods', namespace: ref.namespace }, (api, signal) => api.listPods(ref.namespace, podSelector(w), signal))) as unknown as PodObject[];
    const container = boundContainer(ref, w.spec.template)?.name ?? '';
    const broken = pods.filter(
      (p) => p.metadata.ownerReferences?.some((o) => o.uid === w.metadata.uid) && p.metadata.labels?.['controller-revision-hash'] !== revision && !podSummary(p, container).ready,
    );
    for (const p of broken) {
      await this.call('action', {}, { verb: 'delete', resource: 'pods', namespace: ref.namespace, name: p.metadata.name }, (api, signal) => api.deletePod(ref.namespace, p.metadata.name, signal));
    }
  }
}

interface ReplicaSetObject {
  metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string>; ownerReferences?: { uid: string }[] };
  spec: { template: PodTemplate };
}

interface ControllerRevisionObject {
  metadata: { name: string; labels?: Record<string, string>; ownerReferences?: { uid: string }[] };
  revision: number;
  data: unknown;
}

/** A strategic merge patch of the bound container's image (containers merge by name), marking the revision to go back to. */
function imagePatch(container: { name: string }, image: string, from: string): Json {
  return { metadata: { annotations: { [UNDO_ANNOTATION]: from } }, spec: { template: { spec: { containers: [{ name: container.name, image }] } } } };
}

/** Why the metrics API gives no readings, when that is the cluster's setup rather than a failure of the call. */
function metricsProblem(error: unknown): string | undefined {
  if (error instanceof KubernetesNotFoundError) return 'the cluster does not serve the metrics API (metrics.k8s.io): install metrics-server';
  if (error instanceof KubernetesRefusedError) return 'Deckhand may not list pods in metrics.k8s.io (RBAC): grant it list on pods.metrics.k8s.io';
  if (error instanceof KubernetesApiError && error.code === 503) return 'the metrics API did not answer (503): metrics-server is not running';
  return undefined;
}
