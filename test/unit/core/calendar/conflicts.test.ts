import { describe, expect, it } from 'vitest';
import { findConflicts, type PlannedDeploy } from '../../../../src/core/calendar/conflicts.js';
import { recurringPeriods, type FreezePeriod } from '../../../../src/core/calendar/freeze-periods.js';

const names: Record<string, string> = { carol: 'Carol', dave: 'Dave', ivan: 'Ivan' };
const nameOf = (id: string) => names[id] ?? id;
const TZ = 'Europe/Berlin';
const at = (iso: string) => new Date(iso);
const plan = (id: string, iso: string, env: string, services: string[], requestedBy: string, force = false): PlannedDeploy => ({ id, at: at(iso), project: 'shop', env, services, requestedBy, force });
const weekend: FreezePeriod[] = recurringPeriods(
  { name: 'Weekend freeze', project: 'shop', envs: ['prod'], timezone: TZ, from: { day: 5, time: '16:00' }, to: { day: 1, time: '09:00' } },
  at('2026-11-23T00:00:00Z'),
  at('2026-11-30T23:00:00Z'),
);

describe('conflicts between planned deploys (fixed dates, Berlin)', () => {
  it('expands the weekly window to its occurrences, including one that began the week before', () => {
    expect(weekend.map((p) => [p.from.toISOString(), p.until.toISOString()])).toEqual([
      ['2026-11-20T15:00:00.000Z', '2026-11-23T08:00:00.000Z'],
      ['2026-11-27T15:00:00.000Z', '2026-11-30T08:00:00.000Z'],
    ]);
  });

  it('two deploys of one environment within an hour: coordinate with the other requester', () => {
    const planned = [plan('pa1', '2026-11-24T21:00:00Z', 'staging', ['api'], 'carol'), plan('pa2', '2026-11-24T21:45:00Z', 'staging', ['api', 'web'], 'dave')];
    const conflicts = findConflicts(planned, { freezes: weekend, timezone: TZ, nameOf, viewer: 'carol' });
    expect(conflicts).toEqual([
      {
        kind: 'same-env',
        at: at('2026-11-24T21:45:00Z'),
        ids: ['pa1', 'pa2'],
        text: 'shop/staging api: pa1 at Tue 22:00 and pa2 at Tue 22:45 are within an hour',
        recommendation: 'coordinate with @Dave, or move one an hour apart',
      },
    ]);
    // Someone else reading it is told whom to bring together; an hour apart is no conflict.
    expect(findConflicts(planned, { freezes: [], timezone: TZ, nameOf, viewer: 'ivan' })[0]!.recommendation).toBe('coordinate: @Carol, @Dave, or move one an hour apart');
    const apart = [planned[0]!, plan('pa2', '2026-11-24T22:00:00Z', 'staging', ['web'], 'carol')];
    expect(findConflicts(apart, { freezes: [], timezone: TZ, nameOf })).toEqual([]);
  });

  it('the same person twice within an hour: combine them', () => {
    const planned = [plan('pa1', '2026-11-24T21:00:00Z', 'prod', ['api'], 'dave'), plan('pa2', '2026-11-24T21:30:00Z', 'prod', ['web'], 'dave')];
    expect(findConflicts(planned, { freezes: [], timezone: TZ, nameOf })).toMatchObject([{ kind: 'same-env', recommendation: 'deploy them together or an hour apart (calendar cancel pa2)' }]);
  });

  it('a deploy inside a freeze of its environment (not when forced, not in another environment)', () => {
    const planned = [
      plan('pa1', '2026-11-27T19:00:00Z', 'prod', ['api'], 'dave'),
      plan('pa2', '2026-11-27T19:00:00Z', 'staging', ['web'], 'carol'),
      plan('pa3', '2026-11-28T10:00:00Z', 'prod', ['web'], 'ivan', true),
      plan('pa4', '2026-11-27T14:59:00Z', 'prod', ['worker'], 'dave'),
    ];
    const conflicts = findConflicts(planned, { freezes: weekend, timezone: TZ, nameOf });
    expect(conflicts.filter((c) => c.kind === 'in-freeze')).toEqual([
      {
        kind: 'in-freeze',
        at: at('2026-11-27T19:00:00Z'),
        ids: ['pa1'],
        text: 'shop/prod api (pa1) at Fri 20:00 is inside the freeze Weekend freeze',
        recommendation: 'it will be refused then: schedule it after Mon 30 Nov 09:00 (calendar cancel pa1)',
      },
    ]);
  });

  it('two people planning one service on the same local day, in any environments', () => {
    // 23:30 UTC on Tuesday is already Wednesday 00:30 in Berlin: a different day from Carol's Tuesday one.
    const planned = [
      plan('pa1', '2026-11-25T06:00:00Z', 'staging', ['api'], 'carol'),
      plan('pa2', '2026-11-25T16:00:00Z', 'prod', ['api'], 'ivan'),
      plan('pa3', '2026-11-24T23:30:00Z', 'prod', ['api'], 'dave'),
      plan('pa4', '2026-11-24T12:00:00Z', 'staging', ['api'], 'carol'),
    ];
    const conflicts = findConflicts(planned, { freezes: [], timezone: TZ, nameOf, viewer: 'ivan' });
    expect(conflicts).toEqual([
      {
        kind: 'same-service-day',
        at: at('2026-11-24T23:30:00Z'),
        ids: ['pa3', 'pa1', 'pa2'],
        text: 'shop api: Dave and Carol and Ivan plan it the same day (prod Wed 00:30, staging Wed 07:00, prod Wed 17:00)',
        recommendation: 'coordinate with @Dave, @Carol',
      },
    ]);
  });
});
