/** The cost report as a chat Reply (table, warnings, idle environments, chart) and as a CSV file. */
import { ReplyBuilder } from '../messages/reply-builder.js';
import type { Reply } from '../messages/reply.js';
import { CHART_WEEKS, grewTooFast, MIN_COVERAGE, PERIOD_DAYS, type CostReport, type ProjectCost } from './cost-report.js';

const SYMBOLS: Record<string, string> = { USD: '$', EUR: '€', GBP: '£', JPY: '¥' };
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** `$12.30`, `€0.45`, `12.30 CHF`; `-` without an amount. */
export function money(amount: number | null, currency: string | null): string {
  if (amount === null) return '-';
  const digits = amount !== 0 && Math.abs(amount) < 1 ? 2 : amount >= 100 ? 0 : 2;
  const n = amount.toFixed(digits);
  const symbol = currency ? SYMBOLS[currency] : undefined;
  if (symbol) return `${symbol}${n}`;
  return currency ? `${n} ${currency}` : n;
}

/** `+12%`, `-3%`, `new` (nothing before), `-` (nothing at all). */
export function changeText(change: number | null, amount: number | null = null): string {
  if (change === null) return amount !== null && amount > 0 ? 'new' : '-';
  const pct = Math.round(change * 100);
  return `${pct > 0 ? '+' : ''}${pct}%`;
}

/** Three significant digits or so: 168, 84.0, 0.17 (rounded first, so 9.9999 reads 10.0). */
function num(value: number): string {
  const n = Math.round(value * 100) / 100;
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

/** What the period is compared with: the change, or why there is none. */
function versus(p: ProjectCost, days: number): string {
  const c = p.coverage;
  if (!c.comparable) {
    const [share, which] = c.before < MIN_COVERAGE ? [c.before, `the ${days} days before`] : [c.now, `these ${days} days`];
    return ` (not enough history to compare: ${Math.floor(share * 100)}% of ${which} measured)`;
  }
  return p.previousAmount === null ? '' : ` (${changeText(p.change, p.total.amount)} vs the ${days} days before)`;
}

function projectSection(b: ReplyBuilder, r: CostReport, p: ProjectCost): void {
  const days = PERIOD_DAYS[r.period];
  b.text(`${p.project}: ${money(p.total.amount, p.currency)}${versus(p, days)}`);
  if (grewTooFast(p, r.anomalyGrowth)) {
    const w = p.weekOverWeek;
    b.text(`⚠️ ${p.project} grew ${changeText(w.growth)} week over week (${money(w.previous, p.currency)} → ${money(w.amount, p.currency)})`);
  }
  if (p.envs.length > 0) {
    b.table(
      ['ENV', 'CPU h', 'MEM GBh', 'DISK GB', 'COST', 'CHANGE'],
      p.envs.map((e) => [e.env, num(e.cpuCoreHours), num(e.memoryGbHours), num(e.storageGbAvg), money(e.amount, p.currency), p.coverage.comparable ? changeText(e.change, e.amount) : '-']),
    );
  } else {
    b.text('Nothing measured in this period yet.');
  }
  for (const i of p.idle) {
    const cost = i.monthly === null ? '' : `, ~${money(i.monthly, p.currency)}/mo`;
    b.text(`💤 ${i.env} has been idle for ${i.sinceFirstSeen ? 'at least ' : ''}${i.days} days${cost}`);
  }
}

export interface CostReplyOptions {
  /** Services not measured because their runtime cannot report use (`project/env/service`). */
  unmeasured?: readonly string[];
  /** Projects without any price: measured, no money shown. */
  title?: string;
}

export function costReply(r: CostReport, opts: CostReplyOptions = {}): Reply {
  const days = PERIOD_DAYS[r.period];
  const warn = r.projects.some((p) => grewTooFast(p, r.anomalyGrowth));
  const names = r.projects.map((p) => p.project);
  const b = new ReplyBuilder(warn ? 'warning' : 'info').header(opts.title ?? `Cost of ${names.join(', ')}, last ${days} days`);
  for (const p of r.projects) projectSection(b, r, p);
  const last = new Date(r.to.getTime() - 86_400_000);
  const notes = [`${isoDay(r.from)} to ${isoDay(last)} (complete UTC days)`, 'CPU h: core-hours, MEM GBh: GB-hours, DISK GB: average held'];
  if (r.projects.some((p) => p.currency === null)) notes.push('no prices configured for some projects (cost: in the config)');
  if (opts.unmeasured && opts.unmeasured.length > 0) notes.push(`not measured (runtime cannot report use yet): ${opts.unmeasured.join(', ')}`);
  for (const note of notes) b.context(note);
  const currencies = [...new Set(r.projects.map((p) => p.currency).filter((c) => c !== null))];
  b.chart({
    kind: 'bar',
    title: `Cost per project, last ${CHART_WEEKS} weeks`,
    labels: r.weekStarts.map((d) => d.toISOString().slice(5, 10)),
    series: r.projects.map((p) => ({ name: p.project, values: p.weekly.map((v) => (v === null ? null : Math.round(v * 100) / 100)) })),
    ...(currencies.length === 1 ? { unit: currencies[0]! } : {}),
  });
  return b.build();
}

/** A CSV field: quoted when it holds a comma, quote or line break; a leading = + - @ is neutralised for spreadsheets. */
export function csvField(value: string): string {
  const safe = /^[=+\-@]/.test(value) && !/^-?\d/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

const fixed = (n: number | null, digits: number) => (n === null ? '' : n.toFixed(digits));

/** One row per project and environment, numbers unrounded enough to add up again. */
export function costCsv(r: CostReport): string {
  const header = ['project', 'env', 'from', 'to', 'cpu_core_hours', 'memory_gb_hours', 'storage_gb_avg', 'storage_gb_months', 'cost', 'currency', 'previous_cost', 'change_pct'];
  const rows = r.projects.flatMap((p) =>
    p.envs.map((e) => [
      p.project,
      e.env,
      isoDay(r.from),
      isoDay(r.to),
      fixed(e.cpuCoreHours, 4),
      fixed(e.memoryGbHours, 4),
      fixed(e.storageGbAvg, 4),
      fixed(e.storageGbMonths, 4),
      fixed(e.amount, 2),
      p.currency ?? '',
      fixed(e.previousAmount, 2),
      e.change === null ? '' : (e.change * 100).toFixed(1),
    ]),
  );
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** The reply of `cost … --csv`: a short text and the table as a file. */
export function costCsvReply(r: CostReport): Reply {
  const names = r.projects.map((p) => p.project).join('-');
  const filename = `cost-${names}-${r.period}-${isoDay(r.to)}.csv`;
  return new ReplyBuilder()
    .text(`Cost of ${r.projects.map((p) => p.project).join(', ')}, last ${PERIOD_DAYS[r.period]} days, as CSV: ${filename}`)
    .attach({ filename, content: costCsv(r), title: 'Cost per project and environment' })
    .build();
}
