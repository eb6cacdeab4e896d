/**
 * The deployment calendar of a project: per day (in the project's time zone) the planned and the past
 * deploys, the freezes, the locks held now, and the conflicts between planned deploys with what to do about
 * them. `gatherCalendar` reads the stores; `calendarReply` is pure and keeps the reply within one chat
 * message (Telegram 4096 characters, a Slack section 3000) by summarising the busiest parts first.
 */
import { DateTime } from 'luxon';
import type { EnvironmentSpec } from '../domain/catalog.js';
import { personName } from '../domain/people.js';
import { projectTimeZone } from '../domain/time-zone.js';
import { ReplyBuilder } from '../messages/reply-builder.js';
import type { Reply } from '../messages/reply.js';
import type { Deployment } from '../ports/deployment.port.js';
import type { Lock } from '../ports/lock.port.js';
import type { PendingAction } from '../ports/pending-action.port.js';
import type { CoreServices } from '../services.js';
import { describeLock } from '../actions/action-state.js';
import { findConflicts, type Conflict, type PlannedDeploy } from './conflicts.js';
import { freezePeriods, type FreezePeriod } from './freeze-periods.js';

/** Which week: the 7 days from today (default), this ISO week, the next, the last, or the week of a date. */
export type WeekChoice = { kind: 'coming' } | { kind: 'this' } | { kind: 'next' } | { kind: 'last' } | { kind: 'of'; date: string };

export interface CalendarData {
  project: string;
  timezone: string;
  now: Date;
  from: Date;
  to: Date;
  /** Scheduled actions with a run time in the range, any status but expired. */
  actions: PendingAction[];
  /** Deployments finished in the range (before now). */
  deployments: Deployment[];
  freezes: FreezePeriod[];
  locks: Lock[];
  conflicts: Conflict[];
  /** Feeds that could not be read, one line each. */
  feedProblems: string[];
  nameOf: (personId: string) => string;
}

/** Statuses of a scheduled action that has yet to run: the ones that can be in conflict. */
const PLANNED = new Set(['pending', 'scheduled']);
const MAX_DEPLOYMENTS = 300;

export function weekRange(week: WeekChoice, now: Date, tz: string): { from: Date; to: Date } {
  const today = DateTime.fromJSDate(now, { zone: tz }).startOf('day');
  const start =
    week.kind === 'coming'
      ? today
      : week.kind === 'of'
        ? DateTime.fromISO(week.date, { zone: tz }).startOf('week')
        : today.startOf('week').plus({ weeks: week.kind === 'next' ? 1 : week.kind === 'last' ? -1 : 0 });
  return { from: start.toJSDate(), to: start.plus({ days: 7 }).toJSDate() };
}

/** The planned deploys among scheduled actions (deploys, rollbacks, promotions still to run). */
export function plannedDeploys(actions: readonly PendingAction[]): PlannedDeploy[] {
  return actions
    .filter((a) => a.runAt && PLANNED.has(a.status) && a.plan.kind !== 'restart')
    .map((a) => ({ id: a.id, at: a.runAt!, project: a.plan.project, env: a.plan.env, services: a.plan.services.map((s) => s.service), requestedBy: a.requestedBy, force: a.plan.force }));
}

/** Conflicts of the project's planned deploys in [from, to), as the viewer may see them. */
export async function projectConflicts(project: string, envs: readonly string[], from: Date, to: Date, services: CoreServices, viewer?: string) {
  const [actions, freezes] = await Promise.all([services.actions.pending.scheduledBetween({ from, to, project }), freezePeriods(project, from, to, services)]);
  const visible = actions.filter((a) => envs.includes(a.plan.env));
  const nameOf = (id: string) => personName(services.catalog.people, id);
  const conflicts = findConflicts(plannedDeploys(visible), { freezes, timezone: projectTimeZone(services.catalog, project), nameOf, ...(viewer ? { viewer } : {}) });
  return { actions: visible, freezes, conflicts, nameOf };
}

/** Everything the calendar shows of the environments the person may see. */
export async function gatherCalendar(project: string, envs: readonly EnvironmentSpec[], week: WeekChoice, services: CoreServices, viewer?: string): Promise<CalendarData> {
  const now = services.clock.now();
  const timezone = projectTimeZone(services.catalog, project);
  const { from, to } = weekRange(week, now, timezone);
  const names = envs.map((e) => e.name);
  const pastEnd = new Date(Math.min(now.getTime(), to.getTime()));
  const [{ actions, freezes, conflicts, nameOf }, deployments, locks] = await Promise.all([
    projectConflicts(project, names, from, to, services, viewer),
    from < pastEnd ? services.actions.deployments.finishedBetween({ project, envs: names, from, to: pastEnd, limit: MAX_DEPLOYMENTS }) : Promise.resolve([]),
    services.actions.locks.list(now),
  ]);
  return {
    project,
    timezone,
    now,
    from,
    to,
    actions: actions.filter((a) => a.status !== 'expired'),
    deployments,
    freezes: freezes.filter((f) => f.envs.length === 0 || f.envs.some((e) => names.includes(e))),
    locks: locks.filter((l) => l.project === project && names.includes(l.env)),
    conflicts,
    feedProblems: services.actions.freezeFeeds?.problems(project) ?? [],
    nameOf,
  };
}

// ── rendering ──────────────────────────────────────────────────────────────────────────────────────────

/** Plain text budget of the whole reply: under Telegram's 4096 once rendered (tags, escapes). */
export const CALENDAR_MAX_CHARS = 3500;

const ACTION_ICON: Record<string, string> = { pending: '⏳', scheduled: '⏰', claimed: '▶️', succeeded: '✅', failed: '❌', cancelled: '🚫', refused: '⛔' };
const DEPLOY_ICON: Record<Deployment['status'], string> = { running: '▶️', succeeded: '✅', failed: '❌', rolled_back: '↩️' };
const STATUS_WORD: Record<string, string> = { pending: 'awaiting approval', claimed: 'running' };

interface Line {
  at: Date;
  text: string;
  past: boolean;
  failed?: boolean;
}

/** What a line says it does, at most 80 characters (a promotion of many services names the first ones). */
const short = (what: string) => (what.length > 80 ? `${what.slice(0, 79)}…` : what);

function actionWhat(a: PendingAction): string {
  const { plan } = a;
  const list = (f: (s: PendingAction['plan']['services'][number]) => string) => plan.services.map(f).join(', ');
  if (plan.promotion) return `promote ${plan.promotion.from}→${plan.env} ${list((s) => s.service)}`;
  if (plan.kind === 'restart') return `${plan.env} restart ${list((s) => s.service)}`;
  return `${plan.env} ${plan.kind === 'rollback' ? 'rollback ' : ''}${list((s) => `${s.service} ${s.currentVersion}→${s.targetVersion}`)}`;
}

function deployWhat(d: Deployment): string {
  if (d.kind === 'restart') return `${d.env} restart ${d.service}`;
  return `${d.env} ${d.kind === 'rollback' ? 'rollback ' : ''}${d.service} ${d.previousVersion ?? '?'}→${d.version}`;
}

function lines(data: CalendarData): Line[] {
  const clock = (at: Date) => DateTime.fromJSDate(at, { zone: data.timezone }).toFormat('HH:mm');
  const recorded = new Set(data.deployments.map((d) => d.actionId));
  const out: Line[] = [];
  for (const a of data.actions) {
    if (recorded.has(a.id) && (a.status === 'succeeded' || a.status === 'failed')) continue;
    const status = STATUS_WORD[a.status] ?? a.status;
    const what = `${clock(a.runAt!)} ${ACTION_ICON[a.status] ?? '•'} ${short(actionWhat(a))}`;
    out.push({ at: a.runAt!, past: !PLANNED.has(a.status), failed: a.status === 'failed', text: `${what} · ${data.nameOf(a.requestedBy)} · ${status} · ${a.id}` });
  }
  for (const d of data.deployments) {
    const at = d.finishedAt ?? d.startedAt;
    const by = d.source === 'external' ? 'CI' : data.nameOf(d.requestedBy);
    out.push({ at, past: true, failed: d.status !== 'succeeded', text: `${clock(at)} ${DEPLOY_ICON[d.status]} ${short(deployWhat(d))} · ${by} · ${d.status.replace('_', ' ')}` });
  }
  return out.sort((a, b) => a.at.getTime() - b.at.getTime());
}

function freezeLine(f: FreezePeriod, dayStart: DateTime, dayEnd: DateTime, tz: string): string {
  // Begins or ends within the day (a period from midnight to midnight is all day).
  const starts = f.from > dayStart.toJSDate();
  const ends = f.until < dayEnd.toJSDate();
  const hm = (d: Date) => DateTime.fromJSDate(d, { zone: tz }).toFormat('HH:mm');
  const when = starts && ends ? `${hm(f.from)}–${hm(f.until)}` : starts ? `from ${hm(f.from)}` : ends ? `until ${hm(f.until)}` : 'all day';
  return `❄️ ${when} ${f.name}${f.envs.length > 0 ? ` (${f.envs.join(', ')})` : ''}`;
}

/** How much is left out, from nothing (0) to the most (3). */
interface Detail {
  /** Past deploys listed one by one (else counted per day). */
  pastListed: boolean;
  /** Planned lines per day, conflicts shown. */
  perDay: number;
  conflicts: number;
}

const DETAILS: Detail[] = [
  { pastListed: true, perDay: Infinity, conflicts: Infinity },
  { pastListed: false, perDay: Infinity, conflicts: 10 },
  { pastListed: false, perDay: 6, conflicts: 6 },
  { pastListed: false, perDay: 3, conflicts: 3 },
];

function build(data: CalendarData, detail: Detail): Reply {
  const tz = data.timezone;
  const all = lines(data);
  const b = new ReplyBuilder(data.conflicts.length > 0 ? 'warning' : 'info')
    .header(`Calendar: ${data.project}`)
    .context(`${DateTime.fromJSDate(data.from, { zone: tz }).toFormat('ccc d LLL')} – ${DateTime.fromJSDate(data.to, { zone: tz }).minus({ days: 1 }).toFormat('ccc d LLL')}, times in ${tz}`);
  if (data.locks.length > 0) b.text(data.locks.map((l) => `🔒 ${l.env} ${describeLock(l, tz, data.nameOf)}`).join('\n'));
  for (let day = DateTime.fromJSDate(data.from, { zone: tz }); day.toJSDate() < data.to; day = day.plus({ days: 1 })) {
    const end = day.plus({ days: 1 });
    const inDay = all.filter((l) => l.at >= day.toJSDate() && l.at < end.toJSDate());
    const freezes = data.freezes.filter((f) => f.from < end.toJSDate() && f.until > day.toJSDate()).map((f) => freezeLine(f, day, end, tz));
    const past = inDay.filter((l) => l.past);
    const shown = detail.pastListed ? inDay : inDay.filter((l) => !l.past);
    const rows = [...freezes, ...shown.slice(0, detail.perDay).map((l) => l.text)];
    if (shown.length > detail.perDay) rows.push(`+${shown.length - detail.perDay} more planned`);
    if (!detail.pastListed && past.length > 0) {
      const failed = past.filter((l) => l.failed).length;
      rows.push(`${past.length} past deploy${past.length === 1 ? '' : 's'}${failed ? ` (${failed} failed or not run)` : ''}`);
    }
    const title = day.toFormat('ccc d LLL');
    b.text(rows.length === 0 ? `${title}: nothing planned` : `${title}\n${rows.join('\n')}`);
  }
  if (data.conflicts.length > 0) {
    const shown = data.conflicts.slice(0, detail.conflicts).map((c) => `⚠️ ${c.text} → ${c.recommendation}`);
    if (data.conflicts.length > detail.conflicts) shown.push(`+${data.conflicts.length - detail.conflicts} more conflicts`);
    b.text(`Conflicts: ${data.conflicts.length}\n${shown.join('\n')}`);
  } else b.text('Conflicts: none');
  for (const p of data.feedProblems) b.context(`⚠️ ${p}`);
  const summarised = detail !== DETAILS[0];
  b.context(`${summarised ? 'Summarised to fit one message. ' : ''}Cancel a planned one: calendar cancel <id>`);
  return b.build();
}

/** The calendar as one Reply, summarised (past deploys counted, then fewer lines a day) until it fits one message. */
export function calendarReply(data: CalendarData): Reply {
  let reply = build(data, DETAILS[0]!);
  for (const detail of DETAILS.slice(1)) {
    if (reply.text.length <= CALENDAR_MAX_CHARS) break;
    reply = build(data, detail);
  }
  return reply;
}
