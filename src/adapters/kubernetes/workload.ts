import type { ContainerInfo, ContainerState, HealthState, UnitDetails } from '../../core/ports/runtime.port.js';
import type { Json } from './kube-client.js';
import { selectorText, unitName, type WorkloadKind, type WorkloadRef } from './workload-ref.js';

/**
 * A workload (Deployment, StatefulSet, DaemonSet) and its pods as the runtime reads them: replica counts,
 * rollout conditions, the bound container, and whether a rollout is complete, still going or failed (the
 * way `kubectl rollout status` decides it, plus pods of the new revision that crash-loop or cannot pull).
 */

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';
/** Set on a workload while a Deckhand rollout is neither committed nor undone: the revision to go back to. */
export const UNDO_ANNOTATION = 'deckhand.io/undo-revision';

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface ContainerSpec {
  name: string;
  image?: string;
  env?: { name: string; value?: string; valueFrom?: Json }[];
  envFrom?: { prefix?: string; configMapRef?: { name: string; optional?: boolean }; secretRef?: { name: string } }[];
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { containers?: ContainerSpec[] };
}

export interface WorkloadObject {
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string; generation?: number; labels?: Record<string, string>; annotations?: Record<string, string>; creationTimestamp?: string };
  spec: {
    replicas?: number;
    paused?: boolean;
    progressDeadlineSeconds?: number;
    selector?: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
    template: PodTemplate;
    strategy?: { type?: string; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } };
    updateStrategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string; partition?: number } };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
    numberReady?: number;
    conditions?: Condition[];
  };
}

export interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  image?: string;
  imageID?: string;
  state?: { running?: { startedAt?: string }; waiting?: { reason?: string; message?: string }; terminated?: { reason?: string; exitCode?: number } };
  lastState?: { terminated?: { reason?: string; exitCode?: number; finishedAt?: string } };
}

export interface PodObject {
  metadata: { name: string; labels?: Record<string, string>; creationTimestamp?: string; deletionTimestamp?: string; ownerReferences?: { kind: string; name: string; uid: string }[] };
  spec?: { nodeName?: string; containers?: ContainerSpec[]; volumes?: { name: string; persistentVolumeClaim?: { claimName?: string } }[] };
  status?: { phase?: string; startTime?: string; conditions?: (Condition & { lastTransitionTime?: string })[]; containerStatuses?: ContainerStatus[] };
}

/** One pod as `status` describes it. */
export interface PodSummary {
  name: string;
  phase: string;
  ready: boolean;
  restarts: number;
  node: string;
  startedAt: Date | null;
  image: string;
  /** Why the bound container is not running (`CrashLoopBackOff`, `ImagePullBackOff`…), when it is not. */
  waiting?: string;
  /** The bound container ended at least once: its previous log is there (`logs --previous`). */
  hasPrevious: boolean;
  /**
   * The pod was ready and lost it while its container kept running (its readiness probe fails): the
   * Ready condition turned False after the container started. A pod still starting never was ready.
   */
  lostReadiness: boolean;
}

/** What `status` says of a workload: replicas, rollout condition, current revision, its pods. */
export interface WorkloadStatus {
  unit: string;
  kind: WorkloadKind;
  namespace: string;
  name: string;
  container: string;
  image: string;
  desired: number;
  ready: number;
  updated: number;
  available: number;
  /** `RollingUpdate maxSurge 25% maxUnavailable 25%`, `OnDelete`… */
  strategy: string;
  /** The Progressing / ReplicaFailure conditions (Deployments), as `Progressing=True (NewReplicaSetAvailable)`. */
  conditions: string[];
  /** Deployment revision number, or the StatefulSet/DaemonSet ControllerRevision name. */
  revision: string;
  rollout: RolloutState;
  pods: PodSummary[];
}

export type RolloutState = { done: true } | { done: false; failed?: false; waiting: string } | { done: false; failed: true; reason: string };

/** The container of the template the service is bound to (its name, else the first). */
export function boundContainer(ref: WorkloadRef, template: PodTemplate): ContainerSpec | undefined {
  const containers = template.spec?.containers ?? [];
  return ref.container !== undefined ? containers.find((c) => c.name === ref.container) : containers[0];
}

export const podSelector = (w: WorkloadObject): string => selectorText(w.spec.selector);

export function desiredOf(kind: WorkloadKind, w: WorkloadObject): number {
  return kind === 'daemonset' ? (w.status?.desiredNumberScheduled ?? 0) : (w.spec.replicas ?? 1);
}

/** Deployment revision (`3`), or the ControllerRevision a StatefulSet/DaemonSet is being brought to. */
export function revisionOf(kind: WorkloadKind, w: WorkloadObject): string {
  if (kind === 'deployment') return w.metadata.annotations?.[REVISION_ANNOTATION] ?? '';
  return w.status?.updateRevision ?? w.status?.currentRevision ?? '';
}

function strategyOf(kind: WorkloadKind, w: WorkloadObject): string {
  if (kind === 'deployment') {
    const s = w.spec.strategy;
    if (s?.type === 'Recreate') return 'Recreate';
    return `RollingUpdate maxSurge ${s?.rollingUpdate?.maxSurge ?? '25%'} maxUnavailable ${s?.rollingUpdate?.maxUnavailable ?? '25%'}`;
  }
  const s = w.spec.updateStrategy;
  if (s?.type === 'OnDelete') return 'OnDelete';
  const partition = s?.rollingUpdate?.partition ? ` partition ${s.rollingUpdate.partition}` : '';
  return `RollingUpdate maxUnavailable ${s?.rollingUpdate?.maxUnavailable ?? 1}${partition}`;
}

const WAITING_FAILURES = new Set(['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

/**
 * Where a rollout stands, as `kubectl rollout status` tells it, and failed early when a pod of the new
 * revision crash-loops or cannot start its image: Kubernetes would only say so at the progress deadline.
 * `newPods`: the pods of the revision being rolled out.
 */
export function rolloutState(kind: WorkloadKind, w: WorkloadObject, newPods: readonly PodSummary[]): RolloutState {
  const s = w.status ?? {};
  // Until the controller has seen the latest change, its status and "new" pods are the previous revision's.
  if ((w.metadata.generation ?? 0) > (s.observedGeneration ?? 0)) return { done: false, waiting: 'waiting for the controller to see the change' };
  const failing = newPods.find((p) => p.waiting !== undefined && WAITING_FAILURES.has(p.waiting));
  if (failing) return { done: false, failed: true, reason: `pod ${failing.name} is in ${failing.waiting}` };
  const desired = desiredOf(kind, w);
  if (kind === 'deployment') {
    const progressing = s.conditions?.find((c) => c.type === 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded') return { done: false, failed: true, reason: `its progress deadline (${w.spec.progressDeadlineSeconds ?? 600} s) passed` };
    const updated = s.updatedReplicas ?? 0;
    if (updated < desired) return { done: false, waiting: `${updated} of ${desired} updated` };
    if ((s.replicas ?? 0) > updated) return { done: false, waiting: `${(s.replicas ?? 0) - updated} old replicas pending termination` };
    if ((s.availableReplicas ?? 0) < updated) return { done: false, waiting: `${s.availableReplicas ?? 0} of ${updated} updated available` };
    return { done: true };
  }
  if (kind === 'statefulset') {
    if (w.spec.updateStrategy?.type === 'OnDelete') return { done: true };
    if ((s.readyReplicas ?? 0) < desired) return { done: false, waiting: `${s.readyReplicas ?? 0} of ${desired} ready` };
    const partition = w.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
    if ((s.updatedReplicas ?? 0) < desired - partition) return { done: false, waiting: `${s.updatedReplicas ?? 0} of ${desired - partition} updated` };
    if (partition === 0 && s.updateRevision !== s.currentRevision) return { done: false, waiting: 'waiting for the update to finish' };
    return { done: true };
  }
  if (w.spec.updateStrategy?.type === 'OnDelete') return { done: true };
  if ((s.updatedNumberScheduled ?? 0) < desired) return { done: false, waiting: `${s.updatedNumberScheduled ?? 0} of ${desired} updated` };
  if ((s.numberAvailable ?? 0) < desired) return { done: false, waiting: `${s.numberAvailable ?? 0} of ${desired} available` };
  return { done: true };
}

function lostReadiness(pod: PodObject, cs: ContainerStatus | undefined): boolean {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const started = Date.parse(cs?.state?.running?.startedAt ?? '');
  const turned = Date.parse(ready?.lastTransitionTime ?? '');
  return ready?.status === 'False' && Number.isFinite(started) && Number.isFinite(turned) && turned > started;
}

export function podSummary(pod: PodObject, container: string): PodSummary {
  const statuses = pod.status?.containerStatuses ?? [];
  const cs = statuses.find((c) => c.name === container) ?? statuses[0];
  const spec = pod.spec?.containers?.find((c) => c.name === container) ?? pod.spec?.containers?.[0];
  const startedAt = cs?.state?.running?.startedAt ?? pod.status?.startTime;
  const summary: PodSummary = {
    name: pod.metadata.name,
    phase: pod.metadata.deletionTimestamp ? 'Terminating' : (pod.status?.phase ?? 'Unknown'),
    ready: cs?.ready === true,
    restarts: cs?.restartCount ?? 0,
    node: pod.spec?.nodeName ?? '',
    startedAt: startedAt ? new Date(startedAt) : null,
    image: spec?.image ?? cs?.image ?? '',
    hasPrevious: cs?.lastState?.terminated !== undefined,
    lostReadiness: lostReadiness(pod, cs),
  };
  const waiting = cs?.state?.waiting?.reason ?? (cs?.state?.terminated ? (cs.state.terminated.reason ?? 'Terminated') : undefined);
  if (waiting !== undefined) summary.waiting = waiting;
  return summary;
}

/** `revision`: the DaemonSet's newest ControllerRevision (its status does not name it). */
export function describeWorkload(ref: WorkloadRef, w: WorkloadObject, pods: readonly PodSummary[], newPods: readonly PodSummary[], revision?: string): WorkloadStatus {
  const s = w.status ?? {};
  const container = boundContainer(ref, w.spec.template);
  const conditions = (s.conditions ?? [])
    .filter((c) => c.type === 'Progressing' || c.type === 'ReplicaFailure')
    .map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}`);
  const daemon = ref.kind === 'daemonset';
  return {
    unit: unitName(ref),
    kind: ref.kind,
    namespace: ref.namespace,
    name: ref.name,
    container: container?.name ?? '',
    image: container?.image ?? '',
    desired: desiredOf(ref.kind, w),
    ready: (daemon ? s.numberReady : s.readyReplicas) ?? 0,
    updated: (daemon ? s.updatedNumberScheduled : s.updatedReplicas) ?? 0,
    available: (daemon ? s.numberAvailable : s.availableReplicas) ?? 0,
    strategy: strategyOf(ref.kind, w),
    conditions,
    revision: revision ?? revisionOf(ref.kind, w),
    rollout: rolloutState(ref.kind, w, newPods),
    pods: [...pods],
  };
}

/** Version people know an image by: its tag, else the short digest. */
export function versionOf(image: string): string {
  const at = image.indexOf('@');
  if (at >= 0) return image.slice(at + 1, at + 1 + 'sha256:'.length + 12);
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(colon + 1) : 'latest';
}

/**
 * The workload as one unit of the port: running while any replica is ready, healthy once every desired
 * replica is updated and ready, unhealthy when the rollout failed, a pod crash-loops or a pod lost its
 * readiness (its probe fails; the cost sampler counts that time as unhealthy). `imageId` is the
 * image of the template's container, so two looks see the same revision until the image changes (a
 * restart keeps it); `restartCount` adds up the pods' restarts, `startedAt` is the oldest pod's start.
 */
export function toUnitInfo(status: WorkloadStatus, labels: Record<string, string>): ContainerInfo {
  const { desired, ready } = status;
  let state: ContainerState;
  if (desired === 0) state = 'exited';
  else if (ready > 0) state = 'running';
  else if (status.pods.some((p) => p.waiting === 'CrashLoopBackOff')) state = 'restarting';
  else state = status.pods.length > 0 ? 'created' : 'unknown';
  let health: HealthState;
  const crashing = status.pods.some((p) => p.waiting !== undefined && WAITING_FAILURES.has(p.waiting));
  const lost = status.pods.some((p) => p.lostReadiness && p.phase !== 'Terminating');
  if ((status.rollout.done === false && status.rollout.failed === true) || crashing || lost || status.conditions.some((c) => c.startsWith('ReplicaFailure=True'))) health = 'unhealthy';
  else if (status.rollout.done && ready >= desired) health = 'healthy';
  else health = 'starting';
  const starts = status.pods.map((p) => p.startedAt?.getTime()).filter((t): t is number => t !== undefined);
  return {
    id: status.unit,
    name: status.unit,
    image: status.image,
    imageId: status.image,
    version: versionOf(status.image),
    state,
    health,
    startedAt: starts.length > 0 ? new Date(Math.min(...starts)) : null,
    restartCount: status.pods.reduce((n, p) => n + p.restarts, 0),
    labels,
    details: unitDetails(status),
  };
}

/** The port's view of a workload's status (what the plan and `status` show beyond ContainerInfo). */
export function unitDetails(s: WorkloadStatus): UnitDetails {
  const { namespace, strategy, desired, ready, updated, available, conditions, revision } = s;
  return { namespace, strategy, desired, ready, updated, available, conditions, revision, pods: s.pods.map(({ hasPrevious: _, lostReadiness: __, ...pod }) => pod) };
}
