import type { RememberedClick, SharedOutageClicks } from '../../src/core/ports/outage-clicks.port.js';

/** SharedOutageClicks in memory, as the Redis hash behaves: every call rejects while `down`. */
export class MemorySharedOutageClicks implements SharedOutageClicks {
  readonly rows = new Map<string, RememberedClick>();
  down = false;

  async add(id: string, click: RememberedClick): Promise<void> {
    this.reachable();
    if (!this.rows.has(id)) this.rows.set(id, structuredClone(click));
  }

  async put(id: string, click: RememberedClick): Promise<void> {
    this.reachable();
    this.rows.set(id, structuredClone(click));
  }

  async all(): Promise<Map<string, RememberedClick>> {
    this.reachable();
    return structuredClone(this.rows);
  }

  async forget(id: string): Promise<void> {
    this.reachable();
    this.rows.delete(id);
  }

  private reachable(): void {
    if (this.down) throw new Error('Connection is closed.');
  }
}
