import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Update } from 'grammy/types';

/**
 * A small Bot API over real HTTP for long-polling tests: getUpdates holds the request until an update is
 * pushed or its timeout passes (timeout 0 answers at once), failures can be scripted, and every call is
 * recorded with its JSON body. Several clients (replicas) can share it, each through its own apiRoot
 * (`replicaRoot`): like Telegram, it can answer 409 to a getUpdates while another one is open, and a
 * replica can be cut off (as if its process were killed).
 */
export interface PolledCall {
  method: string;
  body: Record<string, unknown>;
  /** The apiRoot path the call came through ('' for the plain root). */
  replica: string;
}

/** What the next getUpdates calls answer instead of updates; 'reset' drops the connection. */
export type Failure = { status: number; description: string } | 'reset';

export class PollingBotApi {
  readonly calls: PolledCall[] = [];
  private readonly updates: Update[] = [];
  private readonly failures: Failure[] = [];
  private failAlways: Failure | undefined;
  private readonly held = new Set<() => void>();
  private server: Server | undefined;
  private root = '';
  /** getUpdates calls open now, by replica. */
  private readonly open = new Set<{ replica: string; res: ServerResponse }>();
  private readonly cutOff = new Set<string>();
  /** getUpdates calls that met another one still open (Telegram answers them 409 Conflict). */
  readonly overlaps: { replica: string; openFor: string[] }[] = [];

  /** `conflicts`: answer 409 to a getUpdates while another is open, as Telegram does for one token. */
  constructor(private readonly options: { conflicts?: boolean } = {}) {}

  /** The apiRoot a replica uses (start first). */
  replicaRoot(replica: string): string {
    return `${this.root}/${replica}`;
  }

  /** From now on the replica's connections drop, open ones included: its process is gone. */
  cut(replica: string): void {
    this.cutOff.add(replica);
    for (const call of [...this.open]) if (call.replica === replica) call.res.socket?.destroy();
  }

  /** The getUpdates calls that were answered with updates or an empty batch, by replica. */
  answeredPolls(replica: string): number {
    return this.answered.filter((r) => r === replica).length;
  }
  private readonly answered: string[] = [];
  private confirmed = 0;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.root = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.root;
  }

  async stop(): Promise<void> {
    for (const release of this.held) release();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  push(...updates: Update[]): void {
    this.updates.push(...updates);
    for (const release of [...this.held]) release();
  }

  /** How many getUpdates calls the fake is holding open now (waiting for an update). */
  holding(): number {
    return this.held.size;
  }

  /** The next getUpdates calls answer these, in order. */
  failNext(...failures: Failure[]): void {
    this.failures.push(...failures);
  }

  /** Every getUpdates call answers this until called again with undefined. */
  failEvery(failure: Failure | undefined): void {
    this.failAlways = failure;
  }

  bodies(method: string): Record<string, unknown>[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.body);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = /\/bot[^/]+\/(\w+)$/.exec(req.url ?? '')?.[1] ?? '';
    const replica = /^\/(\w+)\/bot/.exec(req.url ?? '')?.[1] ?? '';
    if (this.cutOff.has(replica)) return void req.socket.destroy();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    this.calls.push({ method, body, replica });
    const json = (status: number, payload: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    switch (method) {
      case 'getUpdates': {
        const openFor = [...this.open].map((c) => c.replica);
        if (openFor.length > 0) this.overlaps.push({ replica, openFor });
        if (openFor.length > 0 && this.options.conflicts) {
          return json(409, { ok: false, error_code: 409, description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running' });
        }
        const call = { replica, res };
        this.open.add(call);
        res.on('close', () => this.open.delete(call));
        return this.getUpdates(body, res, (status, payload) => {
          this.open.delete(call);
          if (status === 200) this.answered.push(replica);
          json(status, payload);
        });
      }
      case 'sendMessage':
        return json(200, {
          ok: true,
          result: { message_id: this.calls.length, date: 1_700_000_000, chat: { id: Number(body.chat_id), type: 'private' }, text: body.text },
        });
      case 'setMyCommands':
      case 'deleteWebhook':
        return json(200, { ok: true, result: true });
      default:
        return json(404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
    }
  }

  private async getUpdates(body: Record<string, unknown>, res: ServerResponse, json: (status: number, payload: unknown) => void): Promise<void> {
    const failure = this.failures.shift() ?? this.failAlways;
    if (failure === 'reset') return void res.socket?.destroy();
    if (failure) return json(failure.status, { ok: false, error_code: failure.status, description: failure.description });
    // As Telegram: an offset confirms every update below it, for every later call whatever its offset.
    this.confirmed = Math.max(this.confirmed, Number(body.offset ?? 0));
    const offset = this.confirmed;
    const timeoutMs = Number(body.timeout ?? 0) * 1000;
    const pending = () => this.updates.filter((u) => u.update_id >= offset).slice(0, Number(body.limit ?? 100));
    if (pending().length === 0 && timeoutMs > 0) {
      await new Promise<void>((resolve) => {
        const release = () => {
          clearTimeout(timer);
          this.held.delete(release);
          resolve();
        };
        const timer = setTimeout(release, timeoutMs);
        this.held.add(release);
        res.on('close', release);
      });
    }
    if (!res.writableEnded && !res.destroyed) json(200, { ok: true, result: pending() });
  }
}
