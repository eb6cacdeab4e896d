/** Start-up republishing of open incidents' living messages (what a dropped queued push would have said). */
import { describe, expect, it } from 'vitest';
import { republishOpenIncidents } from '../../../../src/core/incidents/incident-posts.js';
import { silentLogger } from '../../../../src/core/ports/logger.port.js';
import type { NewIncident } from '../../../../src/core/ports/incident.port.js';
import { MemoryIncidentStore } from '../../../fakes/memory-incidents.js';
import { RecordingNotifier } from '../../../fakes/memory-stores.js';

const T0 = new Date('2026-11-23T12:00:00Z');
const incident = (project: string, groupKey: string): NewIncident => ({
  project,
  groupKey,
  title: `Alert ${groupKey}`,
  openedAt: T0,
  alerts: [{ fingerprint: groupKey, name: `Alert ${groupKey}`, status: 'firing', summary: '', startsAt: T0, endsAt: null, labels: { alertname: groupKey } }],
  timeline: [],
});

describe('republishOpenIncidents', () => {
  it('publishes the living message of every open incident of the projects, and nothing for resolved ones', async () => {
    const incidents = new MemoryIncidentStore();
    const notifier = new RecordingNotifier();
    const a = await incidents.open(incident('shop', 'a'));
    await incidents.acknowledge(a.id, 'alice', T0);
    const b = await incidents.open(incident('shop', 'b'));
    await incidents.resolve(b.id, T0, [], []);
    await incidents.open(incident('other', 'c'));
    const deps = { incidents, notifier, logger: silentLogger, nameOf: (id: string) => id.toUpperCase(), catalog: { projects: [] }, settings: { serviceLabel: 'service', envLabel: 'env', silenceMs: 3_600_000 } };

    expect(await republishOpenIncidents(deps, ['shop'], T0)).toBe(1);
    expect(notifier.announcements.map((x) => x.key)).toEqual([`incident:${a.id}`]);
    expect(notifier.published(`incident:${a.id}`)[0]).toContain('Acknowledged by ALICE');
  });

  it('counts what could not be posted as not posted', async () => {
    const incidents = new MemoryIncidentStore();
    const notifier = new RecordingNotifier();
    await incidents.open(incident('shop', 'a'));
    notifier.failNext = true;
    const deps = { incidents, notifier, logger: silentLogger, nameOf: (id: string) => id, catalog: { projects: [] }, settings: { serviceLabel: 'service', envLabel: 'env', silenceMs: 3_600_000 } };
    expect(await republishOpenIncidents(deps, ['shop'], T0)).toBe(0);
  });
});
