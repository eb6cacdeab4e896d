/** Shared set-up for the escalation and handoff job tests: people, a rotation and in-memory stores. */
import type { Person, RotationSpec } from '../../../../src/core/domain/catalog.js';
import type { NewIncident } from '../../../../src/core/ports/incident.port.js';
import { MemoryIncidentStore } from '../../../fakes/memory-incidents.js';
import { MemoryHandoffLog, MemoryOncallOverrideStore } from '../../../fakes/memory-oncall.js';
import { RecordingNotifier } from '../../../fakes/memory-stores.js';
import { MemoryUnitOfWork } from '../../../fakes/memory-unit-of-work.js';

export const T0 = new Date('2026-11-23T12:00:00Z');
export const minutes = (m: number) => new Date(T0.getTime() + m * 60_000);

export const people: Person[] = [
  { id: 'alice', name: 'Alice', accounts: { telegram: '1001', slack: 'U0ALICE' }, roles: [] },
  { id: 'bob', name: 'Bob', accounts: { telegram: '1002' }, roles: [] },
  { id: 'carol', name: 'Carol', accounts: { slack: 'U0CAROL' }, roles: [] },
  { id: 'dave', name: 'Dave', accounts: {}, roles: [] },
];

/** Weekly, Monday 09:00 Berlin from 2 Nov 2026: at T0 (Mon 23 Nov) alice is primary, bob secondary. */
export const shopRotation: RotationSpec = {
  project: 'shop',
  timezone: 'Europe/Berlin',
  handoff: '09:00',
  period: 'weekly',
  handoffDay: 1,
  start: '2026-11-02',
  members: ['alice', 'bob', 'carol'],
};

export function incident(project = 'shop', openedAt = T0): NewIncident {
  return { project, groupKey: `g-${project}-${openedAt.getTime()}`, title: 'HighErrorRate on api', openedAt, alerts: [], timeline: [{ at: openedAt, kind: 'opened', text: 'opened', by: null }] };
}

export function oncallFixture() {
  let now = T0;
  const incidents = new MemoryIncidentStore();
  const handoffs = new MemoryHandoffLog();
  const notifier = new RecordingNotifier();
  return {
    incidents,
    overrides: new MemoryOncallOverrideStore(),
    handoffs,
    notifier,
    unit: new MemoryUnitOfWork({ incidents, handoffs, notifier }),
    clock: { now: () => now },
    setNow(at: Date) {
      now = at;
    },
  };
}
