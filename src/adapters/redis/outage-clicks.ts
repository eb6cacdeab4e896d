/**
 * SharedOutageClicks in one Redis hash per deployment (`<QUEUE_PREFIX>:outage-clicks`): field = pending action
 * id, value = the click as JSON. The hash lives a day after its last write, longer than any confirm TTL.
 */
import type { Redis } from 'ioredis';
import type { RememberedClick, SharedOutageClicks } from '../../core/ports/outage-clicks.port.js';

export const outageClicksKey = (prefix: string | undefined): string => `${prefix ?? 'deckhand'}:outage-clicks`;

const DAY_MS = 86_400_000;

interface Stored {
  at: number;
  store: string;
  leftMs?: number;
}

export class RedisOutageClicks implements SharedOutageClicks {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
  ) {}

  async add(id: string, click: RememberedClick): Promise<void> {
    await this.redis.multi().hsetnx(this.key, id, encode(click)).pexpire(this.key, DAY_MS).exec().then(failed);
  }

  async put(id: string, click: RememberedClick): Promise<void> {
    await this.redis.multi().hset(this.key, id, encode(click)).pexpire(this.key, DAY_MS).exec().then(failed);
  }

  async all(): Promise<Map<string, RememberedClick>> {
    const clicks = new Map<string, RememberedClick>();
    for (const [id, value] of Object.entries(await this.redis.hgetall(this.key))) {
      const click = decode(value);
      if (click) clicks.set(id, click);
    }
    return clicks;
  }

  async forget(id: string): Promise<void> {
    await this.redis.hdel(this.key, id);
  }
}

const encode = (c: RememberedClick): string => JSON.stringify({ at: c.at.getTime(), store: c.store, ...(c.leftMs === undefined ? {} : { leftMs: c.leftMs }) } satisfies Stored);

/** A record written by this adapter, or undefined for anything else found under the key. */
function decode(value: string): RememberedClick | undefined {
  try {
    const s = JSON.parse(value) as Partial<Stored>;
    if (typeof s.at !== 'number' || typeof s.store !== 'string') return undefined;
    return { at: new Date(s.at), store: s.store, ...(typeof s.leftMs === 'number' ? { leftMs: s.leftMs } : {}) };
  } catch {
    return undefined;
  }
}

/** A MULTI that ran but had a command fail rejects like a failed command. */
function failed(results: [Error | null, unknown][] | null): void {
  const error = results?.find(([err]) => err)?.[0];
  if (error) throw error;
  if (!results) throw new Error('transaction aborted');
}
