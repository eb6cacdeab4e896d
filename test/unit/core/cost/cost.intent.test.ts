import { describe, expect, it } from 'vitest';
import { anomalyKey, isoWeekStart, pushCostAnomalies } from '../../../../src/core/cost/cost-anomaly.js';
import type { Notifier, PushOptions } from '../../../../src/core/ports/notifier.port.js';
import type { Reply } from '../../../../src/core/messages/reply.js';
import { buildScheduledReport } from '../../../../src/core/reports/scheduled-report.js';
import { coreHarness } from '../../../support/core-harness.js';
import { MemoryUsageStore } from '../../../fakes/memory-usage.js';
import { addDay, days, settings, shopHistory } from './cost-fixture.js';

function costHarness() {
  const usage = new MemoryUsageStore();
  shopHistory(usage);
  const cost = { usage, settings: settings() };
  const h = coreHarness({ cost });
  h.setNow('2026-11-23T12:00:00Z');
  return { ...h, usage, cost };
}

const texts = (r: Reply) => r.blocks.flatMap((b) => (b.type === 'text' ? [b.text] : []));
const table = (r: Reply) => r.blocks.find((b) => b.type === 'table') as { columns: string[]; rows: string[][] } | undefined;

class KeyedNotifier implements Notifier {
  readonly pushes: { project: string; reply: Reply; key: string | undefined }[] = [];
  async edit(): Promise<void> {}
  async publish(): Promise<void> {}
  async announce(project: string, reply: Reply, options?: PushOptions): Promise<void> {
    this.pushes.push({ project, reply, key: options?.key });
  }
}

describe('cost command', () => {
  it('answers per environment with the change, the week-over-week warning, idle environments and a chart', async () => {
    const h = costHarness();

    const reply = await h.say('cost shop');

    expect(reply.tone).toBe('warning');
    expect(reply.blocks[0]).toEqual({ type: 'header', text: 'Cost of shop, last 7 days' });
    expect(texts(reply)[0]).toBe('shop: $11.16 (+124% vs the 7 days before)');
    expect(texts(reply)[1]).toBe('⚠️ shop grew +124% week over week ($4.98 → $11.16)');
    expect(table(reply)).toEqual({
      type: 'table',
      columns: ['ENV', 'CPU h', 'MEM GBh', 'DISK GB', 'COST', 'CHANGE'],
      rows: [
        ['staging', '0.17', '84.0', '0.00', '$0.85', '-12%'],
        ['prod', '168', '168', '10.0', '$10.31', '+157%'],
      ],
    });
    expect(texts(reply)).toContain('💤 staging has been idle for 9 days, ~$3.64/mo');
    expect(reply.chart).toMatchObject({ kind: 'bar', title: 'Cost per project, last 8 weeks', unit: 'USD', labels: ['09-28', '10-05', '10-12', '10-19', '10-26', '11-02', '11-09', '11-16'] });
    expect(reply.chart!.series).toEqual([{ name: 'shop', values: [null, null, null, null, null, null, 4.98, 11.16] }]);
    // The in-memory runtimes cannot report use: their services are named as not measured.
    expect(reply.text).toContain('not measured (runtime cannot report use yet): shop/staging/api, shop/prod/api, shop/prod/web');
    for (const line of reply.text.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });

  it('shows only the environments the person may see', async () => {
    const h = costHarness();
    const reply = await h.say('cost shop', { user: '1003' }); // carol: operator on staging only
    expect(table(reply)!.rows.map((r) => r[0])).toEqual(['staging']);
  });

  it('sends the table as a CSV file with --csv, for the month', async () => {
    const h = costHarness();
    const reply = await h.say('cost shop month --csv');
    expect(reply.attachment?.filename).toBe('cost-shop-month-2026-11-23.csv');
    expect(reply.attachment?.content.split('\r\n')[0]).toMatch(/^project,env,from,to,cpu_core_hours/);
    expect(reply.attachment?.content).toContain('shop,prod,2026-10-24,2026-11-23,');
    expect(reply.text).toContain('as CSV');
  });

  it('answers what is wrong with bad arguments, and refuses projects the chat may not address', async () => {
    const h = costHarness();
    expect((await h.say('cost shop yearly')).text).toContain('week or month');
    expect((await h.say('cost shop week extra')).text).toContain('too many arguments');
    expect((await h.say('cost nope')).text).toContain('Unknown project "nope"');
    expect((await h.say('cost billing', { user: '1003' })).text).toContain('Unknown project "billing"');
    expect(h.audit.entries.at(-1)).toMatchObject({ intent: 'cost', outcome: 'not_found' });
  });

  it('says so when nothing is measured in this process', async () => {
    const h = coreHarness();
    expect((await h.say('cost shop')).text).toContain('Cost is not measured here.');
  });
});

describe('week-over-week warning', () => {
  it('is pushed once per project and week with a key of the project and the week', async () => {
    const h = costHarness();
    const notifier = new KeyedNotifier();
    const now = new Date('2026-11-23T12:00:00Z');
    const deps = { catalog: h.config.catalog, cost: h.cost, notifier };

    expect(await pushCostAnomalies(deps, now)).toEqual(['shop']);
    expect(await pushCostAnomalies(deps, new Date('2026-11-25T08:00:00Z'))).toEqual([]);

    expect(notifier.pushes).toHaveLength(1);
    expect(notifier.pushes[0]).toMatchObject({ project: 'shop', key: 'cost-anomaly:shop:2026-11-23' });
    expect(notifier.pushes[0]!.reply.blocks[0]).toEqual({ type: 'header', text: '⚠️ Cost of shop grew +124% week over week' });
    expect(anomalyKey('shop', isoWeekStart(new Date('2026-11-29T23:59:00Z')))).toBe('cost-anomaly:shop:2026-11-23');
  });

  it('is not pushed when the week before was only partly measured', async () => {
    // The sampler started on Sunday 11-15: that day at 0.25 cores, then a week at 1 core (+300% on paper).
    const usage = new MemoryUsageStore();
    addDay(usage, { day: '2026-11-15', cores: 0.25, memGb: 1 });
    for (const day of days('2026-11-16', 7)) addDay(usage, { day, cores: 1, memGb: 1 });
    const h = coreHarness({ cost: { usage, settings: settings() } });
    const notifier = new KeyedNotifier();
    expect(await pushCostAnomalies({ catalog: h.config.catalog, cost: { usage, settings: settings() }, notifier }, new Date('2026-11-23T12:00:00Z'))).toEqual([]);
    expect(notifier.pushes).toEqual([]);
  });

  it('is not pushed under the threshold', async () => {
    const h = costHarness();
    const notifier = new KeyedNotifier();
    const cost = { ...h.cost, settings: settings({ anomalyGrowth: 1.5 }) };
    expect(await pushCostAnomalies({ catalog: h.config.catalog, cost, notifier }, new Date('2026-11-23T12:00:00Z'))).toEqual([]);
    expect(notifier.pushes).toEqual([]);
  });
});

describe('weekly cost report', () => {
  it('is a report entry of kind cost: the last 7 complete days of every environment', async () => {
    const h = costHarness();
    const services = { catalog: h.config.catalog, cost: h.cost, runtimes: h.runtimes } as never;
    const schedule = { id: 'shop-cost', project: 'shop', platform: 'telegram', chatId: '-100500', cron: '0 9 * * 1', timezone: 'UTC', kind: 'cost' as const };
    const reply = await buildScheduledReport({ services, sendTo: async () => {}, previousFire: () => new Date(0) }, schedule, new Date('2026-11-23T09:00:00Z'));
    expect(reply.blocks[0]).toEqual({ type: 'header', text: 'Weekly cost report: shop' });
    expect(table(reply)!.rows.map((r) => r[0])).toEqual(['staging', 'prod']);
    expect(reply.chart?.series[0]?.name).toBe('shop');
  });
});
