/**
 * Conflicts between planned deploys, each with what to do about it. Pure (the calendar and the morning
 * report pass the planned deploys, the freeze periods and the time zone):
 * - two planned deploys of the same environment within an hour (they would race for its lock, and a failure
 *   is hard to pin on one of them);
 * - a planned deploy inside a freeze (it will be refused at its run time unless forced);
 * - two people planning the same service on the same local day (whatever the environments).
 */
import { DateTime } from 'luxon';
import { periodsAt, type FreezePeriod } from './freeze-periods.js';

/** A deploy, rollback or promotion waiting for its run time (scheduled, or awaiting its approval). */
export interface PlannedDeploy {
  id: string;
  at: Date;
  project: string;
  env: string;
  services: string[];
  requestedBy: string;
  /** An admin's --force passes freezes: such a deploy is not in conflict with one. */
  force: boolean;
}

export interface Conflict {
  kind: 'same-env' | 'in-freeze' | 'same-service-day';
  at: Date;
  /** The planned deploys concerned. */
  ids: string[];
  /** What is wrong, one chat-safe line. */
  text: string;
  /** What to do, e.g. `coordinate with @Dave`. */
  recommendation: string;
}

export interface ConflictContext {
  freezes: readonly FreezePeriod[];
  /** The time zone of the days and times shown. */
  timezone: string;
  nameOf: (personId: string) => string;
  /** Who reads it: "coordinate with" names the others. */
  viewer?: string;
}

const HOUR_MS = 3_600_000;

const time = (at: Date, tz: string) => DateTime.fromJSDate(at, { zone: tz }).toFormat('ccc HH:mm');
const day = (at: Date, tz: string) => DateTime.fromJSDate(at, { zone: tz }).toISODate();

/** `coordinate with @Dave` (the other people than the viewer), `coordinate: @Carol, @Dave` when the viewer is neither. */
function coordinate(people: string[], ctx: ConflictContext): string {
  const unique = [...new Set(people)];
  const others = unique.filter((p) => p !== ctx.viewer);
  const at = (ids: string[]) => ids.map((id) => `@${ctx.nameOf(id)}`).join(', ');
  return others.length < unique.length ? `coordinate with ${at(others)}` : `coordinate: ${at(unique)}`;
}

function sameEnv(a: PlannedDeploy, b: PlannedDeploy, ctx: ConflictContext): Conflict | null {
  if (a.project !== b.project || a.env !== b.env || Math.abs(a.at.getTime() - b.at.getTime()) >= HOUR_MS) return null;
  const shared = a.services.filter((s) => b.services.includes(s));
  const what = shared.length > 0 ? `${a.project}/${a.env} ${shared.join(', ')}` : `${a.project}/${a.env}`;
  const recommendation =
    a.requestedBy === b.requestedBy ? `deploy them together or an hour apart (calendar cancel ${b.id})` : `${coordinate([a.requestedBy, b.requestedBy], ctx)}, or move one an hour apart`;
  return { kind: 'same-env', at: b.at, ids: [a.id, b.id], text: `${what}: ${a.id} at ${time(a.at, ctx.timezone)} and ${b.id} at ${time(b.at, ctx.timezone)} are within an hour`, recommendation };
}

function inFreeze(p: PlannedDeploy, ctx: ConflictContext): Conflict | null {
  if (p.force) return null;
  const covering = periodsAt(ctx.freezes, p.env, p.at);
  if (covering.length === 0) return null;
  const last = covering.reduce((a, b) => (b.until > a.until ? b : a));
  return {
    kind: 'in-freeze',
    at: p.at,
    ids: [p.id],
    text: `${p.project}/${p.env} ${p.services.join(', ')} (${p.id}) at ${time(p.at, ctx.timezone)} is inside the freeze ${covering.map((c) => c.name).join(', ')}`,
    recommendation: `it will be refused then: schedule it after ${DateTime.fromJSDate(last.until, { zone: ctx.timezone }).toFormat('ccc d LLL HH:mm')} (calendar cancel ${p.id})`,
  };
}

/** The conflicts among `planned`, soonest first. */
export function findConflicts(planned: readonly PlannedDeploy[], ctx: ConflictContext): Conflict[] {
  const sorted = [...planned].sort((a, b) => a.at.getTime() - b.at.getTime());
  const out: Conflict[] = [];
  for (const p of sorted) {
    const f = inFreeze(p, ctx);
    if (f) out.push(f);
  }
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length; j++) {
      const c = sameEnv(sorted[i]!, sorted[j]!, ctx);
      if (c) out.push(c);
    }
  }
  // Same service, same day, different people (pairs already reported as within an hour of each other are not repeated).
  const near = new Set(out.filter((c) => c.kind === 'same-env').map((c) => c.ids.join(' ')));
  const byServiceDay = new Map<string, PlannedDeploy[]>();
  for (const p of sorted) {
    for (const s of p.services) {
      const key = `${p.project}\u0000${s}\u0000${day(p.at, ctx.timezone)}`;
      byServiceDay.set(key, [...(byServiceDay.get(key) ?? []), p]);
    }
  }
  for (const [key, list] of byServiceDay) {
    const people = [...new Set(list.map((p) => p.requestedBy))];
    if (people.length < 2) continue;
    const ids = list.map((p) => p.id);
    if (list.length === 2 && near.has(ids.join(' '))) continue;
    const [project, service] = key.split('\u0000');
    const who = people.map((id) => ctx.nameOf(id)).join(' and ');
    out.push({
      kind: 'same-service-day',
      at: list[0]!.at,
      ids,
      text: `${project} ${service}: ${who} plan it the same day (${list.map((p) => `${p.env} ${time(p.at, ctx.timezone)}`).join(', ')})`,
      recommendation: coordinate(people, ctx),
    });
  }
  return out.sort((a, b) => a.at.getTime() - b.at.getTime());
}
