import type { IncomingMessage } from 'node:http';
import type Docker from 'dockerode';
import type { ContainerSelector } from '../../core/domain/catalog.js';
import type { Logger } from '../../core/ports/logger.port.js';
import type { ContainerInfo } from '../../core/ports/runtime.port.js';
import { matchesSelector, toContainerInfo, type ContainerInspect, type ContainerSummary } from './container-info.mapper.js';
import { engineCall } from './docker-call.js';
import { raceAbort } from '../race-abort.js';
import { openContainerEvents, readEvents, stateChange, type EngineEvent } from './engine-events.js';
import { listSelected } from './engine-filters.js';

export const DEFAULT_RESYNC_INTERVAL_MS = 300_000;
const RECONNECT_INITIAL_MS = 250;
const RECONNECT_MAX_MS = 30_000;
/** After a health event, the container is read again this much later (Podman 4 updates its state late). */
const HEALTH_SETTLE_MS = 750;
/** A stream that stayed up this long was healthy: its loss starts the backoff again from the beginning. */
const STABLE_STREAM_MS = 10_000;
/** Inspects run at once during a full resync. */
const RESYNC_CONCURRENCY = 16;
/** Podman 4 answers 500 "no such process" while a container's process goes away; asked again this often. */
const TRANSIENT_RETRIES = 5;
const TRANSIENT_PAUSE_MS = 100;
/** Pause before a container whose read failed otherwise is read again. */
const FAILED_READ_RETRY_MS = 500;

export interface ContainerIndexOptions {
  /** What the host's catalog selects; only containers matching one of them are kept. */
  selectors: readonly ContainerSelector[];
  /** Deadline of opening the event stream, and of how long `start` waits for the first build. */
  timeoutMs: number;
  /**
   * Deadline of the index's own reads (the list and inspects of a build or resync, the reads after events);
   * nobody waits for them in chat, so a busy engine listing many containers may take longer than a query
   * may (default timeoutMs). With the query deadline, a list slower than it failed every build and resync.
   */
  readTimeoutMs?: number;
  /** Full resync while the stream is up (default 5 min). */
  resyncIntervalMs?: number;
  /** Pause before the first reconnect after the stream is lost, doubling up to maxMs (default 250 ms … 30 s). */
  reconnect?: { initialMs: number; maxMs: number };
  logger: Logger;
}

/** Whether the index answers, and why not when it does not (for /readyz). */
export type IndexHealth = { live: true } | { live: false; reason: string };

/** Image labels kept besides the selectors': the commit a deploy plan compares the new version with. */
const KEPT_IMAGE_LABELS = ['org.opencontainers.image.revision'];

/**
 * A live, in-memory index of the containers one engine runs that the catalog selects. One filtered list
 * (per selector shape) and an inspect per selected container build it, at start and after every gap in the
 * engine's container event stream; the stream keeps it current: every event that may change what status
 * shows has the container read again (coalesced per container), so the index never guesses a state from an
 * event. A full resync also runs every resyncIntervalMs. While the stream is down (or the index is being
 * rebuilt after a gap) it is not live and the runtime asks the engine directly; it reconnects with backoff,
 * from the last event seen (`since`) so the gap's events are replayed too.
 *
 * Memory is bounded by the selection: only selected containers are kept, with the fields status shows and
 * only the labels the selectors name.
 */
export class ContainerIndex {
  private entries = new Map<string, ContainerInfo>();
  private readonly selectors: readonly ContainerSelector[];
  private readonly selectorKeys: Set<string>;
  private readonly labelKeys: Set<string>;
  private readonly log: Logger;
  private readonly resyncIntervalMs: number;
  private readonly reconnect: { initialMs: number; maxMs: number };
  /** Bumped whenever the stream is lost or replaced: work begun under an older generation is dropped. */
  private generation = 0;
  private stream: { response: IncomingMessage; abort: AbortController; since: number } | undefined;
  private synced = false;
  private closed = false;
  private started = false;
  private backoffMs: number;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private resyncing: { generation: number; done: Promise<void> } | undefined;
  /** Containers touched by events while a resync runs; read again once its result is installed. */
  private dirty: Set<string> | undefined;
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  /** Containers whose last read failed (retried); the index is not live while there are any. */
  private readonly failing = new Set<string>();
  /** Where a reconnect resumes the stream (`since`): the last event seen, or when the stream opened. */
  private resumeSec: number | undefined;
  private lostReason = 'container index being built; status asks the engine directly';
  /** Settled by the first connect's outcome: live, or the first failure (start() waits for no more). */
  private firstAttempt: { promise: Promise<void>; resolve: () => void };

  constructor(
    private readonly host: string,
    private readonly docker: Docker,
    private readonly options: ContainerIndexOptions,
  ) {
    this.selectors = options.selectors.filter((s) => s.name !== undefined || Object.keys(s.labels ?? {}).length > 0);
    this.selectorKeys = new Set(this.selectors.map(selectorKey));
    this.labelKeys = new Set([...this.selectors.flatMap((s) => Object.keys(s.labels ?? {})), ...KEPT_IMAGE_LABELS]);
    this.log = options.logger.child({ component: 'container-index' });
    this.resyncIntervalMs = options.resyncIntervalMs ?? DEFAULT_RESYNC_INTERVAL_MS;
    this.reconnect = options.reconnect ?? { initialMs: RECONNECT_INITIAL_MS, maxMs: RECONNECT_MAX_MS };
    this.backoffMs = this.reconnect.initialMs;
    let resolve = (): void => undefined;
    const promise = new Promise<void>((r) => (resolve = r));
    this.firstAttempt = { promise, resolve };
  }

  /**
   * Connects to the event stream and builds the index. Resolves once the index is live, the first attempt
   * failed, or `waitMs` passed, whichever comes first; never rejects (an engine that is away is retried in
   * the background, and status asks it directly meanwhile).
   */
  async start(waitMs: number = this.options.timeoutMs): Promise<void> {
    if (this.closed || this.started) return;
    this.started = true;
    this.connect();
    this.resyncTimer = setInterval(() => this.periodicResync(), this.resyncIntervalMs);
    this.resyncTimer.unref();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.firstAttempt.promise, new Promise<void>((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
  }

  /** Ends the stream and every timer; the index answers nothing afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    this.generation++;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.resyncTimer);
    this.dropStream();
    this.synced = false;
    this.entries.clear();
    await Promise.allSettled([...this.inflight.values(), this.resyncing?.done]);
  }

  health(): IndexHealth {
    if (this.live()) return { live: true };
    return { live: false, reason: this.closed ? 'container index closed' : this.lostReason };
  }

  /** Containers in the index (memory is bounded by the selection). */
  size(): number {
    return this.entries.size;
  }

  /** Whether every selector is one the index keeps (the catalog's own). */
  covers(selectors: readonly ContainerSelector[]): boolean {
    return selectors.length > 0 && selectors.every((s) => this.selectorKeys.has(selectorKey(s)));
  }

  /**
   * The containers of each selector from the index, in the selectors' order and sorted by name, or null
   * when the index is not live (the caller asks the engine). Waits for reads already under way for events
   * that arrived before the call, so a change the engine has reported is never answered stale.
   */
  async find(selectors: readonly ContainerSelector[], signal?: AbortSignal): Promise<ContainerInfo[][] | null> {
    if (!this.live() || !this.covers(selectors)) return null;
    if (this.inflight.size > 0) {
      const pending = Promise.all(this.inflight.values()).then(() => undefined);
      await (signal ? raceAbort(pending, signal) : pending);
      if (!this.live()) return null;
    }
    const all = [...this.entries.values()];
    return selectors.map((selector) =>
      all
        .filter((info) => matchesSelector(selector, { Id: info.id, Names: [info.name], Labels: info.labels }))
        .map((info) => ({ ...info, labels: { ...info.labels } }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    );
  }

  /**
   * Reads every selected container again now (one filtered list) when the index is live; resolves when done
   * (never rejects: a failed resync takes the index down, and status asks the engine meanwhile).
   */
  async resyncNow(): Promise<void> {
    if (this.closed || this.stream === undefined || !this.synced) return;
    // A resync under way may have listed before the change: wait for it, then list again.
    await this.resyncing?.done.catch(() => undefined);
    await this.resync(this.generation).catch(() => undefined);
  }

  private live(): boolean {
    return !this.closed && this.stream !== undefined && this.synced && this.failing.size === 0;
  }

  private connect(): void {
    this.reconnectTimer = undefined;
    if (this.closed) return;
    const generation = ++this.generation;
    const abort = new AbortController();
    // Opening the stream has the query deadline; once open, it has none (the signal also ends the stream).
    const opening = setTimeout(() => abort.abort(new Error(`no answer within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
    // From the last event seen, else from when the previous stream opened (the local clock: a skewed engine
    // may replay a little more or miss a little, which the resync after every connect puts right).
    openContainerEvents(this.docker, this.resumeSec, abort.signal).then(
      (response) => {
        clearTimeout(opening);
        if (generation !== this.generation) return void response.destroy();
        this.stream = { response, abort, since: Date.now() };
        this.resumeSec = Math.max(this.resumeSec ?? 0, Math.floor(Date.now() / 1000) - 1);
        const lost = (reason: string) => () => this.lost(generation, reason);
        response.on('error', (err: Error) => this.lost(generation, `event stream failed: ${err.message}`));
        response.on('end', lost('event stream ended'));
        response.on('close', lost('event stream closed'));
        readEvents(response, (event) => this.onEvent(generation, event), (line) => this.log.warn({ host: this.host, line }, 'unreadable line in the engine event stream'));
        void this.resync(generation);
      },
      (err: unknown) => {
        clearTimeout(opening);
        this.lost(generation, `cannot open the event stream: ${describe(abort.signal.aborted ? abort.signal.reason : err)}`);
      },
    );
  }

  /** The stream is gone (or the index cannot be trusted): stop answering, reconnect after a pause. */
  private lost(generation: number, reason: string): void {
    if (generation !== this.generation || this.closed) return;
    this.generation++;
    const upMs = this.stream ? Date.now() - this.stream.since : 0;
    const wasLive = this.live();
    this.dropStream();
    this.synced = false;
    this.failing.clear();
    this.lostReason = `${reason}; status asks the engine directly`;
    if (upMs >= STABLE_STREAM_MS) this.backoffMs = this.reconnect.initialMs;
    const pause = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.reconnect.maxMs);
    if (wasLive) this.log.warn({ host: this.host, reason, retryInMs: pause }, 'container index not live; status asks the engine directly');
    else this.log.debug({ host: this.host, reason, retryInMs: pause }, 'container index still not live');
    this.reconnectTimer = setTimeout(() => this.connect(), pause);
    this.reconnectTimer.unref();
    this.firstAttempt.resolve();
  }

  private dropStream(): void {
    const stream = this.stream;
    this.stream = undefined;
    if (stream) {
      stream.abort.abort();
      stream.response.destroy();
    }
  }

  private onEvent(generation: number, event: EngineEvent): void {
    if (generation !== this.generation) return;
    if (typeof event.time === 'number' && event.time > (this.resumeSec ?? 0)) this.resumeSec = event.time;
    const change = stateChange(event);
    if (change === null) return;
    const candidate: ContainerSummary = { Id: change.id, Names: change.name === undefined ? [] : [change.name], Labels: change.attributes };
    // Engines put a container's labels (and its name) in the event's attributes: that decides relevance
    // without asking the engine about containers the catalog does not select.
    if (!this.entries.has(change.id) && !this.selectors.some((s) => matchesSelector(s, candidate))) return;
    this.refresh(change.id, generation);
    // Podman 4's container state can still show the previous health when its health_status event arrives:
    // read it once more shortly after, so a check that turned unhealthy is not missed until the next resync.
    if (change.action === 'health_status') setTimeout(() => generation === this.generation && this.refresh(change.id, generation), HEALTH_SETTLE_MS).unref();
  }

  /** Reads one container again and puts it in (or takes it out of) the index; one read per container at a time. */
  private refresh(id: string, generation: number): void {
    this.dirty?.add(id);
    if (this.inflight.has(id)) {
      this.again.add(id);
      return;
    }
    const read = this.load(id).then(
      (info) => {
        if (generation !== this.generation) return;
        this.failing.delete(id);
        if (info === null) this.entries.delete(id);
        else this.entries.set(id, info);
      },
      (err: unknown) => {
        if (generation !== this.generation) return;
        // Not live until this container can be read again: its entry may be stale meanwhile.
        if (!this.failing.has(id)) this.log.warn({ host: this.host, container: id.slice(0, 12), reason: describe(err) }, 'container index cannot read a container; status asks the engine directly meanwhile');
        this.failing.add(id);
        this.lostReason = `cannot read container ${id.slice(0, 12)}; status asks the engine directly`;
        setTimeout(() => generation === this.generation && this.refresh(id, generation), FAILED_READ_RETRY_MS).unref();
      },
    );
    const done = read.finally(() => {
      this.inflight.delete(id);
      if (this.again.delete(id) && generation === this.generation) this.refresh(id, generation);
    });
    this.inflight.set(id, done);
  }

  /** Builds the whole index again from the engine; events that arrive meanwhile are applied after it. */
  private resync(generation: number): Promise<void> {
    if (this.resyncing?.generation === generation) return this.resyncing.done;
    // A resync begun for an older stream finishes on its own and installs nothing.
    const dirty = new Set<string>();
    this.dirty = dirty;
    const run = async (): Promise<void> => {
      try {
        const listed = await engineCall(this.scope(), (signal) => listSelected(this.docker, this.selectors, signal));
        const ids = listed.filter((c) => this.selectors.some((s) => matchesSelector(s, c))).map((c) => c.Id);
        const entries = new Map<string, ContainerInfo>();
        await eachLimited(ids, RESYNC_CONCURRENCY, async (id) => {
          const info = await this.load(id);
          if (info !== null) entries.set(id, info);
        });
        if (generation !== this.generation) return;
        this.dirty = undefined;
        const wasLive = this.live();
        this.entries = entries;
        this.failing.clear();
        this.synced = true;
        if (!wasLive) {
          this.log.info({ host: this.host, containers: entries.size }, 'container index live');
          this.firstAttempt.resolve();
        }
        for (const id of dirty) this.refresh(id, generation);
      } catch (err) {
        if (this.dirty === dirty) this.dirty = undefined;
        this.lost(generation, `resync failed: ${describe(err)}`);
      }
    };
    const resyncing = { generation, done: run() };
    this.resyncing = resyncing;
    void resyncing.done.finally(() => {
      if (this.resyncing === resyncing) this.resyncing = undefined;
    });
    return resyncing.done;
  }

  private periodicResync(): void {
    if (this.live() && !this.resyncing) void this.resync(this.generation);
  }

  /** The container as the index keeps it, or null when it is gone or no longer selected. */
  private async load(id: string): Promise<ContainerInfo | null> {
    for (let attempt = 0; ; attempt++) {
      try {
        const inspect = await engineCall({ ...this.scope(), containerId: id }, async (signal) => (await this.docker.getContainer(id).inspect({ abortSignal: signal })) as ContainerInspect);
        return this.keep(toContainerInfo(inspect));
      } catch (err) {
        if ((err as Error).name === 'ContainerNotFoundError' || removing(err)) return null;
        if (attempt >= TRANSIENT_RETRIES || !transient(err)) throw err;
        await new Promise((resolve) => setTimeout(resolve, TRANSIENT_PAUSE_MS));
      }
    }
  }

  /** Only a selected container, and only the labels selection (and KEPT_IMAGE_LABELS) reads. */
  private keep(info: ContainerInfo): ContainerInfo | null {
    const summary: ContainerSummary = { Id: info.id, Names: [info.name], Labels: info.labels };
    if (!this.selectors.some((s) => matchesSelector(s, summary))) return null;
    const labels: Record<string, string> = {};
    for (const key of this.labelKeys) if (info.labels[key] !== undefined) labels[key] = info.labels[key];
    return { ...info, labels };
  }

  private scope() {
    return { host: this.host, timeoutMs: this.options.readTimeoutMs ?? this.options.timeoutMs };
  }
}

/** One selector as a comparable string: the name and the sorted label pairs. */
export function selectorKey(selector: ContainerSelector): string {
  const labels = Object.entries(selector.labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([selector.name ?? null, labels]);
}

/** The engine's own answer (status and text) behind a translated error. */
function engineAnswer(err: unknown): { status: unknown; text: string } {
  const cause = (err as { cause?: { statusCode?: unknown; message?: unknown } }).cause;
  return { status: cause?.statusCode, text: String(cause?.message ?? '') };
}

/** Podman 4's "read /proc/<pid>/cgroup: no such process" while a container is exiting: ask again. */
function transient(err: unknown): boolean {
  const { status, text } = engineAnswer(err);
  return status === 500 && /no such process/.test(text);
}

/** Podman 4 answers 500 "container … does not exist in database: no such container" while it removes one. */
function removing(err: unknown): boolean {
  const { status, text } = engineAnswer(err);
  return status === 500 && /no such container|does not exist in database/.test(text);
}

function describe(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message.replace(/^\(HTTP code \d+\)\s*/, '')}` : '';
  const text = err instanceof Error ? `${err.message}${cause}` : String(err);
  return text.split('\n', 1)[0]?.slice(0, 160) ?? 'error';
}

async function eachLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await run(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
