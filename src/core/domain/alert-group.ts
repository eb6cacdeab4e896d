/**
 * Alert groups as Alertmanager sends them (webhook payload version 4), routed to projects by a label and
 * folded into an incident's alert states and timeline. Pure functions: no I/O, time passed in.
 */
import type { IncidentAlert, TimelineEntry } from '../ports/incident.port.js';

export interface GroupAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: Date;
  /** Null while firing. */
  endsAt: Date | null;
  fingerprint: string;
}

export interface AlertGroup {
  groupKey: string;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  truncatedAlerts: number;
  alerts: GroupAlert[];
}

export interface ProjectSlice {
  project: string;
  alerts: GroupAlert[];
}

/** What folding a notification into an incident produced. */
export interface GroupChange {
  alerts: IncidentAlert[];
  /** New timeline entries, oldest first; empty when nothing changed (Alertmanager repeats). */
  entries: TimelineEntry[];
  allResolved: boolean;
}

const MAX_TEXT = 200;

export const clip = (text: string, max = MAX_TEXT): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Splits a group by the routing label; alerts without it, or naming an unknown project, are unrouted. */
export function routeByProject(group: AlertGroup, label: string, known: ReadonlySet<string>): { slices: ProjectSlice[]; unrouted: GroupAlert[] } {
  const byProject = new Map<string, GroupAlert[]>();
  const unrouted: GroupAlert[] = [];
  for (const alert of group.alerts) {
    const project = alert.labels[label];
    if (project === undefined || !known.has(project)) {
      unrouted.push(alert);
      continue;
    }
    byProject.set(project, [...(byProject.get(project) ?? []), alert]);
  }
  return { slices: [...byProject].map(([project, alerts]) => ({ project, alerts })), unrouted };
}

export const alertName = (a: Pick<GroupAlert, 'labels'>): string => clip(a.labels['alertname'] ?? 'alert', 100);

const summaryOf = (a: GroupAlert): string => clip(a.annotations['summary'] ?? a.annotations['description'] ?? '');

/** `HighErrorRate (service=api)`: the alert name plus the other group labels, except the routing label. */
export function groupTitle(group: AlertGroup, routingLabel: string): string {
  const name = group.commonLabels['alertname'] ?? group.groupLabels['alertname'] ?? (group.alerts[0] ? alertName(group.alerts[0]) : 'alerts');
  const extra = Object.entries(group.groupLabels)
    .filter(([k]) => k !== 'alertname' && k !== routingLabel)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return clip(extra ? `${name} (${extra})` : name, 150);
}

function toIncidentAlert(a: GroupAlert): IncidentAlert {
  return {
    fingerprint: a.fingerprint,
    name: alertName(a),
    status: a.status,
    summary: summaryOf(a),
    startsAt: a.startsAt,
    endsAt: a.status === 'resolved' ? a.endsAt : null,
    labels: a.labels,
  };
}

function entryFor(a: IncidentAlert, now: Date): TimelineEntry {
  const suffix = a.summary ? `: ${a.summary}` : '';
  if (a.status === 'firing') return { at: a.startsAt, kind: 'firing', text: `${a.name} firing${suffix}`, by: null };
  return { at: a.endsAt ?? now, kind: 'resolved', text: `${a.name} resolved${suffix}`, by: null };
}

/**
 * Folds incoming alerts into the known states (by fingerprint). A timeline entry is added for each alert
 * that is new or changed status; a repeat of the same state adds nothing.
 */
export function applyAlerts(previous: readonly IncidentAlert[], incoming: readonly GroupAlert[], now: Date): GroupChange {
  const states = new Map(previous.map((a) => [a.fingerprint, a]));
  const entries: TimelineEntry[] = [];
  for (const raw of incoming) {
    const next = toIncidentAlert(raw);
    const known = states.get(next.fingerprint);
    if (!known || known.status !== next.status) entries.push(entryFor(next, now));
    states.set(next.fingerprint, known && next.status === 'firing' && known.status === 'firing' ? known : next);
  }
  const alerts = [...states.values()];
  entries.sort((x, y) => x.at.getTime() - y.at.getTime());
  return { alerts, entries, allResolved: alerts.length > 0 && alerts.every((a) => a.status === 'resolved') };
}

export const firingCount = (alerts: readonly IncidentAlert[]): number => alerts.filter((a) => a.status === 'firing').length;

/** Labels every alert of the incident shares (Alertmanager's commonLabels, rebuilt from the stored alerts). */
export function commonLabels(alerts: readonly Pick<IncidentAlert, 'labels'>[]): Record<string, string> {
  const [first, ...rest] = alerts;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first.labels).filter(([k, v]) => rest.every((a) => a.labels[k] === v)));
}
