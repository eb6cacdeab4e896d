/** `slo` and the golden signals of `status` through the real core, over a fake time-series source and a fixed clock. */
import { describe, expect, it } from 'vitest';
import { WORKBOOK_BURN_RULES } from '../../../../src/core/domain/slo.js';
import type { SloServices } from '../../../../src/core/slo/slo-assessment.js';
import { coreHarness } from '../../../support/core-harness.js';
import { FakeTimeSeries } from './fake-timeseries.js';

const CONFIG = new URL('../../../fixtures/config/slo.yaml', import.meta.url);

function setup(byWindow: Record<string, number>) {
  const source = new FakeTimeSeries(byWindow);
  const slo: SloServices = { source, burnRules: WORKBOOK_BURN_RULES, timeoutMs: 1000, statusTimeoutMs: 200 };
  const h = coreHarness({ configFile: CONFIG, slo });
  h.runtimes.get('docker-1').add({ name: 'shop-api-1', labels: { app: 'shop-api', env: 'prod' }, image: 'reg/shop/api:1.4.2', version: '1.4.2' });
  h.runtimes.get('docker-2').add({ name: 'shop-web-prod', image: 'reg/shop/web:2.0.0', version: '2.0.0' });
  return { h, source };
}

describe('slo', () => {
  it('shows attainment, budget left in % and minutes, and the burn over 1h and 6h', async () => {
    // 30d: 0.05% errors of a 0.1% budget → half left. 1h at 1.8% → 18x, 5m too: the page rule fires.
    const { h, source } = setup({ '30d': 0.0005, '1h': 0.018, '5m': 0.02, '6h': 0.0012, '30m': 0.001, '7d': 0.002 });
    const reply = await h.say('slo shop prod');
    expect(reply.tone).toBe('warning');
    expect(reply.text).toContain(
      [
        'api availability: 99.9% over 30d',
        'attained 99.95% · budget left 50% (21.6 of 43.2 min)',
        'burn 1h 18x · 6h 1.2x',
        '⚠️ burning above 14.4x over 1h and 5m (page)',
        'At this rate the 30-day error budget is gone in 20 hours.',
      ].join('\n'),
    );
    // The latency objective: 0.2% of 7 days' minutes were slow against a 1% budget.
    expect(reply.text).toContain('api latency: 99% over 7d\nattained 99.8% · budget left 80% (80.6 of 100.8 min)');
    // Every query at the clock's time, the latency one as one-minute slices.
    expect(new Set(source.instants.map((q) => q.at?.toISOString()))).toEqual(new Set([h.now().toISOString()]));
    expect(source.instants.map((q) => q.query)).toContain(
      '1 - avg_over_time((max(histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job="api"}[1m])))) <= bool 0.3)[1h:1m])',
    );
    // The chart: the budget burn-down over 30 days in 30 daily steps, one series per SLO of that window.
    expect(reply.chart).toMatchObject({ kind: 'line', title: 'Error budget left over 30d', unit: '%' });
    expect(reply.chart!.labels).toHaveLength(30);
    expect(reply.chart!.labels.at(-1)).toBe('11-23');
    expect(reply.chart!.series.map((s) => s.name)).toEqual(['api availability']);
    expect(source.ranges.map((r) => r.stepMs)).toEqual([86_400_000, 86_400_000]);
    expect(h.audit.last()).toMatchObject({ intent: 'slo', outcome: 'ok' });
  });

  it('says plainly when Prometheus is unreachable', async () => {
    const { h, source } = setup({});
    source.down = true;
    const reply = await h.say('slo shop');
    expect(reply.tone).toBe('warning');
    expect(reply.text).toContain('Prometheus unreachable (ECONNREFUSED): SLOs cannot be measured right now.');
  });

  it('says where SLOs are declared when an environment has none, and keeps to what the person may see', async () => {
    const { h } = setup({});
    expect((await h.say('slo shop staging')).text).toContain('No SLOs are configured for shop staging. A service declares them under slos: in the config.');
    // Bob sees staging only: prod's SLOs are not his to read.
    const bob = await h.say('slo shop prod', { user: '1002' });
    expect(bob.text).not.toContain('availability');
  });

  it('shows no events yet instead of a made-up attainment', async () => {
    const { h } = setup({});
    const reply = await h.say('slo shop prod');
    expect(reply.text).toContain('api availability: 99.9% over 30d\nno events in the window yet');
  });
});

describe('status with golden signals', () => {
  it('adds traffic, error rate, p99 latency and saturation per service', async () => {
    const { h, source } = setup({});
    source.exact.set('traffic_api', [10.25, 2]);
    source.exact.set('errors_api', [0.0052, 0.001]);
    source.exact.set('latency_api', [0.23]);
    source.exact.set('saturation_api', [0.71]);
    const reply = await h.say('status shop prod');
    const tables = reply.blocks.filter((b) => b.type === 'table');
    expect(tables[1]).toEqual({
      type: 'table',
      columns: ['SERVICE', 'TRAFFIC', 'ERRORS', 'P99', 'SATURATION'],
      rows: [
        ['api', '12.3/s', '0.52%', '230ms', '71%'],
        ['web', '?', '-', '-', '-'],
      ],
    });
    expect(source.instants.every((q) => q.timeoutMs === 200)).toBe(true);
  });

  it('answers in full without the signals when Prometheus is down, and says so', async () => {
    const { h, source } = setup({});
    source.down = true;
    const reply = await h.say('status shop prod');
    expect(reply.text).toContain('Golden signals unavailable: Prometheus unreachable (ECONNREFUSED).');
    const tables = reply.blocks.filter((b) => b.type === 'table');
    expect(tables).toHaveLength(1);
    expect(tables[0]!.type === 'table' && tables[0]!.rows.map((r) => r[0])).toEqual(['api', 'web']);
  });
});
