/**
 * Incidents: one per alert group and project, opened by the first firing alert and resolved when every
 * alert of the group has resolved. The timeline collects alerts firing and resolving, and notes.
 */

export type IncidentStatus = 'open' | 'resolved';

export type TimelineKind = 'opened' | 'firing' | 'resolved' | 'note' | 'closed';

export interface TimelineEntry {
  at: Date;
  kind: TimelineKind;
  /** Short, chat-safe text. */
  text: string;
  /** Person id for notes; null for entries from Alertmanager. */
  by: string | null;
}

/** The last known state of one alert of the group (by Alertmanager fingerprint). */
export interface IncidentAlert {
  fingerprint: string;
  name: string;
  status: 'firing' | 'resolved';
  /** The `summary` (else `description`) annotation, possibly empty. */
  summary: string;
  startsAt: Date;
  endsAt: Date | null;
}

export interface Incident {
  /** Short id people type (`incident 7Hq2…`). */
  id: string;
  project: string;
  /** Alertmanager's groupKey. */
  groupKey: string;
  title: string;
  status: IncidentStatus;
  openedAt: Date;
  resolvedAt: Date | null;
  alerts: IncidentAlert[];
  timeline: TimelineEntry[];
}

export type NewIncident = Omit<Incident, 'id' | 'status' | 'resolvedAt'>;

export interface IncidentStore {
  open(incident: NewIncident): Promise<Incident>;
  get(id: string): Promise<Incident | null>;
  /** The open incident of this project's alert group, if any. */
  findOpen(project: string, groupKey: string): Promise<Incident | null>;
  /** The most recently opened open incident of any of these projects. */
  latestOpen(projects: readonly string[]): Promise<Incident | null>;
  /** Replaces the alert states and appends entries to the timeline (appends are atomic, so notes are never lost). */
  update(id: string, alerts: IncidentAlert[], entries: TimelineEntry[]): Promise<void>;
  /** Appends one entry; false when the incident does not exist. */
  addEntry(id: string, entry: TimelineEntry): Promise<boolean>;
  /**
   * Conditional `open` → `resolved` with the final alert states and entries. Returns the resolved incident
   * only to the caller that resolved it (so the postmortem is posted once), else null.
   */
  resolve(id: string, at: Date, alerts: IncidentAlert[], entries: TimelineEntry[]): Promise<Incident | null>;
}
