import { describe, expect, it } from 'vitest';
import { commitTimeOf, commitTimeStep, computeDora, describeRestore, median, P90_MIN_SAMPLES, parseDoraWindow, percentile, type DoraIncident } from '../../../src/core/domain/dora.js';
import type { Deployment } from '../../../src/core/ports/deployment.port.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const HOUR = 3_600_000;
const at = (iso: string) => new Date(iso);

let seq = 0;
function dep(over: Partial<Deployment> & { finishedAt: Date | null; committed?: Date }): Deployment {
  const { committed, ...rest } = over;
  const finishedAt = rest.finishedAt;
  const startedAt = rest.startedAt ?? (finishedAt ? new Date(finishedAt.getTime() - 5 * 60_000) : NOW);
  return {
    id: `d${++seq}`,
    actionId: `a${seq}`,
    kind: 'deploy',
    project: 'shop',
    env: 'prod',
    service: 'api',
    version: `1.${seq}`,
    image: `reg/shop/api:1.${seq}`,
    previousVersion: null,
    previousImage: null,
    requestedBy: 'alice',
    approvedBy: null,
    status: 'succeeded',
    source: 'deckhand',
    ...rest,
    startedAt,
    steps: committed ? [{ at: startedAt, text: commitTimeStep(committed) }] : [],
  };
}

describe('parseDoraWindow', () => {
  it('accepts days and weeks from 1 to 365 days', () => {
    expect(parseDoraWindow('7d')).toEqual({ days: 7 });
    expect(parseDoraWindow('30D')).toEqual({ days: 30 });
    expect(parseDoraWindow('2w')).toEqual({ days: 14 });
    expect(parseDoraWindow('365d')).toEqual({ days: 365 });
  });

  it('refuses anything else', () => {
    for (const w of ['0d', '366d', '53w', '30', 'd', '1h', '1.5d', '-7d', '30days']) expect(parseDoraWindow(w), w).toBeUndefined();
  });
});

describe('median and commit times', () => {
  it('takes the middle value or the mean of the two middle values', () => {
    expect(median([])).toBeUndefined();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('reads the commit time from the field first, then from the recorded step', () => {
    const fromStep = dep({ finishedAt: NOW, committed: at('2026-11-20T10:00:00Z') });
    expect(commitTimeOf(fromStep)).toEqual(at('2026-11-20T10:00:00Z'));
    expect(commitTimeOf({ ...fromStep, committedAt: at('2026-11-21T00:00:00Z') })).toEqual(at('2026-11-21T00:00:00Z'));
    expect(commitTimeOf(dep({ finishedAt: NOW }))).toBeNull();
    expect(commitTimeOf({ ...fromStep, steps: [{ at: NOW, text: 'commit time not-a-date' }] })).toBeNull();
  });
});

describe('computeDora', () => {
  it('reports nothing measurable for an empty history', () => {
    const r = computeDora([], [], { days: 30 }, NOW);
    expect(r).toMatchObject({ deploys: 0, perDay: 0, perWeek: 0, leadTime: null, changeFailure: null, timeToRestore: null, openIncidents: 0 });
    expect(r.from).toEqual(at('2026-10-24T12:00:00Z'));
    expect(r.to).toEqual(NOW);
  });

  it('counts successful deploys finished inside the window only', () => {
    const deployments = [
      dep({ finishedAt: at('2026-11-22T12:00:00Z') }),
      dep({ finishedAt: at('2026-11-16T12:00:01Z') }),
      dep({ finishedAt: at('2026-11-16T12:00:00Z') }), // exactly at the window start: outside
      dep({ finishedAt: at('2026-11-23T12:00:01Z') }), // after now: outside
      dep({ finishedAt: null, status: 'running' }),
      dep({ finishedAt: at('2026-11-22T13:00:00Z'), kind: 'restart' }),
      dep({ finishedAt: at('2026-11-22T14:00:00Z'), status: 'failed' }),
    ];
    const r = computeDora(deployments, [], { days: 7 }, NOW);
    expect(r.deploys).toBe(2);
    expect(r.perDay).toBeCloseTo(2 / 7, 10);
    expect(r.perWeek).toBeCloseTo(2, 10);
    expect(r.changeFailure).toEqual({ failed: 1, total: 3, rate: 1 / 3 });
  });

  it('takes the median lead time over successful deploys with a known commit time', () => {
    const deployments = [
      dep({ finishedAt: at('2026-11-22T12:00:00Z'), committed: at('2026-11-22T11:00:00Z') }), // 1 h
      dep({ finishedAt: at('2026-11-21T12:00:00Z'), committed: at('2026-11-21T09:00:00Z') }), // 3 h
      dep({ finishedAt: at('2026-11-20T12:00:00Z'), committed: at('2026-11-19T12:00:00Z') }), // 24 h
      dep({ finishedAt: at('2026-11-20T13:00:00Z') }), // unknown commit time
      dep({ finishedAt: at('2026-11-20T14:00:00Z'), committed: at('2026-11-10T00:00:00Z'), status: 'failed' }), // failed: no lead time
    ];
    const r = computeDora(deployments, [], { days: 30 }, NOW);
    expect(r.leadTime).toEqual({ medianMs: 3 * HOUR, samples: 3 });
    expect(r.deploys).toBe(4);
  });

  it('counts failed, rolled back, later rolled back and incident-linked deploys as change failures', () => {
    const ok = dep({ finishedAt: at('2026-11-10T12:00:00Z'), service: 'web' });
    const rolledBackLater = dep({ finishedAt: at('2026-11-11T12:00:00Z') });
    const rollback = dep({ finishedAt: at('2026-11-11T13:00:00Z'), kind: 'rollback' });
    const fixedForward = dep({ finishedAt: at('2026-11-12T12:00:00Z') });
    const restart = dep({ finishedAt: at('2026-11-12T13:00:00Z'), kind: 'restart' });
    const linked = dep({ finishedAt: at('2026-11-13T12:00:00Z'), service: 'web' });
    const failed = dep({ finishedAt: at('2026-11-14T12:00:00Z'), status: 'failed' });
    const autoRolledBack = dep({ finishedAt: at('2026-11-15T12:00:00Z'), status: 'rolled_back' });
    const last = dep({ finishedAt: at('2026-11-16T12:00:00Z') });
    const incident: DoraIncident = { id: 'i1', project: 'shop', openedAt: at('2026-11-13T12:10:00Z'), resolvedAt: null, deploymentId: linked.id };
    const r = computeDora([ok, rolledBackLater, rollback, fixedForward, restart, linked, failed, autoRolledBack, last], [incident], { days: 30 }, NOW);
    // Deploys: ok, rolledBackLater, fixedForward, linked, failed, autoRolledBack, last (the rollback and restart are not changes).
    expect(r.changeFailure).toEqual({ failed: 4, total: 7, rate: 4 / 7 });
    expect(r.deploys).toBe(5);
  });

  it('does not blame a deploy for a rollback that came after a later deploy of the same service', () => {
    const first = dep({ finishedAt: at('2026-11-10T12:00:00Z') });
    const second = dep({ finishedAt: at('2026-11-11T12:00:00Z') });
    const rollback = dep({ finishedAt: at('2026-11-11T13:00:00Z'), kind: 'rollback' });
    const r = computeDora([first, second, rollback], [], { days: 30 }, NOW);
    expect(r.changeFailure).toEqual({ failed: 1, total: 2, rate: 0.5 });
  });

  it('takes the median time to restore over incidents opened in the window and counts open ones apart', () => {
    const incidents: DoraIncident[] = [
      { id: 'i1', project: 'shop', openedAt: at('2026-11-20T10:00:00Z'), resolvedAt: at('2026-11-20T10:30:00Z'), deploymentId: null },
      { id: 'i2', project: 'shop', openedAt: at('2026-11-21T10:00:00Z'), resolvedAt: at('2026-11-21T12:00:00Z'), deploymentId: null },
      { id: 'i3', project: 'shop', openedAt: at('2026-11-22T10:00:00Z'), resolvedAt: null, deploymentId: null },
      { id: 'i4', project: 'shop', openedAt: at('2026-09-01T10:00:00Z'), resolvedAt: at('2026-09-01T11:00:00Z'), deploymentId: null },
      // Opened before the window, resolved inside it: belongs to the earlier window.
      { id: 'i5', project: 'shop', openedAt: at('2026-10-24T11:00:00Z'), resolvedAt: at('2026-10-25T11:00:00Z'), deploymentId: null },
      // Opened before the window and still open: not this window's either.
      { id: 'i6', project: 'shop', openedAt: at('2026-10-20T11:00:00Z'), resolvedAt: null, deploymentId: null },
    ];
    const r = computeDora([], incidents, { days: 30 }, NOW);
    expect(r.timeToRestore).toEqual({ medianMs: 1.25 * HOUR, samples: 2, p90Ms: null });
    expect(r.openIncidents).toBe(1);
    expect(describeRestore(r.timeToRestore!)).toBe('median 1h 15m');
  });

  it('adds the 90th percentile once there are enough resolved incidents', () => {
    const minutes = [5, 10, 15, 20, 25, 30, 35, 40, 45, 600];
    const incidents: DoraIncident[] = minutes.map((m, i) => {
      const openedAt = new Date(NOW.getTime() - (i + 1) * 24 * HOUR);
      return { id: `i${i}`, project: 'shop', openedAt, resolvedAt: new Date(openedAt.getTime() + m * 60_000), deploymentId: null };
    });
    expect(incidents).toHaveLength(P90_MIN_SAMPLES);
    const r = computeDora([], incidents, { days: 30 }, NOW);
    expect(r.timeToRestore).toEqual({ medianMs: 27.5 * 60_000, samples: 10, p90Ms: 45 * 60_000 });
    expect(describeRestore(r.timeToRestore!)).toBe('median 27m 30s, p90 45m');
    expect(computeDora([], incidents.slice(1), { days: 30 }, NOW).timeToRestore!.p90Ms).toBeNull();
  });

  it('counts a deploy linked to an incident once, however many incidents name it', () => {
    const linked = dep({ finishedAt: at('2026-11-20T12:00:00Z') });
    const clean = dep({ finishedAt: at('2026-11-21T12:00:00Z'), service: 'web' });
    const opened = (id: string, m: number): DoraIncident => ({ id, project: 'shop', openedAt: new Date(linked.finishedAt!.getTime() + m * 60_000), resolvedAt: null, deploymentId: linked.id });
    const r = computeDora([linked, clean], [opened('i1', 5), opened('i2', 20)], { days: 30 }, NOW);
    expect(r.changeFailure).toEqual({ failed: 1, total: 2, rate: 0.5 });
    expect(r.openIncidents).toBe(2);
  });
});

describe('percentile', () => {
  it('takes the nearest rank', () => {
    expect(percentile([], 90)).toBeUndefined();
    expect(percentile([3, 1, 2], 90)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
  });
});
