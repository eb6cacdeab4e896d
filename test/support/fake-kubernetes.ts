import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/**
 * A Kubernetes API server for tests: real HTTP on 127.0.0.1, answering the paths the Kubernetes runtime
 * uses with objects shaped like the API's (apps/v1 Deployments with status and conditions, ReplicaSets
 * owned by them, Pods owned by those, ConfigMaps, Status errors, watch streams of newline-delimited JSON
 * events resumable from a resourceVersion). It plays the Deployment controller too: a changed pod
 * template gets a new ReplicaSet (or an old one with the same template back, under a new revision), and
 * each tick moves one replica over (surge 1, unavailable 0). How a pod of an image behaves is in its tag:
 * `:crash…` crash-loops, `:stuck…` never gets ready (so the progress deadline passes), anything else gets
 * ready on the next tick. An image under `/missing` is denied by an admission webhook, as an image policy
 * that checks the registry would. It plays the StatefulSet controller as well (ControllerRevisions, pods
 * `<name>-<ordinal>` replaced from the highest ordinal down, one at a time, OrderedReady, including its
 * known issue: a broken pod is waited for even after the template is reverted) and the DaemonSet controller
 * (one pod per node of node-1 and node-2, replaced one at a time, an unavailable one of an old revision at once).
 * It serves the metrics API as metrics-server does (PodMetrics of running pods, by label selector), or
 * not (`metricsServer`), and PersistentVolumeClaims; pods can crash and restart or lose their readiness.
 */

type Obj = Record<string, any>;

export interface DeploymentSeed {
  namespace: string;
  name: string;
  image: string;
  replicas?: number;
  labels?: Record<string, string>;
  env?: Obj[];
  envFrom?: Obj[];
  /** Extra containers after the bound one. */
  sidecars?: Obj[];
  progressDeadlineSeconds?: number;
  /** More pod spec fields (e.g. ones newer than the client's models). */
  podSpec?: Obj;
}

export interface Forbidden {
  verb: 'get' | 'list' | 'watch' | 'patch' | 'delete';
  resource: string;
  /** Only in this namespace (a Role bound in some namespaces and not others); absent: everywhere. */
  namespace?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
}

const COLLECTIONS: Record<string, { group: string; plural: string }> = {
  deployments: { group: 'apps/v1', plural: 'deployments' },
  statefulsets: { group: 'apps/v1', plural: 'statefulsets' },
  daemonsets: { group: 'apps/v1', plural: 'daemonsets' },
  replicasets: { group: 'apps/v1', plural: 'replicasets' },
  controllerrevisions: { group: 'apps/v1', plural: 'controllerrevisions' },
  pods: { group: 'v1', plural: 'pods' },
  configmaps: { group: 'v1', plural: 'configmaps' },
  secrets: { group: 'v1', plural: 'secrets' },
  persistentvolumeclaims: { group: 'v1', plural: 'persistentvolumeclaims' },
};
const KIND: Record<string, string> = { deployments: 'Deployment', statefulsets: 'StatefulSet', daemonsets: 'DaemonSet', replicasets: 'ReplicaSet', controllerrevisions: 'ControllerRevision', pods: 'Pod', configmaps: 'ConfigMap', secrets: 'Secret', persistentvolumeclaims: 'PersistentVolumeClaim' };

interface Watcher {
  plural: string;
  namespace: string;
  name: string | undefined;
  res: ServerResponse;
  sent: number;
}

export class FakeKubernetes {
  readonly requests: RecordedRequest[] = [];
  /** Watch streams end after this many events (then the client must resume); Infinity: never. */
  dropWatchesAfter = Number.POSITIVE_INFINITY;
  /** A watch from a resourceVersion below this gets `410 Expired` (etcd compacted it), as an ERROR event. */
  compactedBelow = 0;
  /** While true the controllers stand still (a busy controller manager that has not seen changes yet). */
  paused = false;
  /** Requests whose path matches are never answered (a cluster that hangs). */
  stall: RegExp | undefined;
  /**
   * The metrics API (metrics.k8s.io, an APIService backed by metrics-server): `served`; `absent` (no
   * metrics-server installed: the group's paths are 404 like any unknown path); `down` (the APIService is
   * registered but its backend does not answer: 503).
   */
  metricsServer: 'served' | 'absent' | 'down' = 'served';
  /** Usage per pod and container as metrics-server would report it; running containers without one report DEFAULT_USAGE. */
  private readonly usage = new Map<string, Record<string, Record<string, string>>>();
  /** Pods metrics-server has not scraped yet (it lists a pod a minute or so after it starts). */
  private readonly unscraped = new Set<string>();
  /** Pods whose readiness probe fails: the kubelet keeps them running and not ready. */
  private readonly unready = new Set<string>();
  private readonly store = new Map<string, Obj>();
  private readonly events: { rv: number; plural: string; type: string; object: Obj }[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly forbidden: Forbidden[] = [];
  private readonly logs = new Map<string, { current: string[]; previous: string[] }>();
  private readonly progressAt = new Map<string, number>();
  private rv = 100;
  private timer: NodeJS.Timeout | undefined;
  private url_ = '';

  private constructor(
    private readonly server: Server,
    readonly tickMs: number,
  ) {}

  static async start(options: { tickMs?: number } = {}): Promise<FakeKubernetes> {
    const server = createServer();
    const fake = new FakeKubernetes(server, options.tickMs ?? 40);
    server.on('request', (req, res) => fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.url_ = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    fake.timer = setInterval(() => fake.tick(), fake.tickMs);
    return fake;
  }

  get url(): string {
    return this.url_;
  }

  /** Writes a kubeconfig for this server (context `fake`, and `other` pointing at `otherServer`) and returns its path. */
  kubeconfig(dir: string, otherServer = 'http://127.0.0.1:1'): string {
    const path = join(dir, `kubeconfig-${randomBytes(4).toString('hex')}`);
    writeFileSync(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: fake\n  cluster:\n    server: ${this.url}\n    insecure-skip-tls-verify: true`,
        `- name: other\n  cluster:\n    server: ${otherServer}\n    insecure-skip-tls-verify: true`,
        'users:',
        '- name: deckhand\n  user:\n    token: test-token',
        'contexts:',
        '- name: fake\n  context:\n    cluster: fake\n    user: deckhand',
        '- name: other\n  context:\n    cluster: other\n    user: deckhand',
        'current-context: other',
        '',
      ].join('\n'),
    );
    return path;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const w of this.watchers) w.res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  forbid(rule: Forbidden): void {
    this.forbidden.push(rule);
  }

  allowAll(): void {
    this.forbidden.length = 0;
  }

  addConfigMap(namespace: string, name: string, data: Record<string, string>): void {
    this.put('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: this.meta(namespace, name), data });
  }

  addSecret(namespace: string, name: string, data: Record<string, string>): void {
    this.put('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: this.meta(namespace, name), data });
  }

  /** A Deployment whose first revision is already rolled out (its pods ready). */
  addDeployment(seed: DeploymentSeed): Obj {
    const labels = { app: seed.name, ...seed.labels };
    const containers = [{ name: 'app', image: seed.image, env: seed.env ?? [], ...(seed.envFrom ? { envFrom: seed.envFrom } : {}), resources: {}, terminationMessagePath: '/dev/termination-log', imagePullPolicy: 'IfNotPresent' }, ...(seed.sidecars ?? [])];
    const d: Obj = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { ...this.meta(seed.namespace, seed.name), labels, generation: 1, annotations: {} },
      spec: {
        replicas: seed.replicas ?? 2,
        selector: { matchLabels: { app: seed.name } },
        template: { metadata: { labels: { app: seed.name }, creationTimestamp: null }, spec: { containers, restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', ...seed.podSpec } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: seed.progressDeadlineSeconds ?? 600,
      },
      status: {},
    };
    this.put('deployments', d);
    this.reconcile(this.get('deployments', seed.namespace, seed.name)!, true);
    return this.get('deployments', seed.namespace, seed.name)!;
  }

  /** A StatefulSet whose first revision is already rolled out. */
  addStatefulSet(seed: DeploymentSeed): Obj {
    const containers = [{ name: 'app', image: seed.image, env: seed.env ?? [], resources: {} }, ...(seed.sidecars ?? [])];
    this.put('statefulsets', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { ...this.meta(seed.namespace, seed.name), labels: { app: seed.name, ...seed.labels }, generation: 1, annotations: {} },
      spec: {
        replicas: seed.replicas ?? 2,
        selector: { matchLabels: { app: seed.name } },
        serviceName: seed.name,
        podManagementPolicy: 'OrderedReady',
        template: { metadata: { labels: { app: seed.name }, creationTimestamp: null }, spec: { containers } },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
        revisionHistoryLimit: 10,
      },
      status: {},
    });
    this.reconcileStatefulSet(this.get('statefulsets', seed.namespace, seed.name)!, true);
    return this.get('statefulsets', seed.namespace, seed.name)!;
  }

  /** A DaemonSet whose first revision runs on every node. */
  addDaemonSet(seed: DeploymentSeed): Obj {
    const containers = [{ name: 'app', image: seed.image, env: seed.env ?? [], resources: {} }, ...(seed.sidecars ?? [])];
    this.put('daemonsets', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { ...this.meta(seed.namespace, seed.name), labels: { app: seed.name, ...seed.labels }, generation: 1, annotations: {} },
      spec: {
        selector: { matchLabels: { app: seed.name } },
        template: { metadata: { labels: { app: seed.name }, creationTimestamp: null }, spec: { containers } },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
        revisionHistoryLimit: 10,
      },
      status: {},
    });
    this.reconcileDaemonSet(this.get('daemonsets', seed.namespace, seed.name)!, true);
    return this.get('daemonsets', seed.namespace, seed.name)!;
  }

  daemonSet(namespace: string, name: string): Obj | undefined {
    return this.get('daemonsets', namespace, name);
  }

  /** The pods of a StatefulSet or DaemonSet (owned by it directly), by name. */
  ownedPods(plural: 'statefulsets' | 'daemonsets', namespace: string, name: string): Obj[] {
    const uid = this.store.get(this.key(plural, namespace, name))?.metadata.uid;
    return this.list('pods', namespace).filter((p) => p.metadata.ownerReferences?.[0]?.uid === uid).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  }

  statefulSet(namespace: string, name: string): Obj | undefined {
    return this.get('statefulsets', namespace, name);
  }

  statefulSetPods(namespace: string, name: string): Obj[] {
    const uid = this.store.get(this.key('statefulsets', namespace, name))?.metadata.uid;
    return this.list('pods', namespace).filter((p) => p.metadata.ownerReferences?.[0]?.uid === uid).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  }

  controllerRevisions(namespace: string, name: string, plural: 'statefulsets' | 'daemonsets' = 'statefulsets'): Obj[] {
    const uid = this.store.get(this.key(plural, namespace, name))?.metadata.uid;
    return this.list('controllerrevisions', namespace).filter((r) => r.metadata.ownerReferences?.[0]?.uid === uid);
  }

  deployment(namespace: string, name: string): Obj | undefined {
    return this.get('deployments', namespace, name);
  }

  replicaSets(namespace: string, deployment: string, view = false): Obj[] {
    const d = this.store.get(this.key('deployments', namespace, deployment));
    return this.list('replicasets', namespace, undefined, view).filter((rs) => rs.metadata.ownerReferences?.[0]?.uid === d?.metadata.uid);
  }

  pods(namespace: string, deployment: string): Obj[] {
    const sets = new Set(this.replicaSets(namespace, deployment).map((rs) => rs.metadata.name));
    return this.list('pods', namespace).filter((p) => sets.has(p.metadata.ownerReferences?.[0]?.name));
  }

  /** Sets what a pod has logged (and what its previous container logged); a line may start with its RFC 3339 time. */
  setLogs(pod: string, current: string[], previous: string[] = []): void {
    this.logs.set(pod, { current, previous });
  }

  /** What metrics-server reports for a pod's containers (`{ app: { cpu: '250m', memory: '64Mi' } }`); values are sent as given. */
  setUsage(pod: string, containers: Record<string, Record<string, string>>): void {
    this.usage.set(pod, containers);
  }

  notScrapedYet(pod: string): void {
    this.unscraped.add(pod);
  }

  /** A bound PersistentVolumeClaim of `capacity` (a quantity, e.g. `10Gi`). */
  addClaim(namespace: string, name: string, capacity: string): void {
    this.put('persistentvolumeclaims', {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: this.meta(namespace, name),
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: capacity } }, volumeName: `pvc-${name}`, storageClassName: 'standard' },
      status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: capacity } },
    });
  }

  /** The pod's first container crashes and the kubelet restarts it `times` times (it runs again after). */
  crash(namespace: string, pod: string, times = 1): void {
    const p = this.get('pods', namespace, pod);
    if (!p) throw new Error(`no pod ${namespace}/${pod}`);
    const cs = p.status.containerStatuses[0];
    const now = new Date().toISOString();
    cs.restartCount += times;
    cs.lastState = { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: cs.state?.running?.startedAt ?? now, finishedAt: now } };
    cs.state = { running: { startedAt: now } };
    this.put('pods', p);
  }

  /** The pod's readiness probe starts failing: it keeps running, the Ready condition turns False now. */
  failReadiness(namespace: string, pod: string): void {
    const p = this.get('pods', namespace, pod);
    if (!p) throw new Error(`no pod ${namespace}/${pod}`);
    this.unready.add(pod);
    const now = new Date(Date.now() + 1).toISOString();
    p.status.containerStatuses[0].ready = false;
    p.status.conditions = [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app]', lastTransitionTime: now }];
    this.put('pods', p);
  }

  /** The resourceVersion of the latest change. */
  get resourceVersion(): number {
    return this.rv;
  }

  /** Watch requests seen so far, with the resourceVersion each resumed from. */
  watchRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.query.watch === 'true');
  }

  // ── HTTP ────────────────────────────────────────────────────────────────────────────────────

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const query = Object.fromEntries(url.searchParams);
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query });
    const body = await readBody(req);
    if (this.stall?.test(url.pathname)) return;
    if (req.headers.authorization !== 'Bearer test-token') return this.status(res, 401, 'Unauthorized', 'Unauthorized');
    if (url.pathname === '/version') return this.send(res, 200, { major: '1', minor: '31', gitVersion: 'v1.31.0-fake', platform: 'linux/amd64' });
    const metrics = /^\/apis\/metrics\.k8s\.io\/v1beta1\/namespaces\/([^/]+)\/pods(?:\/([^/]+))?$/.exec(url.pathname);
    if (metrics && this.metricsServer !== 'absent') return this.podMetrics(res, metrics[1]!, metrics[2], query);
    const m = /^\/(?:api\/v1|apis\/apps\/v1)\/namespaces\/([^/]+)\/([a-z]+)(?:\/([^/]+))?(?:\/(log))?$/.exec(url.pathname);
    if (!m || !COLLECTIONS[m[2]!]) return this.status(res, 404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
    const [, namespace, plural, name, sub] = m as unknown as [string, string, string, string | undefined, string | undefined];
    const watching = query.watch === 'true';
    const verb = req.method === 'PATCH' ? 'patch' : req.method === 'DELETE' ? 'delete' : watching ? 'watch' : name === undefined ? 'list' : 'get';
    const resource = sub ? `${plural}/${sub}` : plural;
    if (plural === 'secrets' || this.forbidden.some((f) => f.verb === verb && f.resource === resource)) {
      const group = COLLECTIONS[plural]!.group === 'apps/v1' ? 'apps' : '';
      return this.status(res, 403, 'Forbidden', `${resource}${group ? `.${group}` : ''}${name ? ` "${name}"` : ''} is forbidden: User "system:serviceaccount:deckhand:deckhand" cannot ${verb} resource "${resource}" in API group "${group}" in the namespace "${namespace}"`);
    }
    if (watching) return this.watch(res, plural, namespace, query);
    if (req.method === 'GET' && name === undefined) return this.send(res, 200, { apiVersion: COLLECTIONS[plural]!.group, kind: `${KIND[plural]}List`, metadata: { resourceVersion: String(this.rv) }, items: this.list(plural, namespace, query.labelSelector) });
    const found = name !== undefined ? this.get(plural, namespace, name) : undefined;
    if (!found) return this.status(res, 404, 'NotFound', `${plural} "${name}" not found`);
    if (sub === 'log') return this.podLog(res, found, query);
    if (req.method === 'GET') return this.send(res, 200, found);
    if (req.method === 'PATCH') return this.patch(res, plural, found, String(req.headers['content-type'] ?? ''), body, query.dryRun === 'All');
    if (req.method === 'DELETE' && plural === 'pods') {
      this.remove('pods', found);
      return this.send(res, 200, { ...found, metadata: { ...found.metadata, deletionTimestamp: new Date().toISOString() } });
    }
    return this.status(res, 405, 'MethodNotAllowed', 'method not allowed');
  }

  /**
   * metrics-server's answer: a PodMetrics per pod whose containers run (others have no metrics yet), the
   * pod's labels, the time of its last scrape and the window it averaged over; 503 from the aggregator
   * when the backend is down, 403 as RBAC words it for the metrics.k8s.io group.
   */
  private podMetrics(res: ServerResponse, namespace: string, name: string | undefined, query: Record<string, string>): void {
    if (this.metricsServer === 'down') return this.status(res, 503, 'ServiceUnavailable', 'the server is currently unable to handle the request (get pods.metrics.k8s.io)');
    const verb = name === undefined ? 'list' : 'get';
    if (this.forbidden.some((f) => f.verb === verb && f.resource === 'pods.metrics.k8s.io' && (f.namespace === undefined || f.namespace === namespace))) {
      return this.status(res, 403, 'Forbidden', `pods.metrics.k8s.io is forbidden: User "system:serviceaccount:deckhand:deckhand" cannot ${verb} resource "pods" in API group "metrics.k8s.io" in the namespace "${namespace}"`);
    }
    const timestamp = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    const toMetrics = (pod: Obj): Obj | undefined => {
      const running = (pod.status.containerStatuses ?? []).filter((c: Obj) => c.state?.running);
      if (running.length === 0 || this.unscraped.has(pod.metadata.name)) return undefined;
      const set = this.usage.get(pod.metadata.name);
      return {
        kind: 'PodMetrics',
        apiVersion: 'metrics.k8s.io/v1beta1',
        metadata: { name: pod.metadata.name, namespace, creationTimestamp: new Date().toISOString(), labels: pod.metadata.labels },
        timestamp,
        window: '15.012s',
        containers: running.map((c: Obj) => ({ name: c.name, usage: set?.[c.name] ?? DEFAULT_USAGE })),
      };
    };
    if (name !== undefined) {
      const pod = this.get('pods', namespace, name);
      const m = pod && toMetrics(pod);
      return m ? this.send(res, 200, m) : this.status(res, 404, 'NotFound', `podmetrics.metrics.k8s.io "${name}" not found`);
    }
    const items = this.list('pods', namespace, query.labelSelector).flatMap((p) => toMetrics(p) ?? []);
    return this.send(res, 200, { kind: 'PodMetricsList', apiVersion: 'metrics.k8s.io/v1beta1', metadata: {}, items });
  }

  private patch(res: ServerResponse, plural: string, found: Obj, type: string, body: string, dryRun: boolean): void {
    let patch: unknown;
    try {
      patch = JSON.parse(body);
    } catch {
      return this.status(res, 400, 'BadRequest', 'the patch is not JSON');
    }
    let next: Obj;
    try {
      const copy = structuredClone(found);
      if (type.startsWith('application/json-patch+json')) next = jsonPatch(copy, patch as Obj[]);
      else if (type.startsWith('application/merge-patch+json')) next = mergePatch(copy, patch) as Obj;
      else if (type.startsWith('application/strategic-merge-patch+json')) next = strategicMerge(copy, patch) as Obj;
      else return this.status(res, 415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (${type})`);
    } catch (error) {
      return this.status(res, 422, 'Invalid', `the patch cannot be applied: ${(error as Error).message}`);
    }
    for (const c of next.spec?.template?.spec?.containers ?? []) {
      if (typeof c.image !== 'string' || c.image === '') return this.status(res, 422, 'Invalid', `${KIND[plural]}.apps "${found.metadata.name}" is invalid: spec.template.spec.containers[0].image: Required value`);
      if (c.image.includes('/missing')) return this.status(res, 403, 'Forbidden', `admission webhook "images.policy.example" denied the request: image ${c.image} was not found in its registry`);
    }
    if (JSON.stringify(next.spec) !== JSON.stringify(found.spec)) next.metadata.generation = (found.metadata.generation ?? 1) + 1;
    if (dryRun) return this.send(res, 200, next);
    this.put(plural, next);
    this.send(res, 200, this.get(plural, found.metadata.namespace, found.metadata.name));
  }

  private podLog(res: ServerResponse, pod: Obj, query: Record<string, string>): void {
    const container = query.container ?? pod.spec.containers[0].name;
    const cs = pod.status.containerStatuses?.find((c: Obj) => c.name === container);
    const logs = this.logs.get(pod.metadata.name) ?? { current: [], previous: [] };
    let lines: string[];
    if (query.previous === 'true') {
      if (!cs?.lastState?.terminated) return this.status(res, 400, 'BadRequest', `previous terminated container "${container}" in pod "${pod.metadata.name}" not found`);
      lines = logs.previous;
    } else {
      if (!cs?.state?.running) return this.status(res, 400, 'BadRequest', `container "${container}" in pod "${pod.metadata.name}" is waiting to start: ${cs?.state?.waiting?.reason ?? 'ContainerCreating'}`);
      lines = logs.current;
    }
    if (query.tailLines !== undefined) lines = lines.slice(-Number(query.tailLines));
    // A line set with a leading RFC 3339 time is the kubelet's record of when it was written: the API
    // shows that time only with timestamps=true.
    if (query.timestamps !== 'true') lines = lines.map((l) => l.replace(/^\d{4}-\d{2}-\d{2}T\S+ /, ''));
    res.writeHead(200, { 'content-type': 'text/plain' });
    const body = Buffer.from(lines.map((l) => `${l}\n`).join(''));
    // limitBytes cuts the log at that many bytes, inside a line if it falls there, as the kubelet does.
    res.end(query.limitBytes !== undefined ? body.subarray(0, Number(query.limitBytes)) : body);
  }

  private watch(res: ServerResponse, plural: string, namespace: string, query: Record<string, string>): void {
    const name = /^metadata\.name=(.+)$/.exec(query.fieldSelector ?? '')?.[1];
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    if (query.resourceVersion && Number(query.resourceVersion) < this.compactedBelow) {
      const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${query.resourceVersion} (${this.compactedBelow})`, reason: 'Expired', code: 410 };
      res.end(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
      return;
    }
    const w: Watcher = { plural, namespace, name, res, sent: 0 };
    this.watchers.add(w);
    res.on('close', () => this.watchers.delete(w));
    if (!query.resourceVersion) {
      // No resourceVersion: start at the current state, sent as ADDED events.
      for (const o of this.list(plural, namespace)) this.deliver(w, { plural, type: 'ADDED', object: o });
      return;
    }
    const from = Number(query.resourceVersion);
    for (const e of this.events) if (e.rv > from) this.deliver(w, e);
  }

  private deliver(w: Watcher, e: { plural: string; type: string; object: Obj }): void {
    if (!this.watchers.has(w) || e.plural !== w.plural || e.object.metadata.namespace !== w.namespace) return;
    if (w.name !== undefined && e.object.metadata.name !== w.name) return;
    w.res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`);
    w.sent += 1;
    if (w.sent >= this.dropWatchesAfter) {
      this.watchers.delete(w);
      w.res.end();
    }
  }

  private send(res: ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private status(res: ServerResponse, code: number, reason: string, message: string): void {
    this.send(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
  }

  // ── Store ───────────────────────────────────────────────────────────────────────────────────

  private meta(namespace: string, name: string): Obj {
    return { name, namespace, uid: randomUid(), creationTimestamp: new Date().toISOString() };
  }

  private key(plural: string, namespace: string, name: string): string {
    return `${plural}/${namespace}/${name}`;
  }

  private get(plural: string, namespace: string, name: string): Obj | undefined {
    const o = this.store.get(this.key(plural, namespace, name));
    return o ? structuredClone(o) : undefined;
  }

  /** Copies, unless `view`: the stored objects themselves, for reading only (the controller's counting). */
  private list(plural: string, namespace: string, labelSelector?: string, view = false): Obj[] {
    const prefix = `${plural}/${namespace}/`;
    return [...this.store.entries()]
      .filter(([k, o]) => k.startsWith(prefix) && matches(o.metadata.labels ?? {}, labelSelector))
      .map(([, o]) => (view ? o : structuredClone(o)));
  }

  private put(plural: string, object: Obj): void {
    const existed = this.store.has(this.key(plural, object.metadata.namespace, object.metadata.name));
    this.rv += 1;
    object.metadata.resourceVersion = String(this.rv);
    this.store.set(this.key(plural, object.metadata.namespace, object.metadata.name), structuredClone(object));
    this.emit(plural, existed ? 'MODIFIED' : 'ADDED', object);
  }

  private remove(plural: string, object: Obj): void {
    this.store.delete(this.key(plural, object.metadata.namespace, object.metadata.name));
    this.rv += 1;
    this.emit(plural, 'DELETED', { ...object, metadata: { ...object.metadata, resourceVersion: String(this.rv) } });
  }

  private emit(plural: string, type: string, object: Obj): void {
    const e = { rv: this.rv, plural, type, object: structuredClone(object) };
    this.events.push(e);
    for (const w of [...this.watchers]) this.deliver(w, e);
  }

  // ── The controllers ─────────────────────────────────────────────────────────────────────────

  private tick(): void {
    if (this.paused) return;
    for (const [k, o] of [...this.store.entries()]) {
      if (k.startsWith('pods/') && !o.status.containerStatuses[0].ready) this.runPod(structuredClone(o));
    }
    for (const [k, o] of [...this.store.entries()]) {
      if (k.startsWith('deployments/')) this.reconcile(structuredClone(o), false);
      if (k.startsWith('statefulsets/')) this.reconcileStatefulSet(structuredClone(o), false);
      if (k.startsWith('daemonsets/')) this.reconcileDaemonSet(structuredClone(o), false);
    }
  }

  /** A pending pod starts: ready, crash-looping or stuck, by its image's tag. */
  private runPod(pod: Obj): void {
    const cs = pod.status.containerStatuses[0];
    const behaviour = behaviourOf(cs.image);
    if (cs.ready) return;
    if (behaviour === 'stuck' || this.unready.has(pod.metadata.name)) return;
    const now = new Date().toISOString();
    if (behaviour === 'crash') {
      // The kubelet backs off: after a few restarts the pod stays in CrashLoopBackOff for a while.
      if (cs.restartCount >= 3) return;
      cs.restartCount += 1;
      cs.lastState = { terminated: { exitCode: 1, reason: 'Error', startedAt: now, finishedAt: now } };
      cs.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off restarting failed container ${cs.name}` } };
      pod.status.phase = 'Running';
      this.put('pods', pod);
      return;
    }
    cs.ready = true;
    cs.started = true;
    cs.state = { running: { startedAt: now } };
    pod.status.phase = 'Running';
    pod.status.conditions = [{ type: 'Ready', status: 'True', lastTransitionTime: now }];
    this.put('pods', pod);
  }

  /** One step of the Deployment controller (surge 1, unavailable 0); `settle` brings a new one up at once. */
  private reconcile(d: Obj, settle: boolean): void {
    const ns = d.metadata.namespace;
    const owned = () => this.replicaSets(ns, d.metadata.name, true).map((rs) => structuredClone(rs));
    const hash = templateHash(d.spec.template);
    let sets = owned();
    const maxRevision = Math.max(0, ...sets.map((rs) => Number(rs.metadata.annotations['deployment.kubernetes.io/revision'])));
    let current = sets.find((rs) => rs.metadata.labels['pod-template-hash'] === hash);
    if (!current) {
      current = {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          ...this.meta(ns, `${d.metadata.name}-${hash}`),
          labels: { ...d.spec.template.metadata.labels, 'pod-template-hash': hash },
          annotations: { 'deployment.kubernetes.io/revision': String(maxRevision + 1), 'deployment.kubernetes.io/desired-replicas': String(d.spec.replicas) },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name, uid: d.metadata.uid, controller: true, blockOwnerDeletion: true }],
        },
        spec: {
          replicas: 0,
          selector: { matchLabels: { ...d.spec.selector.matchLabels, 'pod-template-hash': hash } },
          template: { ...structuredClone(d.spec.template), metadata: { ...d.spec.template.metadata, labels: { ...d.spec.template.metadata.labels, 'pod-template-hash': hash } } },
        },
        status: { replicas: 0 },
      };
      this.put('replicasets', current);
      this.progressAt.set(d.metadata.uid, Date.now());
    } else if (Number(current.metadata.annotations['deployment.kubernetes.io/revision']) < maxRevision) {
      // An older template back (rollout undo): its ReplicaSet becomes the newest revision.
      current.metadata.annotations['deployment.kubernetes.io/revision'] = String(maxRevision + 1);
      this.put('replicasets', current);
      this.progressAt.set(d.metadata.uid, Date.now());
    }
    sets = owned();
    const revision = current.metadata.annotations['deployment.kubernetes.io/revision'];
    const desired = d.spec.replicas;
    const podsOf = (rs: Obj) => this.list('pods', ns, undefined, true).filter((p) => p.metadata.ownerReferences?.[0]?.name === rs.metadata.name);
    const newPods = podsOf(current);
    const old = sets.filter((rs) => rs.metadata.name !== current!.metadata.name).flatMap(podsOf);
    let progressed = false;
    if (settle) {
      for (let i = newPods.length; i < desired; i++) this.createPod(current, true);
      for (const p of old) this.remove('pods', p);
      progressed = true;
    } else {
      const readyNew = newPods.filter((p) => p.status.containerStatuses[0].ready);
      if (readyNew.length === newPods.length && newPods.length < desired && newPods.length + old.length < desired + 1) {
        this.createPod(current, false);
        progressed = true;
      } else if (readyNew.length > 0 && old.length > 0 && newPods.length + old.length > desired) {
        this.remove('pods', old[0]!);
        progressed = true;
      } else if (newPods.length === desired && readyNew.length === desired && old.length > 0) {
        this.remove('pods', old[0]!);
        progressed = true;
      } else if (newPods.length > desired) {
        this.remove('pods', newPods.at(-1)!);
        progressed = true;
      }
    }
    if (progressed) this.progressAt.set(d.metadata.uid, Date.now());
    for (const rs of owned()) {
      const count = podsOf(rs).length;
      if (rs.spec.replicas !== count || rs.status.replicas !== count) {
        rs.spec.replicas = count;
        rs.status = { replicas: count, readyReplicas: podsOf(rs).filter((p) => p.status.containerStatuses[0].ready).length, observedGeneration: 1 };
        this.put('replicasets', rs);
      }
    }
    const all = [...podsOf(current), ...sets.filter((rs) => rs.metadata.name !== current!.metadata.name).flatMap(podsOf)];
    const updated = podsOf(current).length;
    const ready = all.filter((p) => p.status.containerStatuses[0].ready).length;
    const complete = updated === desired && all.length === desired && ready === desired;
    const now = new Date().toISOString();
    const previous = (d.status.conditions ?? []).find((c: Obj) => c.type === 'Progressing');
    let progressing: Obj;
    const since = this.progressAt.get(d.metadata.uid) ?? Date.now();
    if (complete) progressing = { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${current.metadata.name}" has successfully progressed.` };
    else if (previous?.reason === 'ProgressDeadlineExceeded' || Date.now() - since > d.spec.progressDeadlineSeconds * 1000) progressing = { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${current.metadata.name}" has timed out progressing.` };
    else progressing = { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${current.metadata.name}" is progressing.` };
    if (previous?.reason === 'ProgressDeadlineExceeded' && progressed) progressing = { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${current.metadata.name}" is progressing.` };
    const status = {
      observedGeneration: d.metadata.generation,
      replicas: all.length,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: ready,
      ...(all.length - ready > 0 ? { unavailableReplicas: all.length - ready } : {}),
      conditions: [
        { type: 'Available', status: ready >= desired ? 'True' : 'False', reason: ready >= desired ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', message: 'Deployment availability.' },
        progressing,
      ],
    };
    const same = (a: Obj, b: Obj) => JSON.stringify({ ...a, conditions: a.conditions?.map((c: Obj) => ({ ...c, lastUpdateTime: undefined, lastTransitionTime: undefined })) }) === JSON.stringify({ ...b, conditions: b.conditions?.map((c: Obj) => ({ ...c, lastUpdateTime: undefined, lastTransitionTime: undefined })) });
    const annotationsChanged = d.metadata.annotations['deployment.kubernetes.io/revision'] !== revision;
    if (!same(d.status, status) || annotationsChanged) {
      d.metadata.annotations['deployment.kubernetes.io/revision'] = revision;
      d.status = { ...status, conditions: status.conditions.map((c) => ({ ...c, lastUpdateTime: now, lastTransitionTime: now })) };
      this.put('deployments', d);
    }
  }

  /** The ControllerRevision of the workload's template: created, or an older one brought back under a new number. */
  private revisionFor(owner: Obj, kind: string, hashLabel: string): { name: string; hash: string } {
    const ns = owner.metadata.namespace;
    const hash = templateHash(owner.spec.template);
    const revisions = this.list('controllerrevisions', ns, undefined, true).filter((r) => r.metadata.ownerReferences?.[0]?.uid === owner.metadata.uid);
    const maxRevision = Math.max(0, ...revisions.map((r) => r.revision));
    const name = `${owner.metadata.name}-${hash}`;
    const existing = revisions.find((r) => r.metadata.name === name);
    if (!existing) {
      this.put('controllerrevisions', {
        apiVersion: 'apps/v1',
        kind: 'ControllerRevision',
        metadata: { ...this.meta(ns, name), labels: { ...owner.spec.template.metadata.labels, [hashLabel]: hash }, ownerReferences: [{ apiVersion: 'apps/v1', kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true }] },
        revision: maxRevision + 1,
        data: { spec: { template: { ...structuredClone(owner.spec.template), $patch: 'replace' } } },
      });
    } else if (existing.revision < maxRevision) {
      this.put('controllerrevisions', { ...structuredClone(existing), revision: maxRevision + 1 });
    }
    return { name, hash };
  }

  /** One step of the DaemonSet controller: a pod per node, one replaced at a time (maxUnavailable 1). */
  private reconcileDaemonSet(ds: Obj, settle: boolean): void {
    const ns = ds.metadata.namespace;
    const { hash } = this.revisionFor(ds, 'DaemonSet', 'controller-revision-hash');
    const nodes = ['node-1', 'node-2'];
    const pods = () => this.list('pods', ns, undefined, true).filter((p) => p.metadata.ownerReferences?.[0]?.uid === ds.metadata.uid);
    const create = (node: string, ready: boolean) =>
      this.createPod({ metadata: { name: ds.metadata.name, namespace: ns, uid: ds.metadata.uid }, spec: { template: ds.spec.template } }, ready, { name: `${ds.metadata.name}-${randomBytes(3).toString('hex').slice(0, 5)}`, kind: 'DaemonSet', node, labels: { 'controller-revision-hash': hash } });
    if (settle) {
      for (const node of nodes) create(node, true);
    } else {
      const now = pods();
      const empty = nodes.find((n) => !now.some((p) => p.spec.nodeName === n));
      const isReady = (p: Obj) => p.status.containerStatuses[0].ready === true;
      const old = now.filter((p) => p.metadata.labels['controller-revision-hash'] !== hash);
      const oldUnavailable = old.find((p) => !isReady(p));
      if (empty !== undefined) create(empty, false);
      else if (oldUnavailable) this.remove('pods', oldUnavailable);
      else if (old.length > 0 && now.every(isReady)) this.remove('pods', old[0]!);
    }
    const all = pods();
    const ready = all.filter((p) => p.status.containerStatuses[0].ready).length;
    const status = {
      observedGeneration: ds.metadata.generation,
      desiredNumberScheduled: nodes.length,
      currentNumberScheduled: all.length,
      updatedNumberScheduled: all.filter((p) => p.metadata.labels['controller-revision-hash'] === hash).length,
      numberReady: ready,
      numberAvailable: ready,
      numberMisscheduled: 0,
      ...(nodes.length - ready > 0 ? { numberUnavailable: nodes.length - ready } : {}),
    };
    if (JSON.stringify(status) !== JSON.stringify(ds.status)) {
      ds.status = status;
      this.put('daemonsets', ds);
    }
  }

  /** One step of the StatefulSet controller: OrderedReady, rolling from the highest ordinal down. */
  private reconcileStatefulSet(sts: Obj, settle: boolean): void {
    const ns = sts.metadata.namespace;
    const { name: revisionName } = this.revisionFor(sts, 'StatefulSet', 'controller.kubernetes.io/hash');
    const pods = () => this.list('pods', ns, undefined, true).filter((p) => p.metadata.ownerReferences?.[0]?.uid === sts.metadata.uid);
    const desired = sts.spec.replicas;
    const ordinal = (p: Obj) => Number(p.metadata.name.slice(sts.metadata.name.length + 1));
    const create = (i: number, ready: boolean) => this.createPod({ metadata: { name: sts.metadata.name, namespace: ns, uid: sts.metadata.uid }, spec: { template: sts.spec.template } }, ready, { name: `${sts.metadata.name}-${i}`, kind: 'StatefulSet', labels: { 'controller-revision-hash': revisionName, 'statefulset.kubernetes.io/pod-name': `${sts.metadata.name}-${i}` } });
    if (settle) {
      for (let i = 0; i < desired; i++) create(i, true);
    } else {
      const now = pods().sort((a, b) => ordinal(a) - ordinal(b));
      const missing = Array.from({ length: desired }, (_, i) => i).find((i) => !now.some((p) => ordinal(p) === i));
      const allReady = now.every((p) => p.status.containerStatuses[0].ready);
      if (missing !== undefined) {
        if (allReady) create(missing, false);
      } else if (allReady) {
        // Every pod ready: replace the highest ordinal still on an older revision.
        const stale = [...now].reverse().find((p) => p.metadata.labels['controller-revision-hash'] !== revisionName);
        if (stale) this.remove('pods', stale);
      }
    }
    const all = pods();
    const ready = all.filter((p) => p.status.containerStatuses[0].ready).length;
    const updated = all.filter((p) => p.metadata.labels['controller-revision-hash'] === revisionName).length;
    const previous = sts.status.currentRevision ?? revisionName;
    const current = updated === desired && ready === desired ? revisionName : previous;
    const status = {
      observedGeneration: sts.metadata.generation,
      replicas: all.length,
      readyReplicas: ready,
      availableReplicas: ready,
      currentReplicas: all.filter((p) => p.metadata.labels['controller-revision-hash'] === current).length,
      updatedReplicas: updated,
      currentRevision: current,
      updateRevision: revisionName,
      collisionCount: 0,
    };
    if (JSON.stringify(status) !== JSON.stringify(sts.status)) {
      sts.status = status;
      this.put('statefulsets', sts);
    }
  }

  private createPod(rs: Obj, ready: boolean, as: { name: string; kind: string; labels: Record<string, string>; node?: string } | undefined = undefined): void {
    const template = rs.spec.template;
    const name = as?.name ?? `${rs.metadata.name}-${randomBytes(3).toString('hex').slice(0, 5)}`;
    const now = new Date().toISOString();
    const statuses = template.spec.containers.map((c: Obj) => ({
      name: c.name,
      image: c.image,
      imageID: `docker-pullable://${c.image.split(/[:@]/)[0]}@sha256:${createHash('sha256').update(c.image).digest('hex')}`,
      ready,
      started: ready,
      restartCount: 0,
      state: ready ? { running: { startedAt: now } } : { waiting: { reason: 'ContainerCreating' } },
    }));
    this.put('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { ...this.meta(rs.metadata.namespace, name), labels: { ...template.metadata.labels, ...as?.labels }, annotations: { ...template.metadata.annotations }, ownerReferences: [{ apiVersion: 'apps/v1', kind: as?.kind ?? 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid, controller: true }] },
      spec: { ...structuredClone(template.spec), nodeName: as?.node ?? 'node-1' },
      status: { phase: ready ? 'Running' : 'Pending', startTime: now, podIP: '10.0.0.1', containerStatuses: statuses, ...(ready ? { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] } : {}) },
    });
    const image = template.spec.containers[0].image;
    this.logs.set(name, behaviourOf(image) === 'crash' ? { current: [], previous: [`starting ${image}`, 'panic: cannot read /etc/app/config.yaml'] } : { current: [`starting ${image}`, 'listening on :8080'], previous: [] });
  }
}

/** What metrics-server reports of a running container nobody set a usage for: a quiet one. */
export const DEFAULT_USAGE = { cpu: '2m', memory: '8Mi' };

function behaviourOf(image: string): 'healthy' | 'crash' | 'stuck' {
  const tag = image.slice(image.lastIndexOf(':') + 1);
  if (tag.startsWith('crash')) return 'crash';
  if (tag.startsWith('stuck')) return 'stuck';
  return 'healthy';
}

function templateHash(template: Obj): string {
  const t = structuredClone(template);
  delete t.metadata?.labels?.['pod-template-hash'];
  delete t.metadata?.creationTimestamp;
  return createHash('sha256').update(stable(t)).digest('hex').slice(0, 10).replace(/[^a-z0-9]/g, 'x');
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).filter((k) => (v as Obj)[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${stable((v as Obj)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

function randomUid(): string {
  const h = randomBytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Equality-based label selectors (`a=b,c=d`), which is what the runtime sends. */
function matches(labels: Record<string, string>, selector: string | undefined): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [k, v] = term.split('=');
    return labels[k!] === v;
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Obj = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Obj) } : {};
  for (const [k, v] of Object.entries(patch as Obj)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Strategic merge as the API server does it for the fields used here: lists of named objects merge by name, `$patch: replace` replaces. */
function strategicMerge(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object') return patch;
  if (Array.isArray(patch)) {
    if (!Array.isArray(target) || !patch.every((p) => p && typeof p === 'object' && 'name' in p)) return patch;
    const out = [...target] as Obj[];
    for (const item of patch as Obj[]) {
      const i = out.findIndex((o) => o.name === item.name);
      if (i >= 0) out[i] = strategicMerge(out[i], item) as Obj;
      else out.push(item);
    }
    return out;
  }
  const p = patch as Obj;
  if (p.$patch === 'replace') {
    const { $patch: _, ...rest } = p;
    return rest;
  }
  const out: Obj = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Obj) } : {};
  for (const [k, v] of Object.entries(p)) {
    if (v === null) delete out[k];
    else out[k] = strategicMerge(out[k], v);
  }
  return out;
}

function jsonPatch(target: Obj, ops: Obj[]): Obj {
  for (const op of ops) {
    const path = String(op.path).split('/').slice(1).map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = path.pop()!;
    let parent: Obj = target;
    for (const seg of path) {
      if (parent[seg] === undefined) throw new Error(`path ${op.path} does not exist`);
      parent = parent[seg];
    }
    if (op.op === 'remove') {
      if (!(last in parent)) throw new Error(`path ${op.path} does not exist`);
      delete parent[last];
    } else if (op.op === 'replace' || op.op === 'add') {
      if (op.op === 'replace' && !(last in parent)) throw new Error(`path ${op.path} does not exist`);
      parent[last] = structuredClone(op.value);
    } else throw new Error(`op ${op.op} not supported here`);
  }
  return target;
}
