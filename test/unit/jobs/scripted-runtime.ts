import type { ContainerSelector } from '../../../src/core/domain/catalog.js';
import {
  ContainerNotFoundError,
  ImagePullError,
  type ContainerInfo,
  type HealthOutcome,
  type LogLine,
  type Replacement,
  type Runtime,
  type RuntimeRegistry,
} from '../../../src/core/ports/runtime.port.js';

interface Box {
  id: string;
  name: string;
  image: string;
  running: boolean;
}

/**
 * A Runtime for processor tests: containers are plain records, every call is logged in order, and a test
 * scripts failures (pull errors, containers that never get healthy) and time (each call advances the clock).
 */
export class ScriptedRuntime implements Runtime {
  readonly boxes: Box[] = [];
  readonly calls: string[] = [];
  readonly pullFailures = new Map<string, string>();
  /** Container names that are unhealthy once they run this image (`name@image`), or by name alone. */
  readonly unhealthy = new Set<string>();
  /** Resolves when a test lets a blocked `replace` go on. */
  blockReplace: Promise<void> | null = null;
  private seq = 0;

  constructor(
    readonly host: string,
    private readonly tick: () => void = () => {},
  ) {}

  add(name: string, image: string): Box {
    const box = { id: `${name}-v0`, name, image, running: true };
    this.boxes.push(box);
    return box;
  }

  /** `name image running?` of every container, sorted by name: the state a test asserts on. */
  state(): string[] {
    return this.boxes.map((b) => `${b.name} ${b.image}${b.running ? '' : ' (stopped)'}`).sort();
  }

  private log(call: string): void {
    this.calls.push(call);
    this.tick();
  }

  private byId(id: string): Box {
    const box = this.boxes.find((b) => b.id === id);
    if (!box) throw new ContainerNotFoundError(id);
    return box;
  }

  async ping(): Promise<void> {}
  async find(_s: ContainerSelector[]): Promise<ContainerInfo[][]> {
    throw new Error('not used by the processor');
  }
  async logs(): Promise<LogLine[]> {
    return [];
  }
  async environment(): Promise<Record<string, string>> {
    return {};
  }

  async restart(id: string): Promise<void> {
    this.log(`restart ${this.byId(id).name}`);
    this.byId(id).running = true;
  }

  async pull(image: string): Promise<void> {
    this.log(`pull ${image}`);
    const reason = this.pullFailures.get(image);
    if (reason) throw new ImagePullError(image, reason);
  }

  async replace(id: string, image: string): Promise<Replacement> {
    const old = this.byId(id);
    this.log(`replace ${old.name} ${image}`);
    if (this.blockReplace) await this.blockReplace;
    const name = old.name;
    old.name = `${name}.deckhand-prev`;
    old.running = false;
    const fresh = { id: `${name}-v${++this.seq}`, name, image, running: true };
    this.boxes.push(fresh);
    return { name, oldId: old.id, newId: fresh.id, oldImage: old.image, newImage: image };
  }

  async waitHealthy(id: string): Promise<HealthOutcome> {
    const box = this.byId(id);
    this.log(`wait ${box.name}`);
    if (this.unhealthy.has(box.name) || this.unhealthy.has(`${box.name}@${box.image}`)) {
      return { healthy: false, reason: 'unhealthy', detail: 'healthcheck: connection refused' };
    }
    return { healthy: true, via: 'healthcheck' };
  }

  async finalize(r: Replacement): Promise<void> {
    this.log(`finalize ${r.name}`);
    this.remove(r.oldId);
  }

  async revert(r: Replacement): Promise<void> {
    this.log(`revert ${r.name}`);
    this.remove(r.newId);
    const old = this.byId(r.oldId);
    old.name = r.name;
    old.running = true;
  }

  async pendingReplacements(): Promise<Replacement[]> {
    this.log('pendingReplacements');
    return this.boxes
      .filter((b) => b.name.endsWith('.deckhand-prev'))
      .map((old) => {
        const name = old.name.slice(0, -'.deckhand-prev'.length);
        const fresh = this.boxes.find((b) => b.name === name);
        return { name, oldId: old.id, newId: fresh?.id ?? '', oldImage: old.image, newImage: fresh?.image ?? '' };
      });
  }

  private remove(id: string): void {
    const i = this.boxes.findIndex((b) => b.id === id);
    if (i >= 0) this.boxes.splice(i, 1);
  }
}

export class ScriptedRegistry implements RuntimeRegistry {
  constructor(private readonly runtimes: ScriptedRuntime[]) {}
  get(host: string): ScriptedRuntime {
    const r = this.runtimes.find((x) => x.host === host);
    if (!r) throw new Error(`no runtime for ${host}`);
    return r;
  }
  hosts(): string[] {
    return this.runtimes.map((r) => r.host);
  }
}
