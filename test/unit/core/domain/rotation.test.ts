import { describe, expect, it } from 'vitest';
import type { RotationSpec } from '../../../../src/core/domain/catalog.js';
import { lastHandoffAt, onCallAt, onCallWith } from '../../../../src/core/domain/rotation.js';

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

describe('onCallWith: primary and secondary', () => {
  it('makes the next member the secondary, changing both at the handoff', () => {
    expect(onCallWith(weekly, new Date('2026-11-09T07:59:00Z'))).toMatchObject({ primary: 'a', secondary: 'b', next: 'b' });
    expect(onCallWith(weekly, new Date('2026-11-09T08:00:00Z'))).toMatchObject({ primary: 'b', secondary: 'c', next: 'c' });
    expect(onCallWith(weekly, new Date('2026-11-16T08:00:00Z'))).toMatchObject({ primary: 'c', secondary: 'a', next: 'a' });
  });

  it('follows the secondaries in their own order when configured', () => {
    const own = { ...weekly, secondaries: ['x', 'y'] };
    expect(onCallWith(own, new Date('2026-11-02T08:00:00Z'))).toMatchObject({ primary: 'a', secondary: 'x' });
    expect(onCallWith(own, new Date('2026-11-09T08:00:00Z'))).toMatchObject({ primary: 'b', secondary: 'y' });
    expect(onCallWith(own, new Date('2026-11-16T08:00:00Z'))).toMatchObject({ primary: 'c', secondary: 'x' });
  });

  it('has no secondary with a single member, and nobody before the start', () => {
    expect(onCallWith({ ...weekly, members: ['a'] }, new Date('2026-11-10T00:00:00Z'))).toMatchObject({ primary: 'a', secondary: null });
    expect(onCallWith(weekly, new Date('2026-11-01T00:00:00Z'))).toMatchObject({ primary: null, scheduled: null, secondary: null, next: 'a' });
  });

  it('hands primary and secondary over at the local time across the DST change', () => {
    // Daily rotation from 27 Mar 2026 09:00 CET: a, b (28 Mar 08:00Z), c (29 Mar 07:00Z, CEST).
    expect(onCallWith(daily, new Date('2026-03-29T06:59:00Z'))).toMatchObject({ primary: 'b', secondary: 'c', nextHandoff: new Date('2026-03-29T07:00:00Z') });
    expect(onCallWith(daily, new Date('2026-03-29T07:00:00Z'))).toMatchObject({ primary: 'c', secondary: 'a', nextHandoff: new Date('2026-03-30T07:00:00Z') });
    // Back to CET on 25 Oct 2026: the handoff moves from 07:00Z to 08:00Z.
    const autumn = { ...daily, start: '2026-10-24' };
    expect(onCallWith(autumn, new Date('2026-10-25T07:30:00Z'))).toMatchObject({ primary: 'a', nextHandoff: new Date('2026-10-25T08:00:00Z') });
    expect(onCallWith(autumn, new Date('2026-10-25T08:00:00Z'))).toMatchObject({ primary: 'b', secondary: 'c' });
  });
});

describe('onCallWith: overrides', () => {
  const override = { personId: 'z', startsAt: new Date('2026-11-10T10:00:00Z'), endsAt: new Date('2026-11-10T18:00:00Z') };

  it('puts the override person first while it is in effect and keeps the secondary', () => {
    expect(onCallWith(weekly, new Date('2026-11-10T12:00:00Z'), override)).toMatchObject({ primary: 'z', scheduled: 'b', secondary: 'c', override });
  });

  it('swaps primary and secondary when the override makes the secondary primary', () => {
    const bySecondary = { ...override, personId: 'c' };
    expect(onCallWith(weekly, new Date('2026-11-10T12:00:00Z'), bySecondary)).toMatchObject({ primary: 'c', scheduled: 'b', secondary: 'b' });
  });

  it('ignores the override before it starts and from its end on', () => {
    expect(onCallWith(weekly, new Date('2026-11-10T09:59:59Z'), override)).toMatchObject({ primary: 'b', override: null });
    expect(onCallWith(weekly, new Date('2026-11-10T18:00:00Z'), override)).toMatchObject({ primary: 'b', override: null });
  });
});

describe('lastHandoffAt', () => {
  it('is the latest handoff at or before the instant, and null before the start', () => {
    expect(lastHandoffAt(weekly, new Date('2026-11-01T12:00:00Z'))).toBeNull();
    expect(lastHandoffAt(weekly, new Date('2026-11-02T08:00:00Z'))).toEqual(new Date('2026-11-02T08:00:00Z'));
    expect(lastHandoffAt(weekly, new Date('2026-11-09T07:59:59Z'))).toEqual(new Date('2026-11-02T08:00:00Z'));
    expect(lastHandoffAt(weekly, new Date('2026-11-12T00:00:00Z'))).toEqual(new Date('2026-11-09T08:00:00Z'));
  });

  it('counts a mid-week start as the first handoff, then the handoff days', () => {
    const midweek = { ...weekly, start: '2026-11-04' };
    expect(lastHandoffAt(midweek, new Date('2026-11-05T12:00:00Z'))).toEqual(new Date('2026-11-04T08:00:00Z'));
    expect(lastHandoffAt(midweek, new Date('2026-11-09T08:30:00Z'))).toEqual(new Date('2026-11-09T08:00:00Z'));
  });

  it('uses the local handoff time on both sides of a DST change', () => {
    expect(lastHandoffAt(daily, new Date('2026-03-29T06:59:00Z'))).toEqual(new Date('2026-03-28T08:00:00Z'));
    expect(lastHandoffAt(daily, new Date('2026-03-29T07:00:00Z'))).toEqual(new Date('2026-03-29T07:00:00Z'));
  });
});
