import { describe, expect, it } from 'vitest';
import { pricing, costReport, idleEnvs, growth, type CostReport } from '../../../../src/core/cost/cost-report.js';
import { costCsv, costReply, csvField, money, changeText } from '../../../../src/core/cost/cost-reply.js';
import { priceFor } from '../../../../src/core/cost/prices.js';
import { MemoryUsageStore } from '../../../fakes/memory-usage.js';
import { addDay, days, settings, shopHistory, SHOP_PRICE } from './cost-fixture.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const catalog = {
  projects: [
    {
      name: 'shop',
      environments: [
        { name: 'staging', project: 'shop', production: false, requireApproval: false, services: [{ name: 'api', project: 'shop', env: 'staging', host: 'docker-1', selector: {} }] },
        { name: 'prod', project: 'shop', production: true, requireApproval: true, services: [{ name: 'api', project: 'shop', env: 'prod', host: 'docker-1', selector: {} }] },
      ],
    },
  ],
};

async function report(store: MemoryUsageStore, period: 'week' | 'month' = 'week', s = settings()): Promise<CostReport> {
  const all = await store.daily({ projects: ['shop', 'billing'], from: new Date('2026-09-01T00:00:00Z'), to: NOW });
  return costReport({ days: all, projects: [{ name: 'shop', envs: ['staging', 'prod'] }], period, now: NOW, catalog, settings: s });
}

describe('cost arithmetic', () => {
  it('turns core-seconds, byte-seconds and disk held into hours, GB-months and money over complete UTC days', async () => {
    const store = new MemoryUsageStore();
    shopHistory(store);
    addDay(store, { day: '2026-11-23', cores: 8, memGb: 8 }); // today: not a complete day, not counted

    const r = await report(store);

    expect(r.from).toEqual(new Date('2026-11-16T00:00:00Z'));
    expect(r.to).toEqual(new Date('2026-11-23T00:00:00Z'));
    const prod = r.projects[0]!.envs.find((e) => e.env === 'prod')!;
    // 7 days × 24 h × 1 core = 168 core-hours; 7 × 24 × 1 GB = 168 GB-hours; 10 GB for 7/30 of a month.
    expect(prod.cpuCoreHours).toBeCloseTo(168, 9);
    expect(prod.memoryGbHours).toBeCloseTo(168, 9);
    expect(prod.storageGbAvg).toBeCloseTo(10, 9);
    expect(prod.storageGbMonths).toBeCloseTo(7 / 3, 9);
    expect(prod.amount).toBeCloseTo(168 * 0.05 + 168 * 0.01 + (7 / 3) * 0.1, 9);
    // The week before: 42 core-hours instead of 168.
    expect(prod.previousAmount).toBeCloseTo(42 * 0.05 + 168 * 0.01 + (7 / 3) * 0.1, 9);
    expect(prod.change).toBeCloseTo(prod.amount! / prod.previousAmount! - 1, 9);
    expect(r.projects[0]!.currency).toBe('USD');
  });

  it('prices a service by its project, else its host, else the default, else not at all', () => {
    const hostPrice = { ...SHOP_PRICE, currency: 'EUR', cpuCoreHour: 1 };
    const defaults = { ...SHOP_PRICE, currency: 'GBP' };
    const s = settings({ byProject: { shop: SHOP_PRICE }, byHost: { 'docker-2': hostPrice }, prices: defaults });
    expect(priceFor(s, 'shop', 'docker-2')).toBe(SHOP_PRICE);
    expect(priceFor(s, 'billing', 'docker-2')).toBe(hostPrice);
    expect(priceFor(s, 'billing', 'docker-1')).toBe(defaults);
    expect(priceFor(settings({ byProject: {} }), 'billing', 'docker-1')).toBeUndefined();
    // A service gone from the catalog keeps its project's price.
    expect(pricing(catalog, s)('shop', 'prod', 'removed')).toBe(SHOP_PRICE);
  });

  it('shows use without money when no price applies', async () => {
    const store = new MemoryUsageStore();
    shopHistory(store);
    const r = await report(store, 'week', settings({ byProject: {} }));
    expect(r.projects[0]!.currency).toBeNull();
    expect(r.projects[0]!.total.amount).toBeNull();
    expect(r.projects[0]!.total.cpuCoreHours).toBeGreaterThan(168);
  });

  it('compares a month with the 30 days before it', async () => {
    const store = new MemoryUsageStore();
    for (const day of days('2026-09-24', 30)) addDay(store, { day, cores: 1, memGb: 0 });
    for (const day of days('2026-10-24', 30)) addDay(store, { day, cores: 2, memGb: 0 });
    const r = await report(store, 'month');
    const prod = r.projects[0]!.envs[0]!;
    expect(r.from).toEqual(new Date('2026-10-24T00:00:00Z'));
    expect(prod.cpuCoreHours).toBeCloseTo(30 * 24 * 2, 9);
    expect(prod.change).toBeCloseTo(1, 9);
  });

  it('keeps eight weekly amounts for the chart, null for weeks without measurements', async () => {
    const store = new MemoryUsageStore();
    shopHistory(store);
    const r = await report(store);
    expect(r.weekStarts.map((d) => d.toISOString().slice(0, 10))).toEqual(['2026-09-28', '2026-10-05', '2026-10-12', '2026-10-19', '2026-10-26', '2026-11-02', '2026-11-09', '2026-11-16']);
    const weekly = r.projects[0]!.weekly;
    expect(weekly.slice(0, 6)).toEqual([null, null, null, null, null, null]);
    expect(weekly[7]).toBeCloseTo(r.projects[0]!.total.amount!, 9);
  });
});

describe('week over week', () => {
  it('is the growth of the last 7 complete days against the 7 before', async () => {
    const store = new MemoryUsageStore();
    shopHistory(store);
    const p = (await report(store, 'month')).projects[0]!;
    expect(p.weekOverWeek.growth).toBeCloseTo(p.weekOverWeek.amount! / p.weekOverWeek.previous! - 1, 9);
    expect(p.weekOverWeek.growth).toBeGreaterThan(0.5);
  });

  it('compares nothing when the week before was measured for under 80% of its hours', async () => {
    // The sampler started on 11-14 at noon: 36 of the week's 168 hours, at the same use as since.
    const store = new MemoryUsageStore();
    addDay(store, { day: '2026-11-14', cores: 1, memGb: 1, hours: 12 });
    addDay(store, { day: '2026-11-15', cores: 1, memGb: 1 });
    for (const day of days('2026-11-16', 7)) addDay(store, { day, cores: 1, memGb: 1 });
    const r = await report(store);
    const p = r.projects[0]!;
    expect(p.weekOverWeek.previous).toBeGreaterThan(0);
    expect(p.weekOverWeek.growth).toBeNull();
    expect(p.weekOverWeek.coverage).toEqual({ now: 1, before: 36 / 168, comparable: false });
    expect(p.change).toBeNull();
    expect(p.envs[0]!.change).toBeNull();
    const reply = costReply(r);
    expect(reply.tone).toBe('info');
    expect(reply.text).toContain('shop: $10.08 (not enough history to compare: 21% of the 7 days before measured)');
    expect(reply.text).not.toContain('grew');
  });

  it('compares a week whose week before was measured for 80% of its hours or more', async () => {
    const store = new MemoryUsageStore();
    // 11-09 measured from 00:00 to 10:00 is missing: 158 of 168 hours.
    addDay(store, { day: '2026-11-09', cores: 1, memGb: 1, hours: 14 });
    for (const day of days('2026-11-10', 6)) addDay(store, { day, cores: 1, memGb: 1 });
    for (const day of days('2026-11-16', 7)) addDay(store, { day, cores: 1, memGb: 1 });
    const p = (await report(store)).projects[0]!;
    expect(p.weekOverWeek.coverage.comparable).toBe(true);
    expect(p.weekOverWeek.growth).toBeCloseTo(168 / 158 - 1, 9);
  });

  it('has no growth without a previous amount above zero', () => {
    expect(growth(5, 0)).toBeNull();
    expect(growth(5, null)).toBeNull();
    expect(growth(null, 5)).toBeNull();
    expect(growth(7.5, 5)).toBe(0.5);
  });
});

describe('idle environments', () => {
  const price = pricing(catalog, settings());
  const idleOf = async (store: MemoryUsageStore) => idleEnvs(await store.daily({ projects: ['shop'], from: new Date('2026-09-01T00:00:00Z'), to: NOW }), new Date('2026-11-23T00:00:00Z'), settings(), price);

  it('counts the days since the last day above the CPU threshold, with what it costs a month', async () => {
    const store = new MemoryUsageStore();
    shopHistory(store);
    const idle = await idleOf(store);
    expect(idle).toHaveLength(1);
    expect(idle[0]).toMatchObject({ env: 'staging', days: 9, sinceFirstSeen: false });
    // 7 days × (0.024 core-hours × $0.05 + 12 GB-hours × $0.01), scaled to 30 days.
    expect(idle[0]!.monthly).toBeCloseTo(((7 * (0.001 * 24 * 0.05 + 0.5 * 24 * 0.01)) * 30) / 7, 9);
  });

  it('is not idle under the idle days, nor with a busy hour in them', async () => {
    const store = new MemoryUsageStore();
    for (const day of days('2026-11-17', 6)) addDay(store, { env: 'staging', day, cores: 0, memGb: 0.1 }); // 6 days only
    for (const day of days('2026-11-10', 13)) addDay(store, { env: 'prod', day, cores: 0.001, memGb: 1, maxCpu: day === '2026-11-20' ? 0.3 : 0.001 });
    expect(await idleOf(store)).toEqual([]);
  });

  it('says "at least" when it was never busy in the history read', async () => {
    const store = new MemoryUsageStore();
    for (const day of days('2026-11-12', 11)) addDay(store, { env: 'staging', day, cores: 0, memGb: 0.1 });
    expect(await idleOf(store)).toMatchObject([{ env: 'staging', days: 11, sinceFirstSeen: true }]);
  });
});

describe('cost formatting and CSV', () => {
  it('writes money with the currency symbol or code', () => {
    expect(money(12.3, 'USD')).toBe('$12.30');
    expect(money(0.456, 'EUR')).toBe('€0.46');
    expect(money(1234.5, 'USD')).toBe('$1235');
    expect(money(3, 'CHF')).toBe('3.00 CHF');
    expect(money(null, 'USD')).toBe('-');
    expect(changeText(0.523)).toBe('+52%');
    expect(changeText(-0.1)).toBe('-10%');
    expect(changeText(null, 4)).toBe('new');
  });

  it('sends one row per project and environment, numbers that add up again', async () => {
    const store = new MemoryUsageStore();
    shopHistory(store);
    const csv = costCsv(await report(store));
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('project,env,from,to,cpu_core_hours,memory_gb_hours,storage_gb_avg,storage_gb_months,cost,currency,previous_cost,change_pct');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('shop,prod,2026-11-16,2026-11-23,168.0000,168.0000,10.0000,2.3333,10.31,USD,4.01,157.0');
  });

  it('quotes what needs quoting and defuses spreadsheet formulas', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-12.5')).toBe('-12.5');
  });
});
