import { describe, expect, it } from 'vitest';
import type { RotationSpec } from '../../../../src/core/domain/catalog.js';
import { onCallAt } from '../../../../src/core/domain/rotation.js';

const weekly: RotationSpec = { project: 'p', timezone: 'Europe/Berlin', handoff: '09:00', period: 'weekly', handoffDay: 1, start: '2026-11-02', members: ['a', 'b', 'c'] };
const daily: RotationSpec = { ...weekly, period: 'daily', start: '2026-03-27' };

describe('onCallAt', () => {
  it('hands over weekly at the local handoff time', () => {
    expect(onCallAt(weekly, new Date('2026-11-09T07:59:00Z'))).toMatchObject({ current: 'a', next: 'b' });
    expect(onCallAt(weekly, new Date('2026-11-09T08:00:00Z'))).toMatchObject({ current: 'b', next: 'c', nextHandoff: new Date('2026-11-16T08:00:00Z') });
    expect(onCallAt(weekly, new Date('2026-11-23T08:00:00Z')).current).toBe('a');
  });

  it('has nobody on call before the rotation starts', () => {
    expect(onCallAt(weekly, new Date('2026-11-01T00:00:00Z'))).toEqual({ current: null, next: 'a', nextHandoff: new Date('2026-11-02T08:00:00Z') });
  });

  it('keeps the local handoff time across a DST change (Berlin, 29 March 2026)', () => {
    // 28 Mar 09:00 CET = 08:00Z; 29 Mar 09:00 CEST = 07:00Z.
    expect(onCallAt(daily, new Date('2026-03-28T08:00:00Z'))).toMatchObject({ current: 'b', nextHandoff: new Date('2026-03-29T07:00:00Z') });
    expect(onCallAt(daily, new Date('2026-03-29T06:59:00Z')).current).toBe('b');
    expect(onCallAt(daily, new Date('2026-03-29T07:00:00Z')).current).toBe('c');
  });

  it('starts a weekly rotation mid-week and changes at the first handoff day', () => {
    const midweek = { ...weekly, start: '2026-11-04' }; // a Wednesday
    expect(onCallAt(midweek, new Date('2026-11-05T12:00:00Z')).current).toBe('a');
    expect(onCallAt(midweek, new Date('2026-11-09T08:00:00Z')).current).toBe('b');
    expect(onCallAt(midweek, new Date('2026-11-16T08:00:00Z')).current).toBe('c');
  });
});
