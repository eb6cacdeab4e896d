/**
 * Cost arithmetic over the measured use (UsageDay rows): per project and environment over a period of
 * complete UTC days, against the period before; week-over-week growth; idle environments; the weekly
 * series of the chart. Pure: the `cost` command, the weekly report and the anomaly push build on it.
 */
import type { Catalog } from '../domain/catalog.js';
import type { UsageDay } from '../ports/usage.port.js';
import { GB, HOUR_S, MONTH_S, priceFor, type CostSettings, type Price } from './prices.js';

export type CostPeriod = 'week' | 'month';
export const PERIOD_DAYS: Record<CostPeriod, number> = { week: 7, month: 30 };
export const DAY_MS = 86_400_000;
/** Weeks the chart shows. */
export const CHART_WEEKS = 8;
/** Days of use a report reads: the chart's weeks, and a month with the month before it. */
export const HISTORY_DAYS = Math.max(CHART_WEEKS * 7, 2 * PERIOD_DAYS.month);

/** Midnight UTC of the day `at` falls in. */
export const dayStart = (at: Date): Date => new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);

export interface Usage {
  cpuCoreHours: number;
  memoryGbHours: number;
  /** GB-months of disk (GB held × months held). */
  storageGbMonths: number;
  /** Average GB of disk held over the period. */
  storageGbAvg: number;
  /** Money, in the project's currency; null when no price applies. */
  amount: number | null;
}

export interface EnvCost extends Usage {
  env: string;
  previousAmount: number | null;
  /** (amount − previous) / previous; null without a previous amount above zero, or without enough history. */
  change: number | null;
}

/**
 * How much of two periods the sampler measured (0–1 each). A change is computed only when both reach
 * MIN_COVERAGE: a period measured for two days of seven is no base to compare a whole one with.
 */
export interface Coverage {
  now: number;
  before: number;
  comparable: boolean;
}

/** Share of both periods that must be measured for a change between them to be shown. */
export const MIN_COVERAGE = 0.8;

export interface IdleEnv {
  env: string;
  /** Whole days since its last hour above the idle threshold (at least `idleDays`). */
  days: number;
  /** Whether it never was above the threshold in the history read (then "at least" `days`). */
  sinceFirstSeen: boolean;
  /** What it costs a month at the rate of its last 7 days. */
  monthly: number | null;
}

export interface ProjectCost {
  project: string;
  currency: string | null;
  total: Usage;
  previousAmount: number | null;
  change: number | null;
  /** How much of the period and of the one before was measured; `change` and the envs' need both. */
  coverage: Coverage;
  envs: EnvCost[];
  weekOverWeek: { amount: number | null; previous: number | null; growth: number | null; coverage: Coverage };
  idle: IdleEnv[];
  /** One amount per chart week, oldest first (null: nothing measured that week). */
  weekly: (number | null)[];
}

export interface CostReport {
  period: CostPeriod;
  /** First day counted (midnight UTC) and the midnight ending the period (today's). */
  from: Date;
  to: Date;
  projects: ProjectCost[];
  /** Week starts of the chart's weeks, oldest first. */
  weekStarts: Date[];
  anomalyGrowth: number;
}

type Pricing = (project: string, env: string, service: string) => Price | undefined;

/** The price of each catalog service (project, else host, else default); a service gone from the catalog gets its project's or the default. */
export function pricing(catalog: Pick<Catalog, 'projects'>, settings: CostSettings): Pricing {
  const hostOf = new Map<string, string>();
  for (const p of catalog.projects) for (const e of p.environments) for (const s of e.services) hostOf.set(`${p.name}/${e.name}/${s.name}`, s.host);
  return (project, env, service) => {
    const host = hostOf.get(`${project}/${env}/${service}`);
    return host === undefined ? (settings.byProject[project] ?? settings.prices) : priceFor(settings, project, host);
  };
}

/** What the days cost at their prices; amount null when none of them has a price. */
export function usageOf(days: readonly UsageDay[], price: Pricing, periodDays: number): Usage {
  let cpu = 0;
  let mem = 0;
  let disk = 0;
  let amount: number | null = null;
  for (const d of days) {
    const c = d.cpuCoreSeconds / HOUR_S;
    const m = d.memoryByteSeconds / GB / HOUR_S;
    const s = d.storageByteSeconds / GB / MONTH_S;
    cpu += c;
    mem += m;
    disk += s;
    const p = price(d.project, d.env, d.service);
    if (p) amount = (amount ?? 0) + c * p.cpuCoreHour + m * p.memoryGbHour + s * p.storageGbMonth;
  }
  // GB-months over the period's months: the average GB held.
  const storageGbAvg = periodDays > 0 ? disk / ((periodDays * 86_400) / MONTH_S) : 0;
  return { cpuCoreHours: cpu, memoryGbHours: mem, storageGbMonths: disk, storageGbAvg, amount };
}

const within = (d: UsageDay, from: Date, to: Date) => d.day.getTime() >= from.getTime() && d.day.getTime() < to.getTime();

/**
 * Share of the hours in [from, to) in which the days' project was measured: per day the most hours any of
 * its services was (the sampler reads every service of a run at once).
 */
export function measuredShare(days: readonly UsageDay[], from: Date, to: Date): number {
  const perDay = new Map<number, number>();
  for (const d of days) if (within(d, from, to)) perDay.set(d.day.getTime(), Math.max(perDay.get(d.day.getTime()) ?? 0, d.hours));
  const total = (to.getTime() - from.getTime()) / (HOUR_S * 1000);
  const hours = [...perDay.values()].reduce((a, b) => a + b, 0);
  return total > 0 ? Math.min(1, hours / total) : 0;
}

function coverageOf(days: readonly UsageDay[], before: Date, from: Date, to: Date): Coverage {
  const now = measuredShare(days, from, to);
  const previous = measuredShare(days, before, from);
  return { now, before: previous, comparable: now >= MIN_COVERAGE && previous >= MIN_COVERAGE };
}

/** (now − before) / before; null when there is nothing to compare with. */
export function growth(now: number | null, before: number | null): number | null {
  if (now === null || before === null || before <= 0) return null;
  return (now - before) / before;
}

/**
 * Environments whose units stayed at or under `idleCpuCores` for at least `idleDays` complete days before
 * `to`: counted from the end of the last day any hour went above it, else from the first day measured.
 */
export function idleEnvs(days: readonly UsageDay[], to: Date, settings: Pick<CostSettings, 'idleCpuCores' | 'idleDays'>, price: Pricing): IdleEnv[] {
  const byEnv = new Map<string, UsageDay[]>();
  for (const d of days) if (d.day < to) byEnv.set(d.env, [...(byEnv.get(d.env) ?? []), d]);
  const out: IdleEnv[] = [];
  for (const [env, list] of byEnv) {
    const active = list.filter((d) => d.maxCpuCores > settings.idleCpuCores).map((d) => d.day.getTime());
    const first = Math.min(...list.map((d) => d.day.getTime()));
    const sinceFirstSeen = active.length === 0;
    const idleFrom = sinceFirstSeen ? first : Math.max(...active) + DAY_MS;
    const idleDays = Math.floor((to.getTime() - idleFrom) / DAY_MS);
    if (idleDays < settings.idleDays) continue;
    const lastWeek = list.filter((d) => within(d, new Date(to.getTime() - 7 * DAY_MS), to));
    const weekly = usageOf(lastWeek, price, 7).amount;
    out.push({ env, days: idleDays, sinceFirstSeen, monthly: weekly === null ? null : (weekly * 30) / 7 });
  }
  return out.sort((a, b) => a.env.localeCompare(b.env));
}

/**
 * The report of `projects` for the period ending at the start of `now`'s UTC day. `envsOf` names, per
 * project, the environments to show (the ones the person may see); days of others are left out.
 */
export function costReport(input: {
  days: readonly UsageDay[];
  projects: readonly { name: string; envs: readonly string[] }[];
  period: CostPeriod;
  now: Date;
  catalog: Pick<Catalog, 'projects'>;
  settings: CostSettings;
}): CostReport {
  const { settings, period } = input;
  const price = pricing(input.catalog, settings);
  const n = PERIOD_DAYS[period];
  const to = dayStart(input.now);
  const from = new Date(to.getTime() - n * DAY_MS);
  const prevFrom = new Date(from.getTime() - n * DAY_MS);
  const weekFrom = new Date(to.getTime() - 7 * DAY_MS);
  const prevWeekFrom = new Date(weekFrom.getTime() - 7 * DAY_MS);
  const weekStarts = Array.from({ length: CHART_WEEKS }, (_, i) => new Date(to.getTime() - (CHART_WEEKS - i) * 7 * DAY_MS));
  const projects = input.projects.map((p): ProjectCost => {
    const mine = input.days.filter((d) => d.project === p.name && p.envs.includes(d.env));
    const currency = p.envs.map((e) => mine.find((d) => d.env === e)).map((d) => d && price(d.project, d.env, d.service)?.currency).find((c) => c !== undefined)
      ?? settings.byProject[p.name]?.currency ?? settings.prices?.currency ?? null;
    // The project's coverage decides for its environments too: an environment measured only lately is new.
    const coverage = coverageOf(mine, prevFrom, from, to);
    const change = (now: number | null, before: number | null) => (coverage.comparable ? growth(now, before) : null);
    const envs = p.envs
      .filter((e) => mine.some((d) => d.env === e))
      .map((env): EnvCost => {
        const days = mine.filter((d) => d.env === env);
        const now = usageOf(days.filter((d) => within(d, from, to)), price, n);
        const before = usageOf(days.filter((d) => within(d, prevFrom, from)), price, n).amount;
        return { env, ...now, previousAmount: before, change: change(now.amount, before) };
      });
    const total = usageOf(mine.filter((d) => within(d, from, to)), price, n);
    const previousAmount = usageOf(mine.filter((d) => within(d, prevFrom, from)), price, n).amount;
    const week = usageOf(mine.filter((d) => within(d, weekFrom, to)), price, 7).amount;
    const prevWeek = usageOf(mine.filter((d) => within(d, prevWeekFrom, weekFrom)), price, 7).amount;
    const weekCoverage = coverageOf(mine, prevWeekFrom, weekFrom, to);
    const weekly = weekStarts.map((start) => {
      const inWeek = mine.filter((d) => within(d, start, new Date(start.getTime() + 7 * DAY_MS)));
      return inWeek.length === 0 ? null : (usageOf(inWeek, price, 7).amount ?? 0);
    });
    return {
      project: p.name,
      currency,
      total,
      previousAmount,
      change: change(total.amount, previousAmount),
      coverage,
      envs,
      weekOverWeek: { amount: week, previous: prevWeek, growth: weekCoverage.comparable ? growth(week, prevWeek) : null, coverage: weekCoverage },
      idle: idleEnvs(mine, to, settings, price),
      weekly,
    };
  });
  return { period, from, to, projects, weekStarts, anomalyGrowth: settings.anomalyGrowth };
}

/** Whether the project's week-over-week growth reaches the warning threshold. */
export const grewTooFast = (p: ProjectCost, threshold: number): boolean => p.weekOverWeek.growth !== null && p.weekOverWeek.growth >= threshold;
