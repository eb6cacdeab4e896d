/** The health score's weights: what each signal costs, its cap, the reasons, and the most urgent actions. */
import { describe, expect, it } from 'vitest';
import { HEALTH_WEIGHTS, scoreHealth, urgentActions, type HealthSignals } from '../../../../src/core/health/health-score.js';

const AT = new Date('2026-11-23T12:00:00Z');
const DAY = 86_400_000;
const HOUR = 3_600_000;
const target = { project: 'shop', env: 'prod', service: 'api' };
const quiet: HealthSignals = {
  usage: { restarts: 0, unhealthySeconds: 0, imageCreatedAt: new Date(AT.getTime() - 10 * DAY) },
  incidents: { opened: 0, stillOpen: 0, restoreMedianMs: null },
  changeFailure: { failed: 0, total: 4 },
  superseded: null,
  slos: [{ name: 'availability', left: 1 }],
};
const score = (over: Partial<HealthSignals>) => scoreHealth({ ...quiet, ...over }, AT, target);
const only = (over: Partial<HealthSignals>) => {
  const h = score(over);
  expect(h.deductions).toHaveLength(1);
  return { score: h.score, ...h.deductions[0]! };
};

describe('health score', () => {
  it('is 100 when no signal costs anything, and the weights add up to 100', () => {
    expect(score({})).toEqual({ score: 100, deductions: [], unmeasured: [] });
    expect(Object.values(HEALTH_WEIGHTS).reduce((n, w) => n + w.weight, 0)).toBe(100);
  });

  it('costs 3 points a restart in 7 days, at most 15', () => {
    expect(only({ usage: { ...quiet.usage!, restarts: 2 } })).toMatchObject({ score: 94, signal: 'restarts', points: 6, weight: 15, reason: '2 restarts in 7 days' });
    expect(only({ usage: { ...quiet.usage!, restarts: 40 } })).toMatchObject({ score: 85, points: 15 });
    expect(only({ usage: { ...quiet.usage!, restarts: 1 } }).action).toBe('find why api restarts: logs api prod --previous');
  });

  it('costs 5 points an hour unhealthy, at most 15', () => {
    expect(only({ usage: { ...quiet.usage!, unhealthySeconds: 7200 } })).toMatchObject({ score: 90, signal: 'unhealthy', points: 10, reason: 'unhealthy for 2h in 7 days' });
    expect(only({ usage: { ...quiet.usage!, unhealthySeconds: 10 * 3600 } }).points).toBe(15);
    // Less than six minutes rounds to nothing.
    expect(score({ usage: { ...quiet.usage!, unhealthySeconds: 300 } }).score).toBe(100);
  });

  it('costs 5 points an incident in 30 days and up to 10 for a slow restore', () => {
    const h = score({ incidents: { opened: 2, stillOpen: 0, restoreMedianMs: 2 * HOUR } });
    expect(h.score).toBe(84);
    expect(h.deductions.map((d) => [d.signal, d.points, d.reason])).toEqual([
      ['incidents', 10, '2 incidents in 30 days'],
      ['restore', 6, 'median time to restore 2h'],
    ]);
    expect(score({ incidents: { opened: 1, stillOpen: 0, restoreMedianMs: 20 * 60_000 } }).score).toBe(95);
    expect(score({ incidents: { opened: 1, stillOpen: 0, restoreMedianMs: 45 * 60_000 } }).score).toBe(92);
    expect(score({ incidents: { opened: 9, stillOpen: 0, restoreMedianMs: 5 * HOUR } }).score).toBe(75);
  });

  it('counts an incident still open as the slowest restore, once with a slow median', () => {
    const h = score({ incidents: { opened: 2, stillOpen: 1, restoreMedianMs: 2 * HOUR } });
    expect(h.deductions.find((d) => d.signal === 'restore')).toMatchObject({ points: 10, reason: '1 incident still open', action: 'resolve the open incident of api' });
    expect(h.score).toBe(80);
  });

  it('costs the change failure rate times 30, at most 15', () => {
    expect(only({ changeFailure: { failed: 1, total: 4 } })).toMatchObject({ score: 92, signal: 'changeFailure', points: 8, reason: '1 of 4 deploys failed (25%)', action: "find why api's deploys fail: deploys shop prod" });
    expect(only({ changeFailure: { failed: 3, total: 4 } }).points).toBe(15);
    expect(score({ changeFailure: null }).score).toBe(100);
  });

  it('costs a point per 15 days of image age past 30 days, at most 10', () => {
    const built = (days: number) => ({ usage: { ...quiet.usage!, imageCreatedAt: new Date(AT.getTime() - days * DAY) } });
    expect(score(built(44)).score).toBe(100);
    expect(only(built(90))).toMatchObject({ score: 96, signal: 'imageAge', points: 4, reason: 'image built 90 days ago' });
    expect(only(built(400)).points).toBe(10);
  });

  it('costs 10 points for a version another environment replaced, naming the promotion', () => {
    expect(only({ superseded: { env: 'staging', running: '1.4', newer: '1.5' } })).toMatchObject({
      score: 90,
      signal: 'superseded',
      reason: 'runs 1.4, staging replaced it with 1.5',
      action: 'bring api up to 1.5: promote shop staging prod api',
    });
  });

  it('costs the share of error budget spent of the worst SLO, at most 10', () => {
    expect(only({ slos: [{ name: 'latency', left: 0.9 }, { name: 'availability', left: 0.4 }] })).toMatchObject({ score: 94, points: 6, reason: 'SLO availability: 40% of error budget left' });
    expect(only({ slos: [{ name: 'availability', left: -2 }] })).toMatchObject({ points: 10, reason: 'SLO availability: error budget spent' });
    expect(score({ slos: undefined }).score).toBe(100);
  });

  it('says what was not measured, which costs nothing', () => {
    const { usage: _usage, ...rest } = quiet;
    expect(scoreHealth(rest, AT, target)).toEqual({ score: 100, deductions: [], unmeasured: ['restarts', 'unhealthy time', 'image age'] });
    expect(score({ usage: { ...quiet.usage!, imageCreatedAt: null } }).unmeasured).toEqual(['image age']);
    expect(score({ slos: 'unavailable' })).toEqual({ score: 100, deductions: [], unmeasured: ['SLO'] });
  });

  it('adds every signal up, largest deduction first', () => {
    const h = score({
      usage: { restarts: 9, unhealthySeconds: 3 * 3600, imageCreatedAt: new Date(AT.getTime() - 400 * DAY) },
      incidents: { opened: 4, stillOpen: 1, restoreMedianMs: 5 * HOUR },
      changeFailure: { failed: 4, total: 4 },
      superseded: { env: 'staging', running: '1.4', newer: '1.5' },
      slos: [{ name: 'availability', left: -1 }],
    });
    expect(h.score).toBe(0);
    expect(h.deductions.map((d) => d.points)).toEqual([15, 15, 15, 15, 10, 10, 10, 10]);
  });

  it('picks the three largest deductions across services as the most urgent actions', () => {
    const api = score({ usage: { ...quiet.usage!, restarts: 5 }, changeFailure: { failed: 1, total: 10 } });
    const web = scoreHealth({ ...quiet, superseded: { env: 'staging', running: '2.0', newer: '2.1' } }, AT, { ...target, service: 'web' });
    expect(urgentActions([{ label: 'api', health: api }, { label: 'web', health: web }])).toEqual([
      'api: find why api restarts: logs api prod --previous (5 restarts in 7 days, -15)',
      'web: bring web up to 2.1: promote shop staging prod web (runs 2.0, staging replaced it with 2.1, -10)',
      "api: find why api's deploys fail: deploys shop prod (1 of 10 deploys failed (10%), -3)",
    ]);
  });
});
