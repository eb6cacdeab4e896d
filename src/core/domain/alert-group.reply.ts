/** Chat replies for alert groups and incidents: the group message, the incident view and the postmortem draft. */
import type { Button, Reply } from '../messages/reply.js';
import { ReplyBuilder } from '../messages/reply-builder.js';
import type { Incident, TimelineEntry, TimelineKind } from '../ports/incident.port.js';
import { clip, firingCount } from './alert-group.js';
import { linkedDeployEntry } from './incident-deploys.js';
import type { Catalog } from './catalog.js';
import { INCIDENT_ACTIONS, alertTarget, type IncidentAction } from './incident-actions.js';
import { formatDuration } from './duration.js';
import { formatLocal } from './rotation.js';

const MAX_ALERT_ROWS = 20;
/** Characters of the alert table (rows padded to columns add some): keeps the message well under 4096. */
const ALERT_TABLE_BUDGET = 2000;
const MAX_SUMMARY = 120;
const MAX_TIMELINE_ROWS = 40;

const when = (at: Date) => formatLocal(at, 'UTC');

/** Keeps the newest rows when there are too many, saying how many were left out. */
function bounded<T>(items: readonly T[], max: number): { shown: readonly T[]; hidden: number } {
  return items.length <= max ? { shown: items, hidden: 0 } : { shown: items.slice(items.length - max), hidden: items.length - max };
}

/** The entry's text with who did it, unless the text already ends `by <name>`. */
function detail(e: TimelineEntry, nameOf: (id: string) => string): string {
  if (!e.by) return e.text;
  const name = nameOf(e.by);
  return e.text.endsWith(`by ${name}`) ? e.text : `${e.text} (${name})`;
}

export function timelineRows(timeline: readonly TimelineEntry[], nameOf: (id: string) => string): { rows: string[][]; hidden: number } {
  const { shown, hidden } = bounded(timeline, MAX_TIMELINE_ROWS);
  return { rows: shown.map((e) => [when(e.at), e.kind, detail(e, nameOf)]), hidden };
}

/** The key of an incident's living alert message (Notifier.publish): posted once per chat, then edited. */
export const incidentMessageKey = (incidentId: string): string => `incident:${incidentId}`;

/** What the alert message needs besides the incident: names, labels, the catalog and the time. */
export interface AlertReplyOptions {
  nameOf: (personId: string) => string;
  /** From IncidentSettings: the service and env label names, and the Silence button's length. */
  settings: { serviceLabel: string; envLabel: string; silenceMs: number };
  catalog: Pick<Catalog, 'projects'>;
  now: Date;
}

/** The alert group's message, published (posted, then edited in place) on every change. */
export function alertGroupReply(incident: Incident, opts: AlertReplyOptions): Reply {
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
  const shown = alertRows(ordered);
  b.table(['STATUS', 'ALERT', 'SINCE', 'SUMMARY'], shown);
  if (ordered.length > shown.length) b.context(`… and ${ordered.length - shown.length} more alerts`);
  const linked = linkedDeployEntry(incident);
  if (linked) b.context(linked.text);
  for (const line of responseLines(incident, opts)) b.context(line);
  if (incident.status === 'open') {
    const buttons = alertButtons(incident, opts);
    if (buttons.length > 0) b.block({ type: 'buttons', buttons });
  }
  return b.context(`incident ${incident.id} shows the timeline · incident note <text> adds a note`).build();
}

/**
 * Table rows for the alerts, within MAX_ALERT_ROWS and a character budget: the living message must stay ONE
 * platform message (Telegram 4096 characters), or every edit would re-post its tail with fresh buttons.
 */
function alertRows(alerts: readonly Incident['alerts'][number][]): string[][] {
  const rows: string[][] = [];
  const widths = [0, 0, 0];
  let summaries = 0;
  for (const a of alerts.slice(0, MAX_ALERT_ROWS)) {
    const row = [a.status, a.name, when(a.startsAt), clip(a.summary || '-', MAX_SUMMARY)];
    const nextWidths = widths.map((w, i) => Math.max(w, row[i]!.length));
    // The renderers pad the first columns to their widest cell; the last (summary) is not padded.
    const size = (rows.length + 1) * (nextWidths.reduce((n, w) => n + w + 2, 0) + 1) + summaries + row[3]!.length;
    if (rows.length > 0 && size > ALERT_TABLE_BUDGET) break;
    rows.push(row);
    widths.splice(0, 3, ...nextWidths);
    summaries += row[3]!.length;
  }
  return rows;
}

const silenced = (incident: Incident, now: Date): boolean => incident.silencedUntil !== null && incident.silencedUntil > now;

/** Who acknowledged, and the silence in effect. */
function responseLines(incident: Incident, opts: AlertReplyOptions): string[] {
  const lines: string[] = [];
  if (incident.acknowledgedBy) {
    const at = incident.acknowledgedAt ? ` at ${when(incident.acknowledgedAt)}` : '';
    lines.push(`Acknowledged by ${opts.nameOf(incident.acknowledgedBy)}${at}`);
  }
  if (incident.status === 'open' && silenced(incident, opts.now)) lines.push(`Silenced until ${when(incident.silencedUntil!)} (silence ${incident.silenceId ?? '?'})`);
  return lines;
}

/** Acknowledge until someone did, Silence while no silence is in effect, Restart / Roll back of the named service. */
function alertButtons(incident: Incident, opts: AlertReplyOptions): Button[] {
  const button = (label: string, action: IncidentAction, style?: Button['style']): Button => ({
    label,
    actionId: INCIDENT_ACTIONS[action],
    pendingId: incident.id,
    ...(style ? { style } : {}),
  });
  const buttons: Button[] = [];
  if (!incident.acknowledgedBy) buttons.push(button('Acknowledge', 'ack', 'primary'));
  if (!silenced(incident, opts.now)) buttons.push(button(`Silence ${formatDuration(opts.settings.silenceMs)}`, 'silence'));
  const target = alertTarget(incident, opts.catalog, opts.settings);
  if (target) {
    buttons.push(button(`Restart ${target.service.name}`, 'restart'));
    // Without an image repository a rollback cannot name a version, so the button would only ever refuse.
    if (target.service.image) buttons.push(button(`Roll back ${target.service.name}`, 'rollback', 'danger'));
  }
  return buttons;
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

/** Timeline kinds that are people's responses, listed under "Actions taken" in the postmortem draft. */
const ACTION_KINDS: ReadonlySet<TimelineKind> = new Set(['ack', 'silence', 'action', 'deploy']);

/** Posted once when the last alert of the group resolves. */
export function postmortemReply(incident: Incident, nameOf: (id: string) => string): Reply {
  const resolvedAt = incident.resolvedAt ?? incident.openedAt;
  const duration = formatDuration(resolvedAt.getTime() - incident.openedAt.getTime());
  const names = [...new Set(incident.alerts.map((a) => a.name))];
  const notes = incident.timeline.filter((e) => e.kind === 'note');
  const acked = incident.acknowledgedBy
    ? `${nameOf(incident.acknowledgedBy)}${incident.acknowledgedAt ? ` at ${when(incident.acknowledgedAt)}` : ''}`
    : 'nobody';
  const b = new ReplyBuilder('info')
    .header(`Postmortem draft: incident ${incident.id}`)
    .text(`${incident.title} in ${incident.project} lasted ${duration}. ${incident.alerts.length} alert(s) fired: ${names.join(', ')}.`)
    .fields([
      { label: 'Opened', value: when(incident.openedAt) },
      { label: 'Resolved', value: when(resolvedAt) },
      { label: 'Duration', value: duration },
      { label: 'Acknowledged by', value: acked },
      { label: 'Notes', value: String(notes.length) },
    ]);
  const actions = timelineRows(incident.timeline.filter((e) => ACTION_KINDS.has(e.kind)), nameOf);
  b.text('Actions taken');
  if (actions.rows.length === 0) b.context('No acknowledgement, silence, restart, rollback or deploy was recorded.');
  else b.table(['TIME', 'WHAT', 'DETAIL'], actions.rows);
  if (actions.hidden > 0) b.context(`${actions.hidden} earlier actions not shown`);
  const { rows, hidden } = timelineRows(incident.timeline, nameOf);
  b.text('Timeline');
  if (hidden > 0) b.context(`${hidden} older timeline entries not shown (incident ${incident.id} has them all)`);
  return b
    .table(['TIME', 'WHAT', 'DETAIL'], rows)
    .context('To fill in: impact, root cause, what went well, follow-up actions.')
    .build();
}
