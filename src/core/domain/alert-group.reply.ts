/** Chat replies for alert groups and incidents: the group message, the incident view and the postmortem draft. */
import type { Reply } from '../messages/reply.js';
import { ReplyBuilder } from '../messages/reply-builder.js';
import type { Incident, TimelineEntry } from '../ports/incident.port.js';
import { firingCount } from './alert-group.js';
import { formatDuration } from './duration.js';
import { formatLocal } from './rotation.js';

const MAX_ALERT_ROWS = 20;
const MAX_TIMELINE_ROWS = 40;

const when = (at: Date) => formatLocal(at, 'UTC');

/** Keeps the newest rows when there are too many, saying how many were left out. */
function bounded<T>(items: readonly T[], max: number): { shown: readonly T[]; hidden: number } {
  return items.length <= max ? { shown: items, hidden: 0 } : { shown: items.slice(items.length - max), hidden: items.length - max };
}

export function timelineRows(timeline: readonly TimelineEntry[], nameOf: (id: string) => string): { rows: string[][]; hidden: number } {
  const { shown, hidden } = bounded(timeline, MAX_TIMELINE_ROWS);
  return { rows: shown.map((e) => [when(e.at), e.kind, e.by ? `${e.text} (${nameOf(e.by)})` : e.text]), hidden };
}

/** The message posted for each change of an alert group. */
export function alertGroupReply(incident: Incident): Reply {
  const firing = firingCount(incident.alerts);
  const resolved = incident.alerts.length - firing;
  const state = firing > 0 ? `FIRING (${firing})` : 'RESOLVED';
  const b = new ReplyBuilder(firing > 0 ? 'error' : 'success')
    .header(`${state}: ${incident.title} — ${incident.project}`)
    .fields([
      { label: 'Incident', value: incident.id },
      { label: 'Firing', value: String(firing) },
      { label: 'Resolved', value: String(resolved) },
      { label: 'Since', value: when(incident.openedAt) },
    ]);
  const ordered = [...incident.alerts].sort((x, y) => (x.status === y.status ? x.startsAt.getTime() - y.startsAt.getTime() : x.status === 'firing' ? -1 : 1));
  const shown = ordered.slice(0, MAX_ALERT_ROWS);
  b.table(['STATUS', 'ALERT', 'SINCE', 'SUMMARY'], shown.map((a) => [a.status, a.name, when(a.startsAt), a.summary || '-']));
  if (ordered.length > shown.length) b.context(`… and ${ordered.length - shown.length} more alerts`);
  return b.context(`incident ${incident.id} shows the timeline · incident note <text> adds a note`).build();
}

/** `incident [id]`: the incident with its timeline. */
export function incidentReply(incident: Incident, now: Date, nameOf: (id: string) => string): Reply {
  const end = incident.resolvedAt ?? now;
  const b = new ReplyBuilder(incident.status === 'open' ? 'warning' : 'info')
    .header(`Incident ${incident.id}: ${incident.title}`)
    .fields([
      { label: 'Project', value: incident.project },
      { label: 'Status', value: incident.status },
      { label: 'Opened', value: when(incident.openedAt) },
      { label: incident.status === 'open' ? 'Open for' : 'Lasted', value: formatDuration(end.getTime() - incident.openedAt.getTime()) },
      { label: 'Firing', value: `${firingCount(incident.alerts)} of ${incident.alerts.length}` },
    ]);
  const { rows, hidden } = timelineRows(incident.timeline, nameOf);
  if (hidden > 0) b.context(`${hidden} older timeline entries not shown`);
  return b.table(['TIME', 'WHAT', 'DETAIL'], rows).build();
}

/** Posted once when the last alert of the group resolves. */
export function postmortemReply(incident: Incident, nameOf: (id: string) => string): Reply {
  const resolvedAt = incident.resolvedAt ?? incident.openedAt;
  const duration = formatDuration(resolvedAt.getTime() - incident.openedAt.getTime());
  const names = [...new Set(incident.alerts.map((a) => a.name))];
  const notes = incident.timeline.filter((e) => e.kind === 'note');
  const b = new ReplyBuilder('info')
    .header(`Postmortem draft: incident ${incident.id}`)
    .text(`${incident.title} in ${incident.project} lasted ${duration}. ${incident.alerts.length} alert(s) fired: ${names.join(', ')}.`)
    .fields([
      { label: 'Opened', value: when(incident.openedAt) },
      { label: 'Resolved', value: when(resolvedAt) },
      { label: 'Duration', value: duration },
      { label: 'Notes', value: String(notes.length) },
    ]);
  const { rows, hidden } = timelineRows(incident.timeline, nameOf);
  if (hidden > 0) b.context(`${hidden} older timeline entries not shown (incident ${incident.id} has them all)`);
  return b
    .table(['TIME', 'WHAT', 'DETAIL'], rows)
    .context('To fill in: impact, root cause, what went well, follow-up actions.')
    .build();
}
