import type { ContainerSelector } from '../../src/core/domain/catalog.js';
import { silentLogger } from '../../src/core/ports/logger.port.js';
import {
  ContainerNotFoundError,
  HostUnreachableError,
  ImagePullError,
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
  type RuntimeRegistry,
} from '../../src/core/ports/runtime.port.js';
import type { HealthOutcome, Replacement, ReplacementEngine } from '../../src/adapters/docker/replacement.js';
import { pullAll, restartOneByOne, revertInterrupted, rolloutByReplacement } from '../../src/adapters/docker/replacement-rollout.js';

export interface MemoryContainer extends ContainerInfo {
  env: Record<string, string>;
  logLines: LogLine[];
}

const PREVIOUS = '.deckhand-prev';

/**
 * The one in-memory Runtime. Containers are plain data; a rollout works like the Docker runtime's (the same
 * pulls, replacement rollout, commit and undo over in-memory containers), so processor tests see Docker's
 * steps and texts. Tests script what goes wrong: an unreachable or slow host, images that cannot be
 * pulled, containers that never get healthy, a replacement that blocks. Every call is logged in order (`calls`) and may advance a clock.
 */
export class MemoryRuntime implements Runtime, ReplacementEngine {
  readonly containers: MemoryContainer[] = [];
  unreachable = false;
  /** Delay before answering, to exercise timeouts. */
  delayMs = 0;
  calls: string[] = [];
  /** Image → reason: pulling it fails. */
  readonly pullFailures = new Map<string, string>();
  /** Container names that are unhealthy once they run an image (`name@image`), or whatever they run (`name`). */
  readonly unhealthy = new Set<string>();
  /** While set, `replace` waits for it (a test lets it go on). */
  blockReplace: Promise<void> | null = null;
  private seq = 0;

  constructor(
    readonly host: string,
    /** Called on every call (processor tests advance their clock by one second). */
    private readonly tick: () => void = () => {},
  ) {}

  add(c: Partial<MemoryContainer> & { name: string }): MemoryContainer {
    const image = c.image ?? 'registry.local/app:1.0.0';
    const full: MemoryContainer = {
      id: `${c.name}-id`,
      image,
      imageId: imageIdOf(image),
      version: image.split(':').pop() ?? image,
      state: 'running',
      health: 'none',
      startedAt: new Date('2026-11-20T10:00:00Z'),
      restartCount: 0,
      labels: {},
      env: {},
      logLines: [],
      ...c,
    };
    this.containers.push(full);
    return full;
  }

  /** `name image (stopped)?` of every container, sorted by name: the state a test asserts on. */
  state(): string[] {
    return this.containers.map((c) => `${c.name} ${c.image}${c.state === 'running' ? '' : ' (stopped)'}`).sort();
  }

  private async gate(op: string, opts?: CallOptions): Promise<void> {
    this.calls.push(op);
    this.tick();
    if (this.delayMs > 0) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, this.delayMs);
        opts?.signal?.addEventListener('abort', () => {
          clearTimeout(t);
          reject(opts.signal!.reason);
        });
      });
    }
    if (this.unreachable) throw new HostUnreachableError(this.host, 'connect ECONNREFUSED');
  }

  /** A container by id or by name (names are what plans carry). */
  private byRef(ref: string): MemoryContainer {
    const c = this.containers.find((x) => x.id === ref) ?? this.containers.find((x) => x.name === ref);
    if (!c) throw new ContainerNotFoundError(ref);
    return c;
  }

  // --- the Runtime port ---

  async ping(opts?: CallOptions): Promise<void> {
    await this.gate('ping', opts);
  }

  async find(selectors: ContainerSelector[], opts?: CallOptions): Promise<ContainerInfo[][]> {
    await this.gate('find', opts);
    return selectors.map((s) =>
      this.containers
        .filter((c) => (s.name === undefined || c.name === s.name) && Object.entries(s.labels ?? {}).every(([k, v]) => c.labels[k] === v))
        .map((c) => info(c))
        .sort((a, b) => a.name.localeCompare(b.name)),
    );
  }

  async logs(id: string, q: LogQuery, opts?: CallOptions): Promise<LogLine[]> {
    await this.gate('logs', opts);
    // Lines a test gave a time are kept to [since, until) as a runtime does; the time is handed out with `timestamps`.
    const lines = this.byRef(id).logLines.filter((l) => !l.at || ((!q.since || l.at >= q.since) && (!q.until || l.at < q.until)));
    return lines.slice(-q.tail).map(({ at, ...l }) => (q.timestamps && at ? { ...l, at } : l));
  }

  async env(id: string, opts?: CallOptions): Promise<Record<string, string>> {
    await this.gate('env', opts);
    return { ...this.byRef(id).env };
  }

  prepare(request: RolloutRequest, onProgress: ProgressSink): Promise<PrepareResult> {
    return pullAll(this, this.host, request, onProgress, silentLogger);
  }

  rollout(request: RolloutRequest, onProgress: ProgressSink): Promise<RolloutResult> {
    return rolloutByReplacement(this, request, onProgress, silentLogger);
  }

  restart(request: RestartRequest, onProgress: ProgressSink): Promise<RuntimeActionResult> {
    return restartOneByOne(this, request, onProgress, silentLogger);
  }

  async recover(interrupted: InterruptedTarget[]): Promise<RecoveryResult> {
    return revertInterrupted(this, interrupted, silentLogger);
  }

  // --- the replacement steps a rollout is made of (as on Docker) ---

  async pull(image: string): Promise<void> {
    await this.gate(`pull ${image}`);
    const reason = this.pullFailures.get(image);
    if (reason) throw new ImagePullError(image, reason);
  }

  async replace(ref: string, image: string): Promise<Replacement> {
    const old = this.byRef(ref);
    await this.gate(`replace ${old.name} ${image}`);
    if (this.blockReplace) await this.blockReplace;
    const name = old.name;
    old.name = `${name}${PREVIOUS}`;
    old.state = 'exited';
    const fresh = this.add({
      ...old,
      name,
      id: `${name}-v${++this.seq}`,
      image,
      imageId: imageIdOf(image),
      version: image.split(':').pop() ?? image,
      state: 'running',
      restartCount: 0,
      labels: { ...old.labels },
      env: { ...old.env },
      logLines: [],
    });
    return { name, oldId: old.id, newId: fresh.id, oldImage: old.image, newImage: image };
  }

  async waitHealthy(ref: string): Promise<HealthOutcome> {
    const c = this.byRef(ref);
    await this.gate(`wait ${c.name}`);
    if (this.unhealthy.has(c.name) || this.unhealthy.has(`${c.name}@${c.image}`)) {
      return { healthy: false, reason: 'unhealthy', detail: 'healthcheck: connection refused' };
    }
    return { healthy: true, via: 'healthcheck' };
  }

  async finalize(r: Replacement): Promise<void> {
    await this.gate(`finalize ${r.name}`);
    this.remove(r.oldId);
  }

  async revert(r: Replacement): Promise<void> {
    await this.gate(`revert ${r.name}`);
    this.remove(r.newId);
    const old = this.byRef(r.oldId);
    old.name = r.name;
    old.state = 'running';
  }

  async pendingReplacements(): Promise<Replacement[]> {
    await this.gate('pendingReplacements');
    return this.containers
      .filter((c) => c.name.endsWith(PREVIOUS))
      .map((old) => {
        const name = old.name.slice(0, -PREVIOUS.length);
        const fresh = this.containers.find((c) => c.name === name);
        return { name, oldId: old.id, newId: fresh?.id ?? '', oldImage: old.image, newImage: fresh?.image ?? '' };
      });
  }

  async restartContainer(ref: string): Promise<void> {
    const c = this.byRef(ref);
    await this.gate(`restart ${c.name}`);
    c.startedAt = new Date(c.startedAt ? c.startedAt.getTime() + 1000 : Date.now());
    c.state = 'running';
  }

  private remove(id: string): void {
    const i = this.containers.findIndex((c) => c.id === id);
    if (i >= 0) this.containers.splice(i, 1);
  }
}

function info(c: MemoryContainer): ContainerInfo {
  const { env: _env, logLines: _logs, ...rest } = c;
  return { ...rest, labels: { ...rest.labels } };
}

/** A stable stand-in for an image id: the same reference always has the same id. */
function imageIdOf(image: string): string {
  let h = 0;
  for (const ch of image) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `sha256:${h.toString(16).padStart(8, '0')}`;
}

export class MemoryRuntimeRegistry implements RuntimeRegistry {
  readonly runtimes = new Map<string, MemoryRuntime>();

  constructor(hosts: string[] | MemoryRuntime[]) {
    for (const h of hosts) {
      const runtime = typeof h === 'string' ? new MemoryRuntime(h) : h;
      this.runtimes.set(runtime.host, runtime);
    }
  }

  get(host: string): MemoryRuntime {
    const r = this.runtimes.get(host);
    if (!r) throw new HostUnreachableError(host, 'no such host in the configuration');
    return r;
  }

  hosts(): string[] {
    return [...this.runtimes.keys()];
  }
}
