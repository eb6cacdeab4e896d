/** In-memory OncallOverrideStore and HandoffLog with the same answers as the PostgreSQL repositories. */
import type { HandoffLog, NewOncallOverride, OncallOverride, OncallOverrideStore } from '../../src/core/ports/oncall.port.js';

interface Row extends OncallOverride {
  cancelledAt: Date | null;
}

const strip = ({ cancelledAt: _cancelled, ...o }: Row): OncallOverride => ({ ...o, startsAt: new Date(o.startsAt), endsAt: new Date(o.endsAt), createdAt: new Date(o.createdAt) });

export class MemoryOncallOverrideStore implements OncallOverrideStore {
  readonly rows: Row[] = [];
  private seq = 0;

  async create(o: NewOncallOverride): Promise<OncallOverride> {
    if (o.endsAt <= o.startsAt) throw new Error('an override must end after it starts');
    const row: Row = { ...o, id: `ov${(++this.seq).toString().padStart(4, '0')}`, cancelledAt: null };
    this.rows.push(row);
    return strip(row);
  }

  async activeAt(project: string, at: Date): Promise<OncallOverride | null> {
    const active = this.live().filter((o) => o.project === project && o.startsAt <= at && at < o.endsAt);
    active.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id.localeCompare(a.id));
    return active[0] ? strip(active[0]) : null;
  }

  async upcoming(projects: readonly string[], from: Date): Promise<OncallOverride[]> {
    return this.live()
      .filter((o) => projects.includes(o.project) && o.endsAt > from)
      .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id))
      .map(strip);
  }

  async cancel(project: string, at: Date): Promise<number> {
    const hit = this.live().filter((o) => o.project === project && o.endsAt > at);
    for (const o of hit) o.cancelledAt = at;
    return hit.length;
  }

  private live(): Row[] {
    return this.rows.filter((o) => o.cancelledAt === null);
  }
}

export class MemoryHandoffLog implements HandoffLog {
  readonly claimed = new Map<string, Date>();

  async claim(rotation: string, handoffAt: Date, now: Date): Promise<boolean> {
    const key = `${rotation}@${handoffAt.toISOString()}`;
    if (this.claimed.has(key)) return false;
    this.claimed.set(key, now);
    return true;
  }
}
