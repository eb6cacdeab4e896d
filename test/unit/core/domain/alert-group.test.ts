import { describe, expect, it } from 'vitest';
import { applyAlerts, groupTitle, routeByProject, type AlertGroup, type GroupAlert } from '../../../../src/core/domain/alert-group.js';

const T0 = new Date('2026-11-23T12:00:00Z');
const min = (m: number) => new Date(T0.getTime() + m * 60_000);

const alert = (over: Partial<GroupAlert> & { name?: string; project?: string } = {}): GroupAlert => ({
  status: 'firing',
  labels: { alertname: over.name ?? 'HighErrorRate', ...(over.project === undefined ? { project: 'shop' } : over.project ? { project: over.project } : {}) },
  annotations: { summary: 'errors above 5%' },
  startsAt: T0,
  endsAt: null,
  fingerprint: 'aa01',
  ...over,
});

const group = (alerts: GroupAlert[], over: Partial<AlertGroup> = {}): AlertGroup => ({
  groupKey: '{}:{alertname="HighErrorRate"}',
  status: 'firing',
  receiver: 'deckhand',
  groupLabels: { alertname: 'HighErrorRate', project: 'shop' },
  commonLabels: { alertname: 'HighErrorRate' },
  commonAnnotations: {},
  truncatedAlerts: 0,
  alerts,
  ...over,
});

describe('routeByProject', () => {
  it('splits a group by the routing label and keeps alerts without a known project apart', () => {
    const g = group([
      alert({ fingerprint: 'a1' }),
      alert({ fingerprint: 'a2', project: 'billing' }),
      alert({ fingerprint: 'a3', project: 'nope' }),
      alert({ fingerprint: 'a4', project: '' }),
      alert({ fingerprint: 'a5' }),
    ]);
    const { slices, unrouted } = routeByProject(g, 'project', new Set(['shop', 'billing']));
    expect(slices.map((s) => [s.project, s.alerts.map((a) => a.fingerprint)])).toEqual([
      ['shop', ['a1', 'a5']],
      ['billing', ['a2']],
    ]);
    expect(unrouted.map((a) => a.fingerprint)).toEqual(['a3', 'a4']);
  });

  it('uses the configured label name', () => {
    const g = group([alert({ labels: { alertname: 'X', team: 'shop' } })]);
    expect(routeByProject(g, 'team', new Set(['shop'])).slices).toHaveLength(1);
    expect(routeByProject(g, 'project', new Set(['shop'])).slices).toHaveLength(0);
  });
});

describe('applyAlerts', () => {
  it('adds a firing entry per new alert, oldest first, and is not resolved while any fires', () => {
    const change = applyAlerts([], [alert({ fingerprint: 'b', startsAt: min(2) }), alert({ fingerprint: 'a', name: 'Slow' })], min(3));
    expect(change.entries.map((e) => [e.kind, e.text, e.at])).toEqual([
      ['firing', 'Slow firing: errors above 5%', T0],
      ['firing', 'HighErrorRate firing: errors above 5%', min(2)],
    ]);
    expect(change.allResolved).toBe(false);
    expect(change.alerts).toHaveLength(2);
  });

  it('adds nothing when Alertmanager repeats the same state', () => {
    const first = applyAlerts([], [alert()], min(1));
    const again = applyAlerts(first.alerts, [alert()], min(5));
    expect(again.entries).toEqual([]);
    expect(again.alerts).toEqual(first.alerts);
  });

  it('records a resolve at endsAt and reports all resolved only when every known alert has', () => {
    const start = applyAlerts([], [alert({ fingerprint: 'a' }), alert({ fingerprint: 'b' })], min(1));
    const one = applyAlerts(start.alerts, [alert({ fingerprint: 'a', status: 'resolved', endsAt: min(10) }), alert({ fingerprint: 'b' })], min(11));
    expect(one.entries).toEqual([{ at: min(10), kind: 'resolved', text: 'HighErrorRate resolved: errors above 5%', by: null }]);
    expect(one.allResolved).toBe(false);
    const both = applyAlerts(one.alerts, [alert({ fingerprint: 'b', status: 'resolved', endsAt: min(12) })], min(13));
    expect(both.allResolved).toBe(true);
    expect(both.alerts.map((a) => [a.fingerprint, a.status, a.endsAt])).toEqual([
      ['a', 'resolved', min(10)],
      ['b', 'resolved', min(12)],
    ]);
  });

  it('records a refire after a resolve', () => {
    const fired = applyAlerts([], [alert()], min(1));
    const resolved = applyAlerts(fired.alerts, [alert({ status: 'resolved', endsAt: min(2) })], min(2));
    const refired = applyAlerts(resolved.alerts, [alert({ startsAt: min(3) })], min(3));
    expect(refired.entries.map((e) => e.kind)).toEqual(['firing']);
    expect(refired.allResolved).toBe(false);
  });
});

describe('groupTitle', () => {
  it('names the alert and the other group labels, without the routing label', () => {
    expect(groupTitle(group([alert()], { groupLabels: { alertname: 'HighErrorRate', project: 'shop', service: 'api' } }), 'project')).toBe(
      'HighErrorRate (service=api)',
    );
    expect(groupTitle(group([alert({ name: 'DiskFull' })], { groupLabels: {}, commonLabels: {} }), 'project')).toBe('DiskFull');
  });
});
