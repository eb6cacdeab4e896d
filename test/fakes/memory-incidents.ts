import { isDeepStrictEqual } from 'node:util';
import type { Incident, IncidentAlert, IncidentStore, IncidentWindow, NewIncident, OpenClaim, TimelineEntry } from '../../src/core/ports/incident.port.js';

const clone = <T>(v: T): T => structuredClone(v);

/** In-memory IncidentStore with the same answers as PrismaIncidentStore. */
export class MemoryIncidentStore implements IncidentStore {
  readonly rows = new Map<string, Incident>();
  private seq = 0;

  /** Checks and inserts with no await in between, so concurrent calls see one incident as the index makes them. */
  async openOrGet(incident: NewIncident): Promise<OpenClaim> {
    const open = this.newestOpen((r) => r.project === incident.project && r.groupKey === incident.groupKey);
    if (open) return { incident: open, opened: false };
    const id = `inc${(++this.seq).toString(36)}`;
    const row: Incident = {
      ...clone(incident),
      id,
      status: 'open',
      resolvedAt: null,
      acknowledgedBy: null,
      acknowledgedAt: null,
      escalationLevel: 0,
      silenceId: null,
      silencedUntil: null,
      deploymentId: null,
    };
    this.rows.set(id, row);
    return { incident: clone(row), opened: true };
  }

  async open(incident: NewIncident): Promise<Incident> {
    return (await this.openOrGet(incident)).incident;
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

  async update(id: string, alerts: IncidentAlert[], entries: TimelineEntry[]): Promise<boolean> {
    const row = this.rows.get(id);
    if (!row || row.status !== 'open') return false;
    row.alerts = clone(alerts);
    row.timeline.push(...clone(entries));
    return true;
  }

  async updateIfUnchanged(id: string, expected: IncidentAlert[], alerts: IncidentAlert[], entries: TimelineEntry[]): Promise<boolean> {
    const row = this.rows.get(id);
    if (!row || row.status !== 'open' || !isDeepStrictEqual(row.alerts, expected)) return false;
    row.alerts = clone(alerts);
    row.timeline.push(...clone(entries));
    return true;
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

  async acknowledge(id: string, personId: string, at: Date): Promise<Incident | null> {
    const row = this.rows.get(id);
    if (!row || row.status !== 'open' || row.acknowledgedBy !== null) return null;
    Object.assign(row, { acknowledgedBy: personId, acknowledgedAt: at });
    row.timeline.push({ at, kind: 'ack', text: 'Acknowledged', by: personId });
    return clone(row);
  }

  async setSilence(id: string, silenceId: string, until: Date, entry: TimelineEntry): Promise<boolean> {
    const row = this.rows.get(id);
    if (!row || row.status !== 'open' || (row.silencedUntil !== null && row.silencedUntil > entry.at)) return false;
    Object.assign(row, { silenceId, silencedUntil: until });
    row.timeline.push(clone(entry));
    return true;
  }

  async escalate(id: string, from: number, entry: TimelineEntry): Promise<boolean> {
    const row = this.rows.get(id);
    if (!row || row.status !== 'open' || row.acknowledgedBy !== null || row.escalationLevel !== from) return false;
    row.escalationLevel = from + 1;
    row.timeline.push(clone(entry));
    return true;
  }

  async unacknowledged(openedBefore: Date, maxLevel: number): Promise<Incident[]> {
    return this.sorted((r) => r.status === 'open' && r.acknowledgedBy === null && r.escalationLevel < maxLevel && r.openedAt <= openedBefore);
  }

  /** Deployment ids are decimal text (see MemoryDeploymentStore); anything else is refused as PostgreSQL's BIGINT column would. */
  async linkDeployment(id: string, deploymentId: string, entry: TimelineEntry): Promise<boolean> {
    if (!/^\d{1,18}$/.test(deploymentId)) throw new Error('a deployment id');
    const row = this.rows.get(id);
    if (!row || row.deploymentId !== null) return false;
    row.deploymentId = deploymentId;
    row.timeline.push(clone(entry));
    return true;
  }

  async silencedOpen(): Promise<Incident[]> {
    return this.sorted((r) => r.status === 'open' && r.silenceId !== null);
  }

  async openIncidents(projects: readonly string[]): Promise<Incident[]> {
    const rows = this.sorted((r) => r.status === 'open' && projects.includes(r.project));
    return rows.sort((a, b) => b.openedAt.getTime() - a.openedAt.getTime() || a.id.localeCompare(b.id));
  }

  async between(w: IncidentWindow): Promise<Incident[]> {
    return this.sorted((r) => w.projects.includes(r.project) && r.openedAt >= w.from && r.openedAt < w.to);
  }

  /** Matching rows, oldest first (ties by id), as copies. */
  private sorted(match: (r: Incident) => boolean): Incident[] {
    const rows = [...this.rows.values()].filter(match);
    rows.sort((a, b) => a.openedAt.getTime() - b.openedAt.getTime() || a.id.localeCompare(b.id));
    return rows.map(clone);
  }

  private newestOpen(match: (r: Incident) => boolean): Incident | null {
    const open = [...this.rows.values()].filter((r) => r.status === 'open' && match(r));
    open.sort((a, b) => b.openedAt.getTime() - a.openedAt.getTime());
    return open[0] ? clone(open[0]) : null;
  }
}
