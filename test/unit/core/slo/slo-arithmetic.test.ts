import { describe, expect, it } from 'vitest';
import {
  budgetBurnDown,
  budgetLeft,
  budgetMinutes,
  burnRate,
  burnSentence,
  exhaustionMs,
  firingRules,
  inWords,
  promDuration,
  WORKBOOK_BURN_RULES,
  type SloSpec,
} from '../../../../src/core/domain/slo.js';
import { assessSlo } from '../../../../src/core/slo/slo-assessment.js';
import { errorRatioQuery, weightQuery } from '../../../../src/core/slo/slo-queries.js';
import { budgetText } from '../../../../src/core/slo/slo-report.js';
import { FakeTimeSeries } from './fake-timeseries.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

describe('error budget arithmetic', () => {
  it('gives 99.9% over 30 days a budget of 43.2 minutes', () => {
    expect(budgetMinutes(0.999, 30 * DAY)).toBeCloseTo(43.2, 9);
    expect(budgetMinutes(0.99, 7 * DAY)).toBeCloseTo(100.8, 9);
  });

  it('burns at 1x when errors run exactly at the budget, 14.4x at 1.44% errors against 99.9%', () => {
    expect(burnRate(0.001, 0.999)).toBeCloseTo(1, 9);
    expect(burnRate(0.0144, 0.999)).toBeCloseTo(14.4, 9);
    expect(burnRate(0, 0.999)).toBe(0);
  });

  it('leaves half the budget at half the allowed errors, and goes negative when overspent', () => {
    expect(budgetLeft(0.0005, 0.999)).toBeCloseTo(0.5, 9);
    expect(budgetLeft(0.003, 0.999)).toBeCloseTo(-2, 9);
  });

  it('says when the budget is gone: 30 days at 14.4x is about 2 days; what is left goes faster', () => {
    expect(exhaustionMs(1, 14.4, 30 * DAY)).toBeCloseTo(50 * HOUR, 3);
    expect(exhaustionMs(0.5, 6, 30 * DAY)).toBeCloseTo(2.5 * DAY, 3);
    expect(exhaustionMs(-0.2, 6, 30 * DAY)).toBe(0);
    expect(exhaustionMs(1, 0, 30 * DAY)).toBeUndefined();
  });

  it('puts it in one plain sentence', () => {
    expect(burnSentence(30 * DAY, 1, 14.4)).toBe('At this rate the 30-day error budget is gone in 2 days');
    expect(burnSentence(30 * DAY, undefined, 14.4)).toBe('At this rate the 30-day error budget is gone in 2 days');
    expect(burnSentence(30 * DAY, 0.25, 6)).toBe('At this rate the 30-day error budget is gone in 1 day');
    expect(burnSentence(30 * DAY, 0.01, 14.4)).toBe('At this rate the 30-day error budget is gone in 30 minutes');
    expect(burnSentence(30 * DAY, -0.5, 14.4)).toBe('The 30-day error budget is spent; at this rate a whole one lasts 2 days');
    expect(burnSentence(7 * DAY, 1, 0)).toBe('The 7-day error budget is not burning');
  });

  it('writes PromQL durations and words', () => {
    expect([30 * DAY, HOUR, 6 * HOUR, 300_000, 90_000, 1500].map(promDuration)).toEqual(['30d', '1h', '6h', '5m', '90s', '1500ms']);
    expect([2 * DAY, 5 * HOUR, 60_000, 1000, 1].map(inWords)).toEqual(['2 days', '5 hours', '1 minute', '1 second', 'under a second']);
  });

  it('burns the budget down over the window, weighting intervals by their events', () => {
    // 99% objective: 1% budget. Three equal intervals; the middle one at 1.5% errors spends half the budget.
    expect(budgetBurnDown([{ errorRatio: 0, weight: 100 }, { errorRatio: 0.015, weight: 100 }, { errorRatio: 0, weight: 100 }], 0.99).map((v) => Math.round(v * 1000) / 1000)).toEqual([1, 0.5, 0.5]);
    // A quiet interval weighs little; one without events (undefined) spends nothing.
    expect(budgetBurnDown([{ errorRatio: 0.5, weight: 1 }, { errorRatio: undefined, weight: 0 }, { errorRatio: 0, weight: 99 }], 0.99).map((v) => Math.round(v * 1000) / 1000)).toEqual([0.5, 0.5, 0.5]);
  });

  it('shows the budget as a share and as minutes, or how far it is overspent', () => {
    expect(budgetText(0.5, 43.2)).toBe('budget left 50% (21.6 of 43.2 min)');
    expect(budgetText(-0.25, 43.2)).toBe('budget overspent by 25% (10.8 min over 43.2 min)');
    expect(budgetText(1, 0.02)).toBe('budget left 100% (1.2 of 1.2 s)');
  });
});

describe('multi-window, multi-burn-rate rules (the workbook defaults)', () => {
  const burns = (m: Record<number, number>) => (w: number) => m[w];

  it('pages at 14.4x only when the 1h and the 5m windows both burn above it', () => {
    expect(firingRules(WORKBOOK_BURN_RULES, burns({ [HOUR]: 15, [300_000]: 20, [6 * HOUR]: 2, [1_800_000]: 3 })).map((r) => r.factor)).toEqual([14.4]);
    // The 1h window still high from an hour-old spike, but the 5m window has recovered: no page (it resets fast).
    expect(firingRules(WORKBOOK_BURN_RULES, burns({ [HOUR]: 15, [300_000]: 0.5, [6 * HOUR]: 2, [1_800_000]: 3 }))).toEqual([]);
  });

  it('fires at 6x when the 6h and 30m windows burn above it, and never without data', () => {
    expect(firingRules(WORKBOOK_BURN_RULES, burns({ [HOUR]: 7, [300_000]: 7, [6 * HOUR]: 6.5, [1_800_000]: 7 })).map((r) => r.factor)).toEqual([6]);
    expect(firingRules(WORKBOOK_BURN_RULES, burns({}))).toEqual([]);
  });
});

describe('the PromQL sent', () => {
  const ratio: SloSpec = { name: 'availability', objective: 0.999, windowMs: 30 * DAY, sli: { kind: 'ratio', good: 'sum(rate(ok[{{window}}]))', total: 'sum(rate(all[{{ window }}]))' } };
  const latency: SloSpec = { name: 'latency', objective: 0.99, windowMs: 30 * DAY, sli: { kind: 'latency', query: 'histogram_quantile(0.99, rate(b[{{window}}]))', thresholdMs: 300, unit: 'seconds', sliceMs: 60_000 } };

  it('fills {{window}} and aggregates good and total to one series each', () => {
    expect(errorRatioQuery(ratio, HOUR)).toBe('1 - (sum(sum(rate(ok[1h]))) / sum(sum(rate(all[1h]))))');
    expect(weightQuery(ratio, DAY)).toBe('sum(sum(rate(all[1d])))');
  });

  it('turns a latency objective into the share of one-minute slices over the threshold', () => {
    expect(errorRatioQuery(latency, HOUR)).toBe('1 - avg_over_time((max(histogram_quantile(0.99, rate(b[1m]))) <= bool 0.3)[1h:1m])');
    expect(weightQuery(latency, HOUR)).toBeUndefined();
  });
});

describe('assessSlo', () => {
  it('measures attainment, budget and burn over every rule window at the given time', async () => {
    const at = new Date('2026-12-01T12:00:00Z');
    const slo: SloSpec = { name: 'availability', objective: 0.999, windowMs: 30 * DAY, sli: { kind: 'ratio', good: 'g[{{window}}]', total: 't[{{window}}]' } };
    const source = new FakeTimeSeries({ '30d': 0.0005, '1h': 0.0144 * 1.25, '5m': 0.02, '6h': 0.001, '30m': 0.002 });
    const service = { name: 'api', project: 'shop', env: 'prod', host: 'h', selector: {} };
    const a = await assessSlo({ source, burnRules: WORKBOOK_BURN_RULES, timeoutMs: 1000 }, service, slo, at);
    expect(a.attainment).toBeCloseTo(0.9995, 9);
    expect(a.left).toBeCloseTo(0.5, 9);
    expect(a.budgetMinutes).toBeCloseTo(43.2, 9);
    expect(a.burns.get(HOUR)).toBeCloseTo(18, 9);
    expect(a.burns.get(6 * HOUR)).toBeCloseTo(1, 9);
    expect(a.firing.map((r) => r.factor)).toEqual([14.4]);
    expect(source.instants.every((q) => q.at?.getTime() === at.getTime())).toBe(true);
    expect(source.instants).toHaveLength(5);
  });

  it('has no attainment and no burn for windows without events (NaN)', async () => {
    const slo: SloSpec = { name: 'a', objective: 0.99, windowMs: DAY, sli: { kind: 'ratio', good: 'g[{{window}}]', total: 't[{{window}}]' } };
    const a = await assessSlo({ source: new FakeTimeSeries({}), burnRules: WORKBOOK_BURN_RULES, timeoutMs: 1000 }, { name: 'api', project: 'p', env: 'e', host: 'h', selector: {} }, slo, new Date());
    expect(a).toMatchObject({ attainment: undefined, left: undefined, firing: [] });
    expect(a.burns.size).toBe(0);
  });
});
