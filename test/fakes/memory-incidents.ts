import type { Incident, IncidentAlert, IncidentStore, NewIncident, TimelineEntry } from '../../src/core/ports/incident.port.js';

const clone = <T>(v: T): T => structuredClone(v);

/** In-memory IncidentStore with the same answers as PrismaIncidentStore. */
export class MemoryIncidentStore implements IncidentStore {
  readonly rows = new Map<string, Incident>();
  private seq = 0;

  async open(incident: NewIncident): Promise<Incident> {
    const id = `inc${(++this.seq).toString(36)}`;
    const row: Incident = { ...clone(incident), id, status: 'open', resolvedAt: null };
    this.rows.set(id, row);
    return clone(row);
  }

  async get(id: string): Promise<Incident | null> {
    const row = this.rows.get(id);
    return row ? clone(row) : null;
  }

  async findOpen(project: string, groupKey: string): Promise<Incident | null> {
    return this.newestOpen((r) => r.project === project && r.groupKey === groupKey);
  }

  async latestOpen(projects: readonly string[]): Promise<Incident | null> {
    return this.newestOpen((r) => projects.includes(r.project));
  }

  async update(id: string, alerts: IncidentAlert[], entries: TimelineEntry[]): Promise<void> {
    const row = this.rows.get(id);
    if (!row) return;
    row.alerts = clone(alerts);
    row.timeline.push(...clone(entries));
  }

  async addEntry(id: string, entry: TimelineEntry): Promise<boolean> {
    const row = this.rows.get(id);
    if (!row) return false;
    row.timeline.push(clone(entry));
    return true;
  }

  async resolve(id: string, at: Date, alerts: IncidentAlert[], entries: TimelineEntry[]): Promise<Incident | null> {
    const row = this.rows.get(id);
    if (!row || row.status !== 'open') return null;
    Object.assign(row, { status: 'resolved', resolvedAt: at, alerts: clone(alerts) });
    row.timeline.push(...clone(entries));
    return clone(row);
  }

  private newestOpen(match: (r: Incident) => boolean): Incident | null {
    const open = [...this.rows.values()].filter((r) => r.status === 'open' && match(r));
    open.sort((a, b) => b.openedAt.getTime() - a.openedAt.getTime());
    return open[0] ? clone(open[0]) : null;
  }
}
