import type * as k8s from '@kubernetes/client-node';
import type { WorkloadKind } from './workload-ref.js';

/**
 * The few Kubernetes API calls the runtime makes, through @kubernetes/client-node (loaded on first use,
 * so a configuration with Docker hosts only never loads it). Every call takes the signal of its deadline;
 * objects come back as the API's own JSON (see bodyOf).
 */

export type Json = Record<string, unknown>;

export type WatchEvent = { type: string; object: Json };

/** Where the client finds the cluster and its credentials. */
export type ClusterAccess = { kubeconfig: string; context?: string | undefined } | { inCluster: true };

export interface KubeApi {
  version(signal: AbortSignal): Promise<Json>;
  readWorkload(kind: WorkloadKind, namespace: string, name: string, signal: AbortSignal): Promise<Json>;
  listWorkloads(kind: WorkloadKind, namespace: string, labelSelector: string, signal: AbortSignal): Promise<Json[]>;
  /** A patch of the given content type; `dryRun` asks the API server to check it without storing it. */
  patchWorkload(kind: WorkloadKind, namespace: string, name: string, patch: unknown, contentType: PatchType, dryRun: boolean, signal: AbortSignal): Promise<Json>;
  listReplicaSets(namespace: string, labelSelector: string, signal: AbortSignal): Promise<Json[]>;
  listControllerRevisions(namespace: string, labelSelector: string, signal: AbortSignal): Promise<Json[]>;
  listPods(namespace: string, labelSelector: string, signal: AbortSignal): Promise<Json[]>;
  podLog(namespace: string, pod: string, container: string, options: PodLogOptions, signal: AbortSignal): Promise<string>;
  readConfigMap(namespace: string, name: string, signal: AbortSignal): Promise<Json>;
  deletePod(namespace: string, name: string, signal: AbortSignal): Promise<void>;
  /** PodMetrics of the pods a label selector picks (metrics.k8s.io/v1beta1, served by metrics-server). */
  listPodMetrics(namespace: string, labelSelector: string, signal: AbortSignal): Promise<Json[]>;
  listPersistentVolumeClaims(namespace: string, signal: AbortSignal): Promise<Json[]>;
  /**
   * Watches one workload from `resourceVersion`; `onDone` is called once when the stream ends (the server
   * closed it, the connection dropped, or `stop` was called). Resolves with the way to stop it.
   */
  watchWorkload(kind: WorkloadKind, namespace: string, name: string, resourceVersion: string, onEvent: (e: WatchEvent) => void, onDone: (err: unknown) => void): Promise<{ stop(): void }>;
}

export type PatchType = 'application/strategic-merge-patch+json' | 'application/merge-patch+json' | 'application/json-patch+json';

export interface PodLogOptions {
  tailLines?: number;
  limitBytes?: number;
  sinceSeconds?: number;
  timestamps?: boolean;
  previous?: boolean;
}

const PLURAL: Record<WorkloadKind, string> = { deployment: 'deployments', statefulset: 'statefulsets', daemonset: 'daemonsets' };

/** Loads @kubernetes/client-node and builds the API access for one cluster. */
export async function connect(access: ClusterAccess): Promise<KubeApi> {
  const client = await import('@kubernetes/client-node');
  const kc = new client.KubeConfig();
  if ('inCluster' in access) {
    kc.loadFromCluster();
  } else {
    kc.loadFromFile(access.kubeconfig);
    if (access.context !== undefined) {
      if (!kc.getContexts().some((c) => c.name === access.context)) throw new Error(`kubeconfig ${access.kubeconfig} has no context "${access.context}"`);
      kc.setCurrentContext(access.context);
    }
  }
  return new ClientKubeApi(client, kc);
}

/**
 * The generated client turns answers into its model classes, which keep only the fields its models know
 * (a newer cluster's pod template fields would be lost) and turn times into Dates. What the runtime reads
 * it may write back (a ReplicaSet's pod template in a rollout undo), so each call also keeps the answer's
 * body as the API sent it, and that is what is handed on.
 */
async function bodyOf(signal: AbortSignal, contentType: PatchType | undefined, run: (o: k8s.ConfigurationOptions) => Promise<unknown>): Promise<Json> {
  let body = '';
  await run(options(signal, contentType, (text) => (body = text)));
  return JSON.parse(body) as Json;
}

const items = (list: Json): Json[] => (list.items as Json[] | undefined) ?? [];

class ClientKubeApi implements KubeApi {
  private readonly apps: k8s.AppsV1Api;
  private readonly core: k8s.CoreV1Api;
  private readonly versionApi: k8s.VersionApi;
  private readonly custom: k8s.CustomObjectsApi;
  private readonly watcher: k8s.Watch;

  constructor(
    client: typeof k8s,
    private readonly kc: k8s.KubeConfig,
  ) {
    this.apps = kc.makeApiClient(client.AppsV1Api);
    this.core = kc.makeApiClient(client.CoreV1Api);
    this.versionApi = kc.makeApiClient(client.VersionApi);
    this.custom = kc.makeApiClient(client.CustomObjectsApi);
    this.watcher = new client.Watch(kc);
  }

  async version(signal: AbortSignal): Promise<Json> {
    // Only whether it answers matters (ping); VersionApi is one of the client's promise-middleware APIs.
    return { ...(await this.versionApi.getCode(options(signal))) };
  }

  readWorkload(kind: WorkloadKind, namespace: string, name: string, signal: AbortSignal): Promise<Json> {
    return bodyOf(signal, undefined, (o) => {
      switch (kind) {
        case 'deployment':
          return this.apps.readNamespacedDeployment({ name, namespace }, o);
        case 'statefulset':
          return this.apps.readNamespacedStatefulSet({ name, namespace }, o);
        case 'daemonset':
          return this.apps.readNamespacedDaemonSet({ name, namespace }, o);
      }
    });
  }

  async listWorkloads(kind: WorkloadKind, namespace: string, labelSelector: string, signal: AbortSignal): Promise<Json[]> {
    return items(
      await bodyOf(signal, undefined, (o) =>
        kind === 'deployment'
          ? this.apps.listNamespacedDeployment({ namespace, labelSelector }, o)
          : kind === 'statefulset'
            ? this.apps.listNamespacedStatefulSet({ namespace, labelSelector }, o)
            : this.apps.listNamespacedDaemonSet({ namespace, labelSelector }, o),
      ),
    );
  }

  patchWorkload(kind: WorkloadKind, namespace: string, name: string, patch: unknown, contentType: PatchType, dryRun: boolean, signal: AbortSignal): Promise<Json> {
    const request = { name, namespace, body: patch, ...(dryRun ? { dryRun: 'All' } : {}), fieldManager: 'deckhand' };
    return bodyOf(signal, contentType, (o) => {
      switch (kind) {
        case 'deployment':
          return this.apps.patchNamespacedDeployment(request, o);
        case 'statefulset':
          return this.apps.patchNamespacedStatefulSet(request, o);
        case 'daemonset':
          return this.apps.patchNamespacedDaemonSet(request, o);
      }
    });
  }

  async listReplicaSets(namespace: string, labelSelector: string, signal: AbortSignal): Promise<Json[]> {
    return items(await bodyOf(signal, undefined, (o) => this.apps.listNamespacedReplicaSet({ namespace, labelSelector }, o)));
  }

  async listControllerRevisions(namespace: string, labelSelector: string, signal: AbortSignal): Promise<Json[]> {
    return items(await bodyOf(signal, undefined, (o) => this.apps.listNamespacedControllerRevision({ namespace, labelSelector }, o)));
  }

  async listPods(namespace: string, labelSelector: string, signal: AbortSignal): Promise<Json[]> {
    return items(await bodyOf(signal, undefined, (o) => this.core.listNamespacedPod({ namespace, labelSelector }, o)));
  }

  async podLog(namespace: string, pod: string, container: string, o: PodLogOptions, signal: AbortSignal): Promise<string> {
    const text = await this.core.readNamespacedPodLog({ name: pod, namespace, container, ...o }, options(signal));
    return typeof text === 'string' ? text : String(text ?? '');
  }

  readConfigMap(namespace: string, name: string, signal: AbortSignal): Promise<Json> {
    return bodyOf(signal, undefined, (o) => this.core.readNamespacedConfigMap({ name, namespace }, o));
  }

  async deletePod(namespace: string, name: string, signal: AbortSignal): Promise<void> {
    await this.core.deleteNamespacedPod({ name, namespace }, options(signal));
  }

  /**
   * Through CustomObjectsApi rather than the client's Metrics class: that one takes no label selector and
   * no signal, so every call would fetch the whole namespace and outlive its deadline.
   */
  async listPodMetrics(namespace: string, labelSelector: string, signal: AbortSignal): Promise<Json[]> {
    return items(await bodyOf(signal, undefined, (o) => this.custom.listNamespacedCustomObject({ group: 'metrics.k8s.io', version: 'v1beta1', namespace, plural: 'pods', labelSelector }, o)));
  }

  async listPersistentVolumeClaims(namespace: string, signal: AbortSignal): Promise<Json[]> {
    return items(await bodyOf(signal, undefined, (o) => this.core.listNamespacedPersistentVolumeClaim({ namespace }, o)));
  }

  async watchWorkload(kind: WorkloadKind, namespace: string, name: string, resourceVersion: string, onEvent: (e: WatchEvent) => void, onDone: (err: unknown) => void): Promise<{ stop(): void }> {
    const path = `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/${PLURAL[kind]}`;
    const query = { fieldSelector: `metadata.name=${name}`, ...(resourceVersion ? { resourceVersion } : {}), allowWatchBookmarks: true };
    const controller = await this.watcher.watch(path, query, (type, object) => onEvent({ type, object: object as Json }), onDone);
    return { stop: () => controller.abort() };
  }
}

/**
 * Per-call options: the deadline's signal on the request (node-fetch honours it), and the patch's content
 * type (the generated client would send a JSON patch otherwise).
 */
function options(signal: AbortSignal, contentType?: PatchType, keepBody?: (text: string) => void): k8s.ConfigurationOptions {
  const middleware = {
    pre: (request: k8s.RequestContext) => {
      request.setSignal(signal);
      if (contentType !== undefined) request.setHeaderParam('Content-Type', contentType);
      return settled(request);
    },
    post: (response: k8s.ResponseContext) => {
      if (keepBody === undefined) return settled(response);
      // Read the body once, keep it, and hand the client a body that gives the same text again.
      const read = response.body.text().then((text) => {
        if (response.httpStatusCode >= 200 && response.httpStatusCode < 300) keepBody(text);
        response.body = { text: async () => text, binary: async () => Buffer.from(text) };
        return response;
      });
      return Object.assign(read, { toPromise: () => read });
    },
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' } as unknown as k8s.ConfigurationOptions;
}

/**
 * The generated client takes observable middleware in its object-parameter APIs (AppsV1Api, CoreV1Api)
 * and promise middleware in the others (VersionApi); a resolved promise that is also its own observable
 * (`toPromise`) serves both.
 */
function settled<T>(value: T): Promise<T> & { toPromise(): Promise<T> } {
  const promise = Promise.resolve(value) as Promise<T> & { toPromise(): Promise<T> };
  promise.toPromise = () => promise;
  return promise;
}
