/**
 * The morning report of one project: what needs attention (unhealthy services, open incidents), what
 * changed (deploys since the last report, failed ones first), who is on call, what is locked or frozen, and
 * a DORA snapshot. Pure: the `morning` intent and the scheduled job gather the data and this turns it into
 * a Reply.
 */
import { DateTime } from 'luxon';
import { plural } from './wording.js';
import { ReplyBuilder } from '../messages/reply-builder.js';
import type { Reply } from '../messages/reply.js';
import type { Deployment } from '../ports/deployment.port.js';
import type { Lock } from '../ports/lock.port.js';
import type { Incident } from '../ports/incident.port.js';
import { describeRestore, type DoraReport } from './dora.js';
import { formatDuration } from './duration.js';
import type { ActiveFreeze } from './freeze.js';
import { formatLocal } from './rotation.js';
import { HEALTH_ATTENTION_BELOW } from '../health/health-score.js';

/** A service that is not running healthily: `exited`, `unhealthy`, `missing`, `unreachable`, … */
export interface ServiceProblem {
  env: string;
  /** Service name, with the container name when a service has several containers. */
  service: string;
  host: string;
  problem: string;
}

export interface OnCallToday {
  /** Names (not ids): null before the rotation starts. */
  current: string | null;
  next: string;
  nextHandoff: Date;
  timezone: string;
}

/** A deploy planned for today, as the morning report lists it. */
export interface PlannedToday {
  id: string;
  at: Date;
  /** e.g. `Deploy shop/prod: api 1.4.2 → 1.5.0`. */
  what: string;
  requestedBy: string;
  status: 'pending' | 'scheduled';
}

export interface MorningReportData {
  project: string;
  now: Date;
  /** Deploys finished (or started, while running) after this instant are listed: last report, or 24 h ago. */
  since: Date;
  /** Time zone the report's times are shown in. */
  timezone: string;
  /** Person id → display name (unknown ids are shown as they are). */
  people: Record<string, string>;
  services: { total: number; problems: ServiceProblem[] };
  deployments: Deployment[];
  /** Open incidents of the project, newest first. */
  incidents: Pick<Incident, 'id' | 'title' | 'openedAt'>[];
  /** One entry per rotation of the project; empty when none is configured. */
  onCall: OnCallToday[];
  locks: Lock[];
  freezes: { env: string; freeze: ActiveFreeze }[];
  dora: { envs: string[]; report: DoraReport };
  /** One line per service whose health score is below HEALTH_ATTENTION_BELOW, worst first (see core/health); absent or empty: none. */
  health?: string[];
  /**
   * Deploys planned for today (scheduled, or awaiting their approval) and the conflicts among them (see
   * core/calendar); absent where scheduling is not wired. Shown only when something is planned.
   */
  planned?: { today: PlannedToday[]; conflicts: { text: string; recommendation: string }[] };
  /** Open critical bug reports of the project and the oldest of them; absent where bug reports are not wired. */
  criticalBugs?: { count: number; oldest: { ref: string; title: string; createdAt: Date }[] };
}

const pct = (rate: number) => `${(Math.round(rate * 1000) / 10).toString()}%`;
const rate = (n: number) => (Math.round(n * 100) / 100).toString();
const isFailure = (d: Deployment) => d.status === 'failed' || d.status === 'rolled_back';
const changedAt = (d: Deployment) => (d.finishedAt ?? d.startedAt).getTime();

/** Deployments changed after `since`, failed (or rolled back) ones first, then newest first. */
export function deploymentsSince(all: readonly Deployment[], since: Date): Deployment[] {
  return all
    .filter((d) => changedAt(d) > since.getTime())
    .sort((a, b) => Number(isFailure(b)) - Number(isFailure(a)) || changedAt(b) - changedAt(a));
}

function servicesSection(b: ReplyBuilder, data: MorningReportData): void {
  const { total, problems } = data.services;
  if (problems.length === 0) {
    b.text(`Services: all ${plural(total, 'service')} healthy`);
    return;
  }
  b.text(`Services: ${problems.length} of ${total} need attention`);
  b.table(['ENV', 'SERVICE', 'PROBLEM', 'HOST'], problems.map((p) => [p.env, p.service, p.problem, p.host]));
}

function healthSection(b: ReplyBuilder, data: MorningReportData): void {
  const lines = data.health ?? [];
  if (lines.length === 0) return;
  b.text(`Health below ${HEALTH_ATTENTION_BELOW}: ${plural(lines.length, 'service')} ("health" says why)\n${lines.join('\n')}`);
}

function deploysSection(b: ReplyBuilder, data: MorningReportData, name: (id: string | null) => string): void {
  const list = deploymentsSince(data.deployments, data.since);
  const since = `Deploys since ${formatLocal(data.since, data.timezone)}`;
  if (list.length === 0) {
    b.text(`${since}: none`);
    return;
  }
  const failed = list.filter(isFailure).length;
  b.text(`${since}: ${list.length}${failed ? ` (${failed} failed)` : ''}`);
  const rows = list.map((d) => [
    formatLocal(d.finishedAt ?? d.startedAt, data.timezone),
    d.env,
    d.service,
    d.kind,
    d.kind === 'restart' ? d.version : `${d.previousVersion ?? '?'} → ${d.version}`,
    d.status,
    d.source === 'external' ? 'CI' : name(d.requestedBy),
  ]);
  b.table(['WHEN', 'ENV', 'SERVICE', 'KIND', 'VERSION', 'STATUS', 'BY'], rows);
}

function incidentsSection(b: ReplyBuilder, data: MorningReportData): void {
  if (data.incidents.length === 0) {
    b.text('Open incidents: none');
    return;
  }
  b.text(`Open incidents: ${data.incidents.length}`);
  const rows = data.incidents.map((i) => [i.id, i.title, formatDuration(data.now.getTime() - i.openedAt.getTime())]);
  b.table(['INCIDENT', 'TITLE', 'OPEN FOR'], rows);
}

function onCallSection(b: ReplyBuilder, data: MorningReportData): void {
  if (data.onCall.length === 0) {
    b.text('On call: no rotation configured');
    return;
  }
  b.fields(
    data.onCall.flatMap((o) => [
      { label: 'On call now', value: o.current ?? 'nobody yet' },
      { label: 'Next handoff', value: `${o.next} at ${formatLocal(o.nextHandoff, o.timezone)}` },
    ]),
  );
}

function guardsSection(b: ReplyBuilder, data: MorningReportData, name: (id: string | null) => string): void {
  const rows = [
    ...data.locks.map((l) => {
      const who = l.holder.kind === 'action' ? `a running action ${l.holder.id}` : name(l.holder.id);
      return [l.env, 'locked', `by ${who} since ${formatLocal(l.since, data.timezone)}${l.reason ? ` (${l.reason})` : ''}`];
    }),
    ...data.freezes.map(({ env, freeze }) => [env, 'frozen', `until ${formatLocal(freeze.until, freeze.timezone ?? data.timezone)} (${freeze.reason})`]),
  ];
  if (rows.length === 0) {
    b.text('Locks and freezes: none');
    return;
  }
  b.text(`Locks and freezes: ${rows.length}`);
  b.table(['ENV', 'STATE', 'DETAIL'], rows);
}

function plannedSection(b: ReplyBuilder, data: MorningReportData, name: (id: string | null) => string): void {
  const planned = data.planned;
  // Nothing planned says nothing: most mornings have no scheduled deploy.
  if (!planned || planned.today.length === 0) return;
  const hm = (at: Date) => DateTime.fromJSDate(at, { zone: data.timezone }).toFormat('HH:mm');
  const rows = planned.today.map((p) => `${hm(p.at)} ${p.what} · ${name(p.requestedBy)}${p.status === 'pending' ? ' · awaiting approval' : ''} · ${p.id}`);
  b.text(`Planned today: ${planned.today.length}\n${rows.join('\n')}`);
  if (planned.conflicts.length > 0) b.text(`Conflicts: ${planned.conflicts.length}\n${planned.conflicts.map((c) => `⚠️ ${c.text} → ${c.recommendation}`).join('\n')}`);
}

function bugsSection(b: ReplyBuilder, data: MorningReportData): void {
  const bugs = data.criticalBugs;
  if (!bugs) return;
  b.text(`Critical bugs: ${bugs.count} open`);
  if (bugs.count === 0) return;
  const rows = bugs.oldest.map((r) => [r.ref, r.title.length > 30 ? `${r.title.slice(0, 29)}…` : r.title, formatDuration(data.now.getTime() - r.createdAt.getTime())]);
  b.table(['BUG', 'TITLE', 'OPEN FOR'], rows);
}

function doraSection(b: ReplyBuilder, data: MorningReportData): void {
  const r = data.dora.report;
  b.text(`DORA, last ${r.days} days (${data.dora.envs.join(', ') || 'no environments'})`);
  b.fields([
    { label: 'Deployment frequency', value: `${plural(r.deploys, 'deploy')} (${rate(r.perDay)}/day)` },
    { label: 'Lead time', value: r.leadTime ? `median ${formatDuration(r.leadTime.medianMs)}` : 'n/a' },
    { label: 'Change failure rate', value: r.changeFailure ? `${pct(r.changeFailure.rate)} (${r.changeFailure.failed} of ${r.changeFailure.total})` : 'n/a' },
    { label: 'Time to restore', value: r.timeToRestore ? describeRestore(r.timeToRestore) : 'n/a' },
  ]);
}

/** The report as one Reply: a warning when a service needs attention, an incident is open or a deploy failed since `since`. */
export function buildMorningReport(data: MorningReportData): Reply {
  const name = (id: string | null) => (id ? (data.people[id] ?? id) : '-');
  const attention =
    data.services.problems.length > 0 || data.incidents.length > 0 || deploymentsSince(data.deployments, data.since).some(isFailure) || (data.planned?.conflicts.length ?? 0) > 0;
  const b = new ReplyBuilder(attention ? 'warning' : 'info')
    .header(`Morning report: ${data.project}`)
    .context(formatLocal(data.now, data.timezone));
  servicesSection(b, data);
  healthSection(b, data);
  deploysSection(b, data, name);
  incidentsSection(b, data);
  onCallSection(b, data);
  guardsSection(b, data, name);
  plannedSection(b, data, name);
  bugsSection(b, data);
  doraSection(b, data);
  return b.build();
}
