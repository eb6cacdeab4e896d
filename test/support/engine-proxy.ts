import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Connection {
  client: Socket;
  engine: Socket;
  /** Carries an event stream. */
  events: boolean;
  /** Client chunks are passed on in order, each after the delay its request asked for. */
  forward: Promise<void>;
}

/** One HTTP request seen on its way to the engine. */
export interface SeenRequest {
  method: string;
  /** Path and query, e.g. `/containers/json?all=true&filters=…` (as sent, URL-encoded). */
  path: string;
}

/**
 * A Unix-socket proxy in front of the engine's socket: every byte passes through unchanged, and the request
 * lines are recorded, so tests count the engine calls a runtime makes at the HTTP layer against the real
 * engine. It can also cut the engine's event stream (`GET …/events`) and refuse new ones, as a network
 * failure or an engine restart would.
 */
export class EngineProxy {
  readonly socketPath = join(tmpdir(), `deckhand-engine-proxy-${randomUUID().slice(0, 8)}.sock`);
  readonly url = `unix://${this.socketPath}`;
  readonly requests: SeenRequest[] = [];
  private server: Server | undefined;
  private readonly connections = new Set<Connection>();
  private blockEvents = false;
  private muted = false;
  private slow: { pattern: RegExp; ms: number } | undefined;

  constructor(private readonly engineSocket: string) {}

  async start(): Promise<this> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.socketPath, resolve);
    });
    return this;
  }

  async stop(): Promise<void> {
    for (const c of this.connections) this.drop(c);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await rm(this.socketPath, { force: true });
  }

  /** Requests since the last `reset()`, optionally only those whose path matches. */
  seen(pattern?: RegExp): SeenRequest[] {
    return pattern ? this.requests.filter((r) => pattern.test(r.path)) : [...this.requests];
  }

  reset(): void {
    this.requests.length = 0;
  }

  /** Open event streams right now. */
  eventStreams(): number {
    return [...this.connections].filter((c) => c.events).length;
  }

  /** Destroys every open event stream; with `block`, new ones are cut as soon as they are asked for. */
  cutEvents(options: { block: boolean }): void {
    this.blockEvents = options.block;
    for (const c of this.connections) if (c.events) this.drop(c);
  }

  /** Lets event streams through again (and their events, after `muteEvents`). */
  allowEvents(): void {
    this.blockEvents = false;
    this.muted = false;
  }

  /** Passes requests whose path matches on to the engine only after `ms` (a busy engine); undefined: none. */
  slowDown(slow: { pattern: RegExp; ms: number } | undefined): void {
    this.slow = slow;
  }

  /** Keeps event streams open but passes none of their events on, as an engine that records none would. */
  muteEvents(): void {
    this.muted = true;
  }

  private accept(client: Socket): void {
    const engine = createConnection(this.engineSocket);
    const connection: Connection = { client, engine, events: false, forward: Promise.resolve() };
    this.connections.add(connection);
    let pending = '';
    client.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      const line = /(?:^|\r\n)([A-Z]+) (\S+) HTTP\/1\.[01]\r\n/g;
      let match: RegExpExecArray | null;
      let consumed = 0;
      let delayMs = 0;
      while ((match = line.exec(pending)) !== null) {
        const request = { method: match[1]!, path: match[2]! };
        this.requests.push(request);
        if (this.slow?.pattern.test(request.path)) delayMs = this.slow.ms;
        if (/^(\/v[\d.]+)?\/events\b/.test(request.path)) connection.events = true;
        consumed = line.lastIndex;
      }
      // Keep what may be the start of a request line split across chunks.
      pending = pending.slice(Math.max(consumed, pending.length - 512));
      if (connection.events && this.blockEvents) return this.drop(connection);
      if (delayMs === 0) connection.forward = connection.forward.then(() => void engine.write(chunk));
      else connection.forward = connection.forward.then(() => new Promise<void>((resolve) => setTimeout(() => (engine.write(chunk), resolve()), delayMs)));
    });
    engine.on('data', (chunk: Buffer) => {
      if (!(connection.events && this.muted)) client.write(chunk);
    });
    const close = () => this.drop(connection);
    client.on('close', close);
    engine.on('close', close);
    client.on('error', close);
    engine.on('error', close);
  }

  private drop(connection: Connection): void {
    this.connections.delete(connection);
    connection.client.destroy();
    connection.engine.destroy();
  }
}
