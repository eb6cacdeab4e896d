/**
 * Incidents: one per alert group and project, opened by the first firing alert and resolved when every
 * alert of the group has resolved. The timeline collects alerts firing and resolving, and notes.
 */

export type IncidentStatus = 'open' | 'resolved';

export type TimelineKind =
  | 'opened'
  | 'firing'
  | 'resolved'
  | 'note'
  | 'closed'
  /** Someone acknowledged the incident (escalation stops). */
  | 'ack'
  /** A silence was created in Alertmanager from the chat. */
  | 'silence'
  /** The on-call person (or the secondary) was paged in the chat. */
  | 'escalation'
  /** A deploy, restart or rollback of the project ran (or was requested from the alert). */
  | 'action'
  /** A deploy finished shortly before the incident opened and is linked to it. */
  | 'deploy';

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
  /** The alert's labels (silence matchers and the service/env of the Restart and Roll back buttons). */
  labels: Record<string, string>;
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
  /** Person id of the first acknowledgement; null while unacknowledged. */
  acknowledgedBy: string | null;
  acknowledgedAt: Date | null;
  /** 0: nobody paged yet; 1: the primary on call was mentioned; 2: the secondary too. */
  escalationLevel: number;
  /** The Alertmanager silence created from the chat, if any. */
  silenceId: string | null;
  silencedUntil: Date | null;
  /** Id of the deployment linked to the incident (finished shortly before it opened). */
  deploymentId: string | null;
}

export type NewIncident = Pick<Incident, 'project' | 'groupKey' | 'title' | 'openedAt' | 'alerts' | 'timeline'>;

/** The filter for `between`: incidents of these projects opened in [from, to). */
export interface IncidentWindow {
  projects: readonly string[];
  from: Date;
  to: Date;
}

/** What `openOrGet` found: the group's open incident, and whether this caller opened it. */
export interface OpenClaim {
  incident: Incident;
  /** True for the one caller that opened it; false when the group already had an open incident. */
  opened: boolean;
}

export interface IncidentStore {
  /**
   * Opens the incident of this project's alert group unless one is open already, with one conditional insert:
   * of several replicas opening the same group at once exactly one opens it (`opened: true`) and every other
   * gets that incident (`opened: false`), never a second open incident of the group.
   */
  openOrGet(incident: NewIncident): Promise<OpenClaim>;
  /** `openOrGet` for callers that do not need to know who opened it: the group's open incident. */
  open(incident: NewIncident): Promise<Incident>;
  get(id: string): Promise<Incident | null>;
  /** The open incident of this project's alert group, if any. */
  findOpen(project: string, groupKey: string): Promise<Incident | null>;
  /** The most recently opened open incident of any of these projects. */
  latestOpen(projects: readonly string[]): Promise<Incident | null>;
  /**
   * Replaces the alert states and appends entries to the timeline of an OPEN incident (appends are atomic, so
   * notes are never lost); false when it was resolved meanwhile (the caller opens a new one).
   */
  update(id: string, alerts: IncidentAlert[], entries: TimelineEntry[]): Promise<boolean>;
  /**
   * Conditional `update` of an open incident whose alert states still equal `expected` (as the caller read
   * them): true only for the one caller that changed them, so a change computed by several replicas (or
   * raced by a notification) is written once and never overwrites newer states.
   */
  updateIfUnchanged(id: string, expected: IncidentAlert[], alerts: IncidentAlert[], entries: TimelineEntry[]): Promise<boolean>;
  /** Appends one entry; false when the incident does not exist. */
  addEntry(id: string, entry: TimelineEntry): Promise<boolean>;
  /**
   * Conditional `open` → `resolved` with the final alert states and entries. Returns the resolved incident
   * only to the caller that resolved it (so the postmortem is posted once), else null.
   */
  resolve(id: string, at: Date, alerts: IncidentAlert[], entries: TimelineEntry[]): Promise<Incident | null>;
  /**
   * Conditional acknowledgement of an open, unacknowledged incident, with its timeline entry. Returns the
   * updated incident to the one caller that acknowledged it, else null (already acknowledged, resolved, unknown).
   */
  acknowledge(id: string, personId: string, at: Date): Promise<Incident | null>;
  /**
   * Records the silence created for an open incident that has no silence in effect at `entry.at`, with its
   * timeline entry; false when another silence won (two clicks at once) or the incident is closed.
   */
  setSilence(id: string, silenceId: string, until: Date, entry: TimelineEntry): Promise<boolean>;
  /**
   * Conditional escalation step `from` → `from + 1` of an open, unacknowledged incident, with its entry:
   * true only for the one caller (replica) that made the step, so each page is posted once.
   */
  escalate(id: string, from: number, entry: TimelineEntry): Promise<boolean>;
  /** Open, unacknowledged incidents below `maxLevel` opened at or before `openedBefore`, oldest first. */
  unacknowledged(openedBefore: Date, maxLevel: number): Promise<Incident[]>;
  /** Links a deployment (first link wins) and appends the entry; false when already linked or unknown. */
  linkDeployment(id: string, deploymentId: string, entry: TimelineEntry): Promise<boolean>;
  /** Open incidents of every project with a silence recorded (expired or not), oldest first. */
  silencedOpen(): Promise<Incident[]>;
  /** Every open incident of these projects, newest first. */
  openIncidents(projects: readonly string[]): Promise<Incident[]>;
  /** Incidents of the projects opened in the window (open or resolved), oldest first. */
  between(window: IncidentWindow): Promise<Incident[]>;
}
