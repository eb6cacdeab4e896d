import type { ContainerSelector } from '../../src/core/domain/catalog.js';
import {
  ContainerNotFoundError,
  HostUnreachableError,
  ImagePullError,
  type HealthOutcome,
  type HealthWait,
  type Replacement,
  type CallOptions,
  type ContainerInfo,
  type LogLine,
  type LogQuery,
  type Runtime,
  type RuntimeRegistry,
} from '../../src/core/ports/runtime.port.js';

export interface MemoryContainer extends ContainerInfo {
  env: Record<string, string>;
  logLines: LogLine[];
}

/** In-memory Runtime for core unit tests: containers are plain data, a host can be made unreachable or slow. */
export class MemoryRuntime implements Runtime {
  readonly containers: MemoryContainer[] = [];
  unreachable = false;
  /** Delay before answering, to exercise timeouts. */
  delayMs = 0;
  calls: string[] = [];

  constructor(readonly host: string) {}

  add(c: Partial<MemoryContainer> & { name: string }): MemoryContainer {
    const full: MemoryContainer = {
      id: `${c.name}-id`,
      image: 'registry.local/app:1.0.0',
      version: '1.0.0',
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

  private async gate(op: string, opts?: CallOptions): Promise<void> {
    this.calls.push(op);
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

  async ping(opts?: CallOptions): Promise<void> {
    await this.gate('ping', opts);
  }

  async find(selectors: ContainerSelector[], opts?: CallOptions): Promise<ContainerInfo[][]> {
    await this.gate('find', opts);
    return selectors.map((s) =>
      this.containers.filter(
        (c) => (s.name === undefined || c.name === s.name) && Object.entries(s.labels ?? {}).every(([k, v]) => c.labels[k] === v),
      ),
    );
  }

  private byId(id: string): MemoryContainer {
    const c = this.containers.find((x) => x.id === id);
    if (!c) throw new ContainerNotFoundError(id);
    return c;
  }

  async logs(id: string, q: LogQuery, opts?: CallOptions): Promise<LogLine[]> {
    await this.gate('logs', opts);
    return this.byId(id).logLines.slice(-q.tail);
  }

  async environment(id: string, opts?: CallOptions): Promise<Record<string, string>> {
    await this.gate('environment', opts);
    return { ...this.byId(id).env };
  }

  /** Images whose pull fails, and images whose containers never get healthy. */
  readonly missingImages = new Set<string>();
  readonly unhealthyImages = new Set<string>();
  private seq = 0;

  async restart(id: string, opts?: CallOptions): Promise<void> {
    await this.gate(`restart ${id}`, opts);
    const c = this.byId(id);
    c.startedAt = new Date(c.startedAt ? c.startedAt.getTime() + 1000 : Date.now());
    c.state = 'running';
  }

  async pull(image: string, opts?: CallOptions): Promise<void> {
    await this.gate(`pull ${image}`, opts);
    if (this.missingImages.has(image)) throw new ImagePullError(image, 'manifest unknown');
  }

  async replace(id: string, image: string, opts?: CallOptions): Promise<Replacement> {
    await this.gate(`replace ${id} ${image}`, opts);
    const old = this.byId(id);
    const name = old.name;
    old.name = `${name}.deckhand-prev`;
    old.state = 'exited';
    const fresh = this.add({ ...old, name, id: `${name}-id-${++this.seq}`, image, version: image.split(':').pop() ?? image, state: 'running', restartCount: 0 });
    return { name, oldId: old.id, newId: fresh.id, oldImage: old.image, newImage: image };
  }

  async waitHealthy(id: string, _wait: HealthWait, opts?: CallOptions): Promise<HealthOutcome> {
    await this.gate(`wait ${id}`, opts);
    const c = this.byId(id);
    if (this.unhealthyImages.has(c.image)) return { healthy: false, reason: 'unhealthy', detail: 'healthcheck failed' };
    return { healthy: true, via: 'running' };
  }

  async finalize(r: Replacement, opts?: CallOptions): Promise<void> {
    await this.gate(`finalize ${r.oldId}`, opts);
    this.remove(r.oldId);
  }

  async revert(r: Replacement, opts?: CallOptions): Promise<void> {
    await this.gate(`revert ${r.newId}`, opts);
    this.remove(r.newId);
    const old = this.byId(r.oldId);
    old.name = r.name;
    old.state = 'running';
  }

  async pendingReplacements(opts?: CallOptions): Promise<Replacement[]> {
    await this.gate('pendingReplacements', opts);
    return this.containers
      .filter((c) => c.name.endsWith('.deckhand-prev'))
      .map((c) => {
        const name = c.name.replace(/\.deckhand-prev$/, '');
        const fresh = this.containers.find((x) => x.name === name);
        return { name, oldId: c.id, newId: fresh?.id ?? '', oldImage: c.image, newImage: fresh?.image ?? '' };
      });
  }

  private remove(id: string): void {
    const i = this.containers.findIndex((c) => c.id === id);
    if (i >= 0) this.containers.splice(i, 1);
  }
}

export class MemoryRuntimeRegistry implements RuntimeRegistry {
  readonly runtimes = new Map<string, MemoryRuntime>();

  constructor(hosts: string[]) {
    for (const h of hosts) this.runtimes.set(h, new MemoryRuntime(h));
  }

  get(host: string): MemoryRuntime {
    const r = this.runtimes.get(host);
    if (!r) throw new Error(`no runtime for host ${host}`);
    return r;
  }

  hosts(): string[] {
    return [...this.runtimes.keys()];
  }
}
